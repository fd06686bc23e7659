/**
 * Custom MAIL FROM (when SES reports one or --mail-from names it): exactly one MX
 * `feedback-smtp.<region>.amazonses.com` and an SPF record including amazonses.com.
 */
import type { Check } from '../../core/engine.js';
import { type Finding, makeFinding } from '../../core/finding.js';
import { DnsLookupError, type DnsClient, type MxRecord } from '../../core/ports.js';
import { joinTxt } from '../../io/dns.js';
import { includesDomain, parseSpfRecord, selectSpfRecords } from '../../knowledge/spf.js';
import { dnsInputs, type MailFromInput } from './inputs.js';

const LAYER = 'dns';
const CHECK = 'mail-from';

export function feedbackHost(region: string): string {
  return `feedback-smtp.${region}.amazonses.com`;
}

const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '');

function errorFinding(id: string, title: string, error: DnsLookupError): Finding {
  return makeFinding(LAYER, CHECK, {
    id,
    status: 'error',
    title,
    summary: `Could not check: ${error.message}.`,
    evidence: [{ label: 'failed query', value: `${error.queryType} ${error.queryName}: ${error.dnsCode}`, code: true }],
    explanation: 'The DNS server did not answer, so the record is neither confirmed present nor missing.',
    fix: "Retry; if it persists, check the domain's authoritative name servers.",
  });
}

function sesStatusNote(entry: MailFromInput): string {
  if (entry.source !== 'ses') return '';
  const rejects = entry.behaviorOnMxFailure === 'REJECT_MESSAGE';
  return rejects
    ? ' SES is set to REJECT_MESSAGE on MX failure, so sends are rejected with MailFromDomainNotVerified while this is wrong.'
    : ' Mail still flows: SES falls back to its own amazonses.com MAIL FROM (USE_DEFAULT_VALUE) while this is wrong, so SPF alignment is lost and DMARC depends on DKIM (see the DMARC alignment finding).';
}

/**
 * How bad a broken MAIL FROM record is, consistent with the SES layer: while SES falls back to
 * amazonses.com (USE_DEFAULT_VALUE) mail still flows, so it is a warning, never the root cause
 * of non-delivery; with REJECT_MESSAGE SES refuses to send, so it fails.
 */
function brokenGrade(entry: MailFromInput): { status: 'fail' | 'warn'; priority?: number } {
  return entry.source === 'ses' && entry.behaviorOnMxFailure !== 'REJECT_MESSAGE' ? { status: 'warn', priority: 14 } : { status: 'fail' };
}

/** The same grading for a finding about the MAIL FROM domain made elsewhere (its SPF record health). */
export function gradeMailFromFinding(finding: Finding, entry: MailFromInput): Finding {
  if (finding.status !== 'fail') return finding;
  const grade = brokenGrade(entry);
  if (grade.status === 'fail') return finding;
  return { ...finding, ...grade, summary: `${finding.summary}${sesStatusNote(entry)}` };
}

export async function checkMailFromMx(dns: DnsClient, entry: MailFromInput): Promise<Finding> {
  const id = `${entry.domain}:mx`;
  const title = `MAIL FROM MX of ${entry.domain}`;
  const expected = entry.regions.map(feedbackHost);
  let records: MxRecord[];
  try {
    records = await dns.resolve(entry.domain, 'MX');
  } catch (error) {
    if (error instanceof DnsLookupError && !error.isVoid) return errorFinding(id, title, error);
    if (!(error instanceof DnsLookupError)) throw error;
    records = [];
  }
  const evidence = [
    { label: `MX ${entry.domain}`, value: records.length > 0 ? records.map((r) => `${r.priority} ${r.exchange}`) : ['(none)'], code: true },
    { label: 'expected', value: expected.map((host) => `10 ${host}`), code: true },
    ...(entry.status ? [{ label: 'SES MAIL FROM status', value: `${entry.status} (on MX failure: ${entry.behaviorOnMxFailure ?? 'unknown'})`, code: true }] : []),
  ];
  const fix = `Publish exactly one MX record at ${entry.domain}: \`10 ${expected[0] ?? feedbackHost('<region>')}\`${expected.length > 1 ? ` (the region that sends: ${expected.join(' or ')})` : ''}, and remove any other MX there.`;
  const explanation = 'SES verifies a custom MAIL FROM domain by its MX record, which must point to SES\'s feedback endpoint of the sending region so bounces and complaints come back to SES.';
  if (records.length === 0) {
    return makeFinding(LAYER, CHECK, { id, ...brokenGrade(entry), title, summary: `${entry.domain} has no MX record.${sesStatusNote(entry)}`, evidence, explanation, fix });
  }
  if (records.length > 1) {
    return makeFinding(LAYER, CHECK, {
      id,
      ...brokenGrade(entry),
      title,
      summary: `${entry.domain} has ${records.length} MX records; SES requires exactly one.${sesStatusNote(entry)}`,
      evidence,
      explanation,
      fix,
    });
  }
  const host = bare(records[0]?.exchange ?? '');
  if (!expected.includes(host)) {
    const otherRegion = /^feedback-smtp\.([a-z0-9-]+)\.amazonses\.com$/.exec(host)?.[1];
    return makeFinding(LAYER, CHECK, {
      id,
      ...brokenGrade(entry),
      title,
      summary: otherRegion
        ? `${entry.domain}'s MX points to SES's ${otherRegion} feedback endpoint, but the identity sends from ${entry.regions.join(', ')}.${sesStatusNote(entry)}`
        : `${entry.domain}'s MX is ${host}, not SES's feedback endpoint.${sesStatusNote(entry)}`,
      evidence,
      explanation,
      fix,
    });
  }
  return makeFinding(LAYER, CHECK, {
    id,
    status: entry.status !== undefined && entry.status !== 'SUCCESS' ? 'warn' : 'pass',
    title,
    summary:
      entry.status !== undefined && entry.status !== 'SUCCESS'
        ? `${entry.domain}'s MX is correct but SES reports the MAIL FROM domain as ${entry.status}; SES re-checks for up to 72 hours.`
        : `${entry.domain} has exactly one MX, ${host}.`,
    evidence,
    explanation,
    fix: '',
  });
}

