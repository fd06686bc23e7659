import type { AwsCheck } from '../../core/engine.js';
import { type Finding, makeFinding } from '../../core/finding.js';
import { isoDate, orAwsError, regionsOf } from './common.js';
import { sesAccount } from './account.js';

const LAYER = 'ses';
const CHECK = 'recommendations';
const TITLE = 'SES VDM Advisor recommendations';

/** True when `arn` names one of the sender's identities (`...:identity/<name>`). */
function isSenderIdentity(arn: string | undefined, names: string[]): boolean {
  if (!arn) return false;
  const identity = arn.slice(arn.lastIndexOf(':identity/') + ':identity/'.length).toLowerCase();
  return arn.includes(':identity/') && names.includes(identity);
}

/** With VDM enabled, open Advisor recommendations for the sender's identities become findings. */
export const recommendationsCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const names = [ctx.target.senderDomain, ...(ctx.target.senderAddress ? [ctx.target.senderAddress] : [])].map((n) => n.toLowerCase());
    const perRegion = await Promise.all(
      regionsOf(ctx).map((region) =>
        orAwsError(LAYER, CHECK, { id: region, title: TITLE, what: `VDM recommendations in ${region}` }, async (): Promise<Finding[]> => {
          const account = await sesAccount(ctx, region);
          if (!account.vdmEnabled) {
            return [
              makeFinding(LAYER, CHECK, {
                id: region,
                status: 'info',
                title: TITLE,
                summary: `Virtual Deliverability Manager is off in ${region}: no Advisor recommendations or message insights.`,
                evidence: [{ label: 'VdmEnabled', value: 'DISABLED', code: true }],
                explanation: 'VDM gives per-message insights (the remote server\'s reply for each bounce) and configuration advice.',
                fix: 'Optional: enable VDM in the SES console to see why individual messages bounced.',
              }),
            ];
          }
          const all = await ctx.aws.ses(region).listRecommendations({ status: 'OPEN' });
          const relevant = all.filter((r) => isSenderIdentity(r.resourceArn, names));
          if (relevant.length === 0) {
            return [
              makeFinding(LAYER, CHECK, {
                id: region,
                status: 'pass',
                title: TITLE,
                summary: `VDM Advisor has no open recommendation for ${names.join(' or ')} in ${region}.`,
                evidence: [{ label: 'ListRecommendations (OPEN)', value: `${all.length} open in the account, none for this sender`, code: true }],
                explanation: 'SES\'s own advisor sees nothing to fix in this identity\'s set-up.',
              }),
            ];
          }
          return relevant.map((r, index) =>
            makeFinding(LAYER, CHECK, {
              id: `${region}:${r.type.toLowerCase()}:${index}`,
              status: r.impact === 'HIGH' ? 'warn' : 'info',
              priority: 16,
              title: `VDM recommendation: ${r.type}`,
              summary: r.description ?? `VDM Advisor recommends a ${r.type} fix for ${r.resourceArn}.`,
              evidence: [
                { label: 'ResourceArn', value: r.resourceArn ?? '(none)', code: true },
                { label: 'Type / Impact / Status', value: `${r.type} / ${r.impact ?? '?'} / ${r.status}`, code: true },
                { label: 'CreatedTimestamp', value: isoDate(r.createdTimestamp), code: true },
              ],
              explanation: 'VDM Advisor checks authentication (SPF, DKIM, DMARC, BIMI) and reputation signals for this identity.',
              fix: 'Follow the recommendation in the SES console (Virtual Deliverability Manager → Advisor).',
            }),
          );
        }),
      ),
    );
    return perRegion.flat();
  },
};
