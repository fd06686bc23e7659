import type { AwsCheck } from '../../core/engine.js';
import { type Finding, makeFinding } from '../../core/finding.js';
import { regionsOf } from './common.js';
import { sesIdentityLookup } from './facts.js';

const LAYER = 'ses';
const CHECK = 'mail-from';
const TITLE = 'SES custom MAIL FROM';

/** What SES says about the custom MAIL FROM domain; the DNS layer checks its MX and SPF records. */
export const sesMailFromCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const findings: Finding[] = [];
    for (const region of regionsOf(ctx)) {
      const lookup = await sesIdentityLookup(ctx, region).catch(() => undefined);
      const identity = lookup?.covering;
      if (!identity) continue;
      const mailFrom = identity.mailFrom ?? lookup?.domain?.mailFrom;
      if (!mailFrom) {
        findings.push(
          makeFinding(LAYER, CHECK, {
            id: region,
            status: 'info',
            title: TITLE,
            summary: `${identity.identity} uses SES's default MAIL FROM (a subdomain of amazonses.com) in ${region}.`,
            evidence: [{ label: `MailFromAttributes ${identity.identity} (${region})`, value: '(none)', code: true }],
            explanation: 'With the default MAIL FROM, SPF passes for amazonses.com but never aligns with the From domain, so DMARC can pass only through DKIM (see the DMARC alignment finding).',
            fix: `Optional: set a custom MAIL FROM subdomain (e.g. bounce.${ctx.target.senderDomain}) so SPF aligns too.`,
          }),
        );
        continue;
      }
      const evidence = [
        {
          label: `MailFromAttributes ${identity.identity} (${region})`,
          value: `MailFromDomain ${mailFrom.mailFromDomain}, MailFromDomainStatus ${mailFrom.status}, BehaviorOnMxFailure ${mailFrom.behaviorOnMxFailure}`,
          code: true,
        },
      ];
      const records = `MX 10 feedback-smtp.${region}.amazonses.com and TXT "v=spf1 include:amazonses.com ~all" at ${mailFrom.mailFromDomain}`;
      if (mailFrom.status === 'SUCCESS') {
        findings.push(
          makeFinding(LAYER, CHECK, {
            id: region,
            status: 'pass',
            title: TITLE,
            summary: `Custom MAIL FROM ${mailFrom.mailFromDomain} is verified in ${region}.`,
            evidence,
            explanation: 'Bounces go to the custom MAIL FROM domain and SPF aligns with the From domain.',
          }),
        );
        continue;
      }
      const rejects = mailFrom.behaviorOnMxFailure === 'REJECT_MESSAGE';
      const broken = mailFrom.status === 'FAILED' || mailFrom.status === 'TEMPORARY_FAILURE';
      findings.push(
        makeFinding(LAYER, CHECK, {
          id: region,
          status: rejects && broken ? 'fail' : 'warn',
          priority: rejects && broken ? 4 : 14,
          title: TITLE,
          summary: `Custom MAIL FROM ${mailFrom.mailFromDomain} is ${mailFrom.status} in ${region}${rejects ? ', and SES is set to reject mail while it is not verified' : '; SES falls back to its default MAIL FROM'}.`,
          evidence,
          explanation: rejects
            ? 'With BehaviorOnMxFailure REJECT_MESSAGE, SES refuses to send (MailFromDomainNotVerified) whenever it cannot find the MAIL FROM MX record.'
            : 'While the MAIL FROM domain is not verified SES uses amazonses.com instead, so SPF alignment is lost and DMARC can pass only through DKIM (see the DMARC alignment finding).',
          fix: `Publish exactly one ${records}; SES re-checks for up to 72 hours.${rejects ? ' Or set BehaviorOnMxFailure to USE_DEFAULT_VALUE so mail flows meanwhile.' : ''}`,
        }),
      );
    }
    return findings;
  },
};