export async function checkMailFromSpf(dns: DnsClient, entry: MailFromInput): Promise<Finding> {
  const id = `${entry.domain}:spf`;
  const title = `MAIL FROM SPF of ${entry.domain}`;
  let txt: string[];
  try {
    txt = (await dns.resolve(entry.domain, 'TXT')).map(joinTxt);
  } catch (error) {
    if (error instanceof DnsLookupError && !error.isVoid) return errorFinding(id, title, error);
    if (!(error instanceof DnsLookupError)) throw error;
    txt = [];
  }
  const records = selectSpfRecords(txt);
  const evidence = [{ label: `TXT ${entry.domain} (v=spf1)`, value: records.length > 0 ? records : ['(none)'], code: true }];
  const fix = `Publish one TXT record at ${entry.domain}: \`v=spf1 include:amazonses.com ~all\`.`;
  const explanation = 'SES sends with this domain as envelope sender; receivers check its SPF, which must authorise SES (include:amazonses.com).';
  if (records.length !== 1) {
    return makeFinding(LAYER, CHECK, {
      id,
      ...brokenGrade(entry),
      title,
      summary: `${records.length === 0 ? `${entry.domain} has no SPF record.` : `${entry.domain} has ${records.length} SPF records (permerror).`}${sesStatusNote(entry)}`,
      evidence,
      explanation,
      fix,
    });
  }
  const parsed = parseSpfRecord(records[0] ?? '');
  const ok = includesDomain(parsed, 'amazonses.com') && parsed.errors.length === 0;
  return makeFinding(LAYER, CHECK, {
    id,
    ...(ok ? { status: 'pass' as const } : brokenGrade(entry)),
    title,
    summary: ok
      ? `${entry.domain}'s SPF includes amazonses.com.`
      : parsed.errors.length > 0
        ? `${entry.domain}'s SPF record is invalid: ${parsed.errors.join('; ')}.`
        : `${entry.domain}'s SPF record does not include amazonses.com.`,
    evidence,
    explanation,
    fix: ok ? '' : fix,
  });
}

export const mailFromCheck: Check = {
  id: CHECK,
  layer: LAYER,
  title: 'Custom MAIL FROM',
  async run(ctx) {
    const inputs = await dnsInputs(ctx);
    if (inputs.mailFrom.length === 0 && inputs.factsRegions.length > 0) {
      // SES was read and has no custom MAIL FROM: nothing is missing from our side, nothing to check in DNS.
      return [
        makeFinding(LAYER, CHECK, {
          status: 'skipped',
          title: 'Custom MAIL FROM',
          summary: `Not applicable: SES reports no custom MAIL FROM for ${inputs.senderDomain} in ${inputs.factsRegions.join(', ')}, so there are no MAIL FROM records to check; SES uses its own amazonses.com envelope sender.`,
          explanation: 'That works, but SPF then never aligns with the From domain (see the DMARC alignment finding).',
          fix: `Optional: configure a custom MAIL FROM subdomain (for example bounce.${inputs.senderDomain}) in SES so SPF aligns as well as DKIM.`,
        }),
      ];
    }
    if (inputs.mailFrom.length === 0) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'skipped',
          title: 'Custom MAIL FROM',
          summary: 'No custom MAIL FROM domain is known: SES uses its own amazonses.com envelope sender.',
          explanation: 'That works, but SPF then never aligns with the From domain (see the DMARC alignment finding).',
          fix: 'If one is configured, give AWS access so the bot reads it from SES, or pass --mail-from <subdomain>.',
        }),
      ];
    }
    const findings = await Promise.all(inputs.mailFrom.flatMap((entry) => [checkMailFromMx(ctx.dns, entry), checkMailFromSpf(ctx.dns, entry)]));
    return findings;
  },
};
