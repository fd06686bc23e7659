/**
 * DMARC: the policy record at _dmarc.<domain> (falling back to the organizational domain),
 * its syntax and strength, and whether SPF can align given the envelope domain SES uses.
 */
import type { Check } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding, type Status } from '../../core/finding.js';
import { DnsLookupError, type DnsClient } from '../../core/ports.js';
import { joinTxt } from '../../io/dns.js';
import { type DmarcParseResult, isAligned, looksLikeDmarcRecord, organizationalDomain, parseDmarcRecord } from '../../knowledge/dmarc.js';
import { dnsInputs, type MailFromInput } from './inputs.js';

const LAYER = 'dns';
const CHECK = 'dmarc';

export interface DmarcLookup {
  /** The name whose record applies (`_dmarc.` stripped). */
  recordDomain: string;
  records: string[];
  /** Parse of the single record; undefined when there is none or several. */
  parse?: DmarcParseResult;
  inherited: boolean;
  queried: string[];
}

/** TXT at _dmarc.<name>: the DMARC records there; NXDOMAIN/NODATA is an empty list, other failures throw. */
async function fetchDmarc(dns: DnsClient, name: string): Promise<string[]> {
  try {
    return (await dns.resolve(`_dmarc.${name}`, 'TXT')).map(joinTxt).filter(looksLikeDmarcRecord);
  } catch (error) {
    if (error instanceof DnsLookupError && error.isVoid) return [];
    throw error;
  }
}

/** Policy discovery (RFC 7489 section 6.6.3): the domain's own record, else the organizational domain's. */
export async function lookupDmarc(dns: DnsClient, domain: string): Promise<DmarcLookup> {
  const queried = [`_dmarc.${domain}`];
  let records = await fetchDmarc(dns, domain);
  let recordDomain = domain;
  const orgDomain = organizationalDomain(domain);
  if (records.length === 0 && orgDomain !== domain) {
    queried.push(`_dmarc.${orgDomain}`);
    records = await fetchDmarc(dns, orgDomain);
    recordDomain = orgDomain;
  }
  return {
    recordDomain,
    records,
    inherited: recordDomain !== domain,
    queried,
    ...(records.length === 1 ? { parse: parseDmarcRecord(records[0] ?? '') } : {}),
  };
}

function errorFindingFor(error: DnsLookupError, domain: string): Finding {
  return makeFinding(LAYER, CHECK, {
    status: 'error',
    title: `DMARC policy of ${domain}`,
    summary: `Could not check DMARC for ${domain}: ${error.message}.`,
    evidence: [{ label: 'failed query', value: `${error.queryType} ${error.queryName}: ${error.dnsCode}`, code: true }],
    explanation: 'The DNS server did not answer, so the record is neither confirmed present nor missing.',
    fix: "Retry; if it persists, check the domain's authoritative name servers.",
  });
}

/** The policy finding; pure over the lookup result. */
export function dmarcPolicyFinding(domain: string, lookup: DmarcLookup): Finding {
  const title = `DMARC policy of ${domain}`;
  const evidence: EvidenceItem[] = [
    { label: `TXT ${lookup.queried.join(', then ')}`, value: lookup.records.length > 0 ? lookup.records : ['(no DMARC record)'], code: true },
  ];
  if (lookup.records.length === 0) {
    return makeFinding(LAYER, CHECK, {
      status: 'warn',
      title,
      summary: `${domain} has no DMARC record${lookup.inherited || lookup.queried.length > 1 ? ` (nor does its organizational domain ${organizationalDomain(domain)})` : ''}.`,
      evidence,
      explanation:
        'Gmail and Yahoo require a DMARC record from bulk senders and may reject or spam-folder mail without one (Gmail: 5.7.26). Without it, nobody can tell receivers what to do with spoofed mail.',
      fix: `Publish a TXT record at _dmarc.${organizationalDomain(domain)}: \`v=DMARC1; p=none; rua=mailto:dmarc-reports@${organizationalDomain(domain)}\`, then tighten to quarantine or reject once reports show all mail passes.`,
    });
  }
  if (lookup.records.length > 1) {
    return makeFinding(LAYER, CHECK, {
      status: 'fail',
      title,
      summary: `_dmarc.${lookup.recordDomain} publishes ${lookup.records.length} DMARC records; receivers ignore them all.`,
      evidence,
      explanation: 'RFC 7489 section 6.6.3: with more than one record, DMARC processing does not apply.',
      fix: `Keep exactly one v=DMARC1 TXT record at _dmarc.${lookup.recordDomain}.`,
    });
  }
  const parse = lookup.parse!;
  if (parse.status !== 'ok' || !parse.record) {
    return makeFinding(LAYER, CHECK, {
      status: 'fail',
      title,
      summary: `The DMARC record at _dmarc.${lookup.recordDomain} is invalid: ${parse.errors.join('; ')}.`,
      evidence,
      explanation: 'Receivers ignore an invalid DMARC record, so the domain behaves as if it had none (and fails bulk-sender requirements).',
      fix: 'Correct the record, e.g. `v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com`.',
    });
  }
  const record = parse.record;
  const inheritedText = lookup.inherited ? ` (inherited from the organizational domain ${lookup.recordDomain}, so sp=${record.sp} applies)` : '';
  const effective = lookup.inherited ? record.sp : record.p;
  evidence.push({
    label: 'parsed',
    value: [
      `p=${record.p} sp=${record.sp} pct=${record.pct} adkim=${record.adkim} aspf=${record.aspf}`,
      `rua=${record.rua.join(',') || '(none)'} ruf=${record.ruf.join(',') || '(none)'}`,
      ...parse.warnings,
    ],
    code: true,
  });
  let status: Status = 'pass';
  let summary = `DMARC for ${domain}: policy ${effective}${record.pct < 100 ? ` on ${record.pct}% of failing mail` : ''}${inheritedText}.`;
  let explanation = 'Receivers apply this policy to mail that passes neither aligned SPF nor aligned DKIM.';
  let fix = '';
  if (effective === 'none') {
    status = 'info';
    summary = `DMARC for ${domain} is p=none (monitoring only)${inheritedText}.`;
    explanation = 'p=none meets Gmail and Yahoo\'s requirement for a DMARC record and does not cause rejections, but it does not protect the domain from spoofing.';
    fix = record.rua.length === 0 ? 'Add rua=mailto:... to receive aggregate reports, then move to quarantine or reject once all mail passes.' : 'Once the reports show all legitimate mail passing, move to p=quarantine, then p=reject.';
  } else if (record.pct < 100) {
    status = 'info';
    fix = 'Raise pct to 100 once reports show legitimate mail passes.';
  }
  if (record.rua.length === 0 && status === 'pass') {
    status = 'info';
    fix = 'Add rua=mailto:... to see which mail fails DMARC.';
  }
  if (parse.warnings.length > 0 && status === 'pass') status = 'warn';
  return makeFinding(LAYER, CHECK, { status, title, summary, evidence, explanation, fix });
}

