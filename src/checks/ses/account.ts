import type { SesAccount } from '../../core/aws-ports.js';
import type { AwsCheck } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding } from '../../core/finding.js';
import type { RunContext } from '../../core/ports.js';
import { orAwsError, plural, regionsOf } from './common.js';

const LAYER = 'ses';
const CHECK = 'account';
const TITLE = 'SES account status';
/** Warn when this share of the 24-hour quota is used. */
const QUOTA_WARN_RATIO = 0.8;

/** GetAccount for a region, once per run (the suppression layer needs VdmEnabled too). */
export function sesAccount(ctx: RunContext, region: string): Promise<SesAccount> {
  const aws = ctx.aws;
  if (aws === undefined) return Promise.reject(new Error('AWS is not configured'));
  return ctx.memo(`ses.account:${region}`, () => aws.ses(region).getAccount());
}

function accountEvidence(account: SesAccount): EvidenceItem[] {
  const quota = account.sendQuota;
  return [
    { label: 'ProductionAccessEnabled', value: String(account.productionAccessEnabled), code: true },
    { label: 'SendingEnabled', value: String(account.sendingEnabled), code: true },
    { label: 'EnforcementStatus', value: account.enforcementStatus ?? '(not reported)', code: true },
    ...(quota
      ? [{ label: 'SendQuota', value: `SentLast24Hours ${quota.sentLast24Hours} of Max24HourSend ${quota.max24HourSend}, MaxSendRate ${quota.maxSendRate}/s`, code: true }]
      : []),
    { label: 'VdmEnabled', value: account.vdmEnabled ? 'ENABLED' : 'DISABLED', code: true },
    { label: 'SuppressedReasons', value: account.suppressedReasons.length > 0 ? account.suppressedReasons.join(', ') : '(account-level suppression off)', code: true },
  ];
}

/** In the sandbox, SES rejects recipients that are not verified identities: check each one. */
async function unverifiedRecipients(ctx: RunContext, region: string): Promise<string[]> {
  const ses = ctx.aws?.ses(region);
  if (!ses) return [];
  const results = await Promise.all(
    ctx.target.recipients.map(async (recipient) => {
      const domain = recipient.slice(recipient.lastIndexOf('@') + 1);
      const [address, domainIdentity] = await Promise.all([ses.getEmailIdentity(recipient), ses.getEmailIdentity(domain)]);
      return address?.verifiedForSending || domainIdentity?.verifiedForSending ? undefined : recipient;
    }),
  );
  return results.filter((r): r is string => r !== undefined);
}

async function regionFindings(ctx: RunContext, region: string): Promise<Finding[]> {
  const account = await sesAccount(ctx, region);
  const evidence = accountEvidence(account);
  const findings: Finding[] = [];
  const id = (aspect: string): string => `${aspect}:${region}`;

  if (!account.sendingEnabled || account.enforcementStatus === 'SHUTDOWN') {
    findings.push(
      makeFinding(LAYER, CHECK, {
        id: id('sending'),
        status: 'fail',
        priority: 2,
        title: 'SES sending is paused',
        summary: `Sending is ${account.enforcementStatus === 'SHUTDOWN' ? 'shut down' : 'paused'} for this account in ${region}: SES accepts no mail there.`,
        evidence,
        explanation:
          'SES pauses sending when bounce or complaint rates stay too high (or the account owner paused it). Every send in this region is refused until it is re-enabled.',
        fix: 'Open the SES console (Account dashboard, Reputation metrics) in this region, fix the cause AWS names, then ask AWS Support to re-enable sending (or re-enable it yourself if you paused it).',
      }),
    );
  } else if (account.enforcementStatus === 'PROBATION') {
    findings.push(
      makeFinding(LAYER, CHECK, {
        id: id('probation'),
        status: 'warn',
        priority: 10,
        title: 'SES account under review',
        summary: `The account is under review (PROBATION) in ${region}: sending works but will be paused if the bounce or complaint rate stays high.`,
        evidence,
        explanation: 'Probation is AWS\'s warning before it pauses sending. Deliveries still happen today.',
        fix: 'Lower the bounce and complaint rates (clean the list, honour unsubscribes), then answer the AWS review case.',
      }),
    );
  }

  if (!account.productionAccessEnabled) {
    const unverified = ctx.target.recipients.length > 0 ? await unverifiedRecipients(ctx, region) : [];
    findings.push(
      makeFinding(LAYER, CHECK, {
        id: id('sandbox'),
        status: unverified.length > 0 ? 'fail' : 'warn',
        priority: unverified.length > 0 ? 3 : 20,
        title: 'SES sandbox',
        summary:
          unverified.length > 0
            ? `The account is in the SES sandbox in ${region} and ${unverified.join(', ')} ${unverified.length === 1 ? 'is' : 'are'} not verified: SES rejects mail to ${unverified.length === 1 ? 'it' : 'them'}.`
            : `The account is in the SES sandbox in ${region}: it can only send to verified addresses, at most 200 a day.`,
        evidence: [...evidence, ...(unverified.length > 0 ? [{ label: 'unverified recipients', value: unverified, code: true }] : [])],
        explanation:
          'In the sandbox SES only delivers to verified identities; other recipients get "554 Message rejected: Email address is not verified". Quotas are 200 messages a day and 1 a second.',
        fix: `Request production access for ${region} in the SES console (Account dashboard → Request production access), or verify the recipient for testing.`,
      }),
    );
  }

  const quota = account.sendQuota;
  if (quota && quota.max24HourSend > 0) {
    const ratio = quota.sentLast24Hours / quota.max24HourSend;
    if (ratio >= QUOTA_WARN_RATIO) {
      const exhausted = ratio >= 1;
      findings.push(
        makeFinding(LAYER, CHECK, {
          id: id('quota'),
          status: exhausted ? 'fail' : 'warn',
          priority: exhausted ? 3 : 15,
          title: 'SES sending quota',
          summary: `${quota.sentLast24Hours} of ${quota.max24HourSend} messages sent in the last 24 hours in ${region} (${Math.round(ratio * 100)}%)${exhausted ? ': the quota is used up' : ''}.`,
          evidence,
          explanation: exhausted
            ? 'Over the quota SES answers "454 Throttling failure: Daily message quota exceeded" until the 24-hour window moves on.'
            : 'Near the quota, the next burst of mail will be refused with "454 Throttling failure: Daily message quota exceeded".',
          fix: 'Ask for a higher sending quota (Service Quotas → Amazon SES → Sending quota) or spread the sending out.',
        }),
      );
    }
  }

  if (findings.length === 0) {
    findings.push(
      makeFinding(LAYER, CHECK, {
        id: region,
        status: 'pass',
        title: TITLE,
        summary: `Production access, sending enabled and ${account.enforcementStatus ?? 'no enforcement status'} in ${region}; ${plural(quota?.sentLast24Hours ?? 0, 'message')} of ${quota?.max24HourSend ?? '?'} sent in 24 hours.`,
        evidence,
        explanation: 'The account itself is allowed to send in this region.',
      }),
    );
  }
  return findings;
}

/** Sandbox, paused sending, probation, quota: per region. */
export const accountCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const perRegion = await Promise.all(
      regionsOf(ctx).map((region) => orAwsError(LAYER, CHECK, { id: region, title: TITLE, what: `the SES account in ${region}` }, () => regionFindings(ctx, region))),
    );
    return perRegion.flat();
  },
};