/** Whether DMARC can pass through SPF, given the envelope domain SES uses; pure. */
export function dmarcAlignmentFinding(domain: string, lookup: DmarcLookup, mailFrom: MailFromInput[]): Finding {
  const title = `DMARC alignment for ${domain}`;
  const aspf = lookup.parse?.record?.aspf ?? 'r';
  const adkim = lookup.parse?.record?.adkim ?? 'r';
  const evidence: EvidenceItem[] = [
    { label: 'envelope (MAIL FROM) domain', value: mailFrom.length > 0 ? mailFrom.map((m) => m.domain) : ['a subdomain of amazonses.com (SES default)'], code: true },
    { label: 'alignment modes', value: `aspf=${aspf} adkim=${adkim}`, code: true },
  ];
  if (mailFrom.length === 0) {
    return makeFinding(LAYER, CHECK, {
      id: 'alignment',
      status: 'info',
      title,
      summary: `SPF cannot align with ${domain} (SES uses its own amazonses.com envelope), so DMARC rests on DKIM alone.`,
      evidence,
      explanation: `DMARC passes when SPF or DKIM passes for a domain aligned with the From domain. Without a custom MAIL FROM, SPF passes only for amazonses.com, which never aligns with ${domain}; include:amazonses.com in ${domain}'s SPF does not change that.`,
      fix: `Make sure the DKIM check passes (Easy DKIM signs as ${domain}${adkim === 's' ? ', which aligns even under adkim=s when the identity is exactly this domain' : ''}); for a second path, configure a custom MAIL FROM such as mail.${domain}.`,
    });
  }
  const aligned = mailFrom.filter((m) => isAligned(m.domain, domain, aspf));
  if (aligned.length === mailFrom.length) {
    return makeFinding(LAYER, CHECK, {
      id: 'alignment',
      status: 'pass',
      title,
      summary: `The custom MAIL FROM ${mailFrom.map((m) => m.domain).join(', ')} aligns with ${domain} (aspf=${aspf}), so DMARC can pass through SPF as well as DKIM.`,
      evidence,
      explanation: 'Aligned SPF gives DMARC a second path if a DKIM signature breaks in transit.',
      fix: '',
    });
  }
  const misaligned = mailFrom.filter((m) => !aligned.includes(m)).map((m) => m.domain);
  return makeFinding(LAYER, CHECK, {
    id: 'alignment',
    status: 'warn',
    title,
    summary: `The custom MAIL FROM ${misaligned.join(', ')} does not align with ${domain} under aspf=${aspf}, so DMARC rests on DKIM alone.`,
    evidence,
    explanation:
      aspf === 's'
        ? 'aspf=s requires the envelope domain to equal the From domain exactly; a MAIL FROM subdomain never does.'
        : 'Relaxed alignment needs both names to share the organizational domain.',
    fix: aspf === 's' ? 'Remove aspf=s from the DMARC record (relaxed is the default), or rely on DKIM.' : `Use a subdomain of ${organizationalDomain(domain)} as the custom MAIL FROM domain.`,
  });
}

export const dmarcCheck: Check = {
  id: CHECK,
  layer: LAYER,
  title: 'DMARC policy',
  async run(ctx) {
    const inputs = await dnsInputs(ctx);
    const domain = inputs.senderDomain;
    let lookup: DmarcLookup;
    try {
      lookup = await lookupDmarc(ctx.dns, domain);
    } catch (error) {
      if (error instanceof DnsLookupError) return [errorFindingFor(error, domain)];
      throw error;
    }
    return [dmarcPolicyFinding(domain, lookup), dmarcAlignmentFinding(domain, lookup, inputs.mailFrom)];
  },
};
