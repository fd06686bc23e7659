/**
 * DMARC: the policy record at _dmarc.<domain> (falling back to the organizational domain),
 * its syntax and strength, and whether SPF can align given the envelope domain SES uses.
 */
import type { Check } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding, type Status } from '../../core/finding.js';
import { DnsLookupError, type DnsClient } from '../../core/ports.js';
import { joinTxt } from '../../io/dns.js';
import { type DmarcParseResult, type DmarcPolicy, looksLikeDmarcRecord, organizationalDomain, parseDmarcRecord } from '../../knowledge/dmarc.js';
import { type AuthPath, canPass, cannotPass, concludeAlignment, type PathState, type RegionAlignment } from './alignment.js';
import { type DnsInputs, dnsInputs } from './inputs.js';

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
      fix: `Publish a TXT record at \`_dmarc.${organizationalDomain(domain)}\`: \`v=DMARC1; p=none; rua=mailto:dmarc-reports@${organizationalDomain(domain)}\`, then tighten to quarantine or reject once reports show all mail passes.`,
    });
  }
  if (lookup.records.length > 1) {
    return makeFinding(LAYER, CHECK, {
      status: 'fail',
      title,
      summary: `_dmarc.${lookup.recordDomain} publishes ${lookup.records.length} DMARC records; receivers ignore them all.`,
      evidence,
      explanation: 'RFC 7489 section 6.6.3: with more than one record, DMARC processing does not apply.',
      fix: `Keep exactly one v=DMARC1 TXT record at \`_dmarc.${lookup.recordDomain}\`.`,
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

const PATH_WORDS: Record<PathState, string> = {
  aligned: 'aligns',
  'not-aligned': 'cannot align',
  'at-risk': 'at risk',
  unknown: 'not known',
};

/** What receivers do with mail that fails DMARC under the policy that applies (RFC 7489 section 6.3). */
function policyConsequence(policy: DmarcPolicy | undefined, pct: number, recordDomain: string): { status: Status; priority: number; words: string } {
  const share = pct < 100 ? ` (pct=${pct}: on ${pct}% of messages; the rest are treated one step more leniently)` : '';
  switch (policy) {
    case 'reject':
      return {
        status: 'fail',
        priority: 1,
        words: `receivers that honour p=reject refuse every message${share} (Gmail answers 550 5.7.26, Exchange Online 550 5.7.509)`,
      };
    case 'quarantine':
      return { status: 'fail', priority: 3, words: `receivers that honour p=quarantine put every message in spam or junk${share}` };
    case 'none':
      return { status: 'warn', priority: 20, words: 'with p=none receivers still deliver it, but unauthenticated (and Gmail and Yahoo expect DMARC to pass from bulk senders)' };
    default:
      return {
        status: 'warn',
        priority: 20,
        words: `${recordDomain} publishes no valid DMARC policy, so receivers apply none; Gmail and Yahoo still expect aligned SPF or DKIM from bulk senders and may reject or spam-folder the mail`,
      };
  }
}

function pathLine(name: 'SPF' | 'DKIM', path: AuthPath): string {
  return `${name} ${PATH_WORDS[path.state]}: ${path.because}`;
}

/**
 * Whether DMARC can pass for mail SES sends as `domain`, concluded from SES facts (MAIL FROM
 * status and domain, DKIM signing and status, identity type) and the record's alignment
 * modes; fails with the policy's consequence when neither SPF nor DKIM can align. Pure.
 */
export function dmarcAlignmentFinding(domain: string, lookup: DmarcLookup, inputs: Pick<DnsInputs, 'ses' | 'mailFrom'>): Finding {
  const title = `DMARC alignment for ${domain}`;
  const record = lookup.parse?.record;
  const aspf = record?.aspf ?? 'r';
  const adkim = record?.adkim ?? 'r';
  const mailFromInput = inputs.mailFrom.find((m) => m.source === 'input')?.domain;
  const regions = concludeAlignment({ fromDomain: domain, aspf, adkim, ses: inputs.ses, ...(mailFromInput ? { mailFromInput } : {}) });
  const evidence: EvidenceItem[] = [
    { label: 'alignment modes', value: `aspf=${aspf} adkim=${adkim}`, code: true },
    ...inputs.ses.map((facts) => ({
      label: `SES facts (${facts.region})`,
      value: [
        `identity ${facts.identity} (${facts.identityType ?? (facts.identity.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN')})`,
        facts.dkim
          ? `DKIM of ${facts.dkim.identity ?? facts.identity}: SigningEnabled ${facts.dkim.signingEnabled}, Status ${facts.dkim.status}`
          : 'DKIM: (no DkimAttributes)',
        facts.mailFrom
          ? `MAIL FROM ${facts.mailFrom.domain}: MailFromDomainStatus ${facts.mailFrom.status}, BehaviorOnMxFailure ${facts.mailFrom.behaviorOnMxFailure}`
          : 'MAIL FROM: (none; SES default under amazonses.com)',
      ],
      code: true,
    })),
    ...regions.map((region) => ({
      label: `conclusion${region.region ? ` (${region.region})` : ' (SES not read)'}`,
      value: [pathLine('SPF', region.spf), pathLine('DKIM', region.dkim)],
    })),
  ];
  const where = (region: RegionAlignment): string => (region.region && regions.length > 1 ? ` in ${region.region}` : '');
  const explanation = `DMARC passes when SPF or DKIM passes for a domain aligned with the From domain ${domain}. SPF is checked against the envelope (MAIL FROM) domain: without a verified custom MAIL FROM, SES uses a subdomain of amazonses.com, which never aligns (include:amazonses.com in ${domain}'s SPF does not change that). DKIM aligns only when SES signs with ${domain}'s own key: Easy DKIM on a domain identity, signing enabled and verified.`;

  // Worst region first: one where nothing aligns, then one at risk, then the rest.
  const broken = regions.find(cannotPass);
  if (broken) {
    const consequence = policyConsequence(lookup.inherited ? record?.sp : record?.p, record?.pct ?? 100, lookup.recordDomain);
    const fixes = [broken.dkim.fix, broken.spf.fix].filter((fix) => fix !== '');
    return makeFinding(LAYER, CHECK, {
      id: 'alignment',
      status: consequence.status,
      priority: consequence.priority,
      title,
      summary: `Neither SPF nor DKIM can align with ${domain}${where(broken)}, so every message fails DMARC: ${consequence.words}.`,
      evidence,
      explanation: `${explanation} Here SPF cannot align because ${broken.spf.because}; DKIM cannot align because ${broken.dkim.because}.`,
      fix: `Make at least one path align: ${fixes.map((fix, index) => (index === 0 ? fix : `or ${fix}`)).join('; ')}. DKIM is the one to fix first: it survives forwarding.`,
    });
  }
  const risky = regions.find((region) => !canPass(region));
  if (risky) {
    const unknownOnly = risky.dkim.state === 'unknown' || risky.spf.state === 'unknown';
    const dependsOn = risky.dkim.state === 'not-aligned' ? 'SPF' : 'DKIM';
    const path = dependsOn === 'DKIM' ? risky.dkim : risky.spf;
    const other = dependsOn === 'DKIM' ? risky.spf : risky.dkim;
    return makeFinding(LAYER, CHECK, {
      id: 'alignment',
      status: unknownOnly ? 'info' : 'warn',
      ...(unknownOnly ? {} : { priority: 9 }),
      title,
      summary: `${dependsOn === 'DKIM' ? 'SPF' : 'DKIM'} cannot align with ${domain}${where(risky)}, so DMARC can pass only through ${dependsOn}, which is ${PATH_WORDS[path.state]}: ${path.because}.`,
      evidence,
      explanation: `${explanation} ${other.because}.`,
      fix: [path.fix, other.fix].filter((fix) => fix !== '').map(capitalise).join('. ').concat('.'),
    });
  }
  const single = regions.find((region) => region.spf.state !== 'aligned' || region.dkim.state !== 'aligned');
  if (single && (single.spf.state === 'unknown' || single.dkim.state === 'unknown')) {
    const [known, unknown] = single.spf.state === 'unknown' ? (['DKIM', single.spf] as const) : (['SPF', single.dkim] as const);
    const path = known === 'SPF' ? single.spf : single.dkim;
    return makeFinding(LAYER, CHECK, {
      id: 'alignment',
      status: 'pass',
      title,
      summary: `${known} can align with ${domain}${where(single)}, so DMARC can pass: ${path.because}.`,
      evidence,
      explanation: `${explanation} ${capitalise(unknown.because)}.`,
      fix: '',
    });
  }
  if (single) {
    const dkimAlone = single.dkim.state === 'aligned';
    const missing = dkimAlone ? single.spf : single.dkim;
    const misconfigured = !dkimAlone || single.spf.cause !== 'default-envelope';
    return makeFinding(LAYER, CHECK, {
      id: 'alignment',
      status: misconfigured ? 'warn' : 'info',
      ...(misconfigured ? { priority: 16 } : {}),
      title,
      summary: dkimAlone
        ? `SPF cannot align with ${domain}${where(single)}, so DMARC rests on DKIM alone, which is healthy: ${single.dkim.because}.`
        : `DKIM cannot align with ${domain}${where(single)}, so DMARC rests on SPF alone (${single.spf.because}); SPF breaks when mail is forwarded.`,
      evidence,
      explanation: `${explanation} ${dkimAlone ? 'SPF' : 'DKIM'} cannot align because ${missing.because}.`,
      fix: dkimAlone ? `Optional, for a second path: ${missing.fix}.` : `${capitalise(missing.fix)}.`,
    });
  }
  const only = regions[0];
  return makeFinding(LAYER, CHECK, {
    id: 'alignment',
    status: 'pass',
    title,
    summary: `Both SPF and DKIM can align with ${domain}, so DMARC passes even if one of them breaks in transit.`,
    evidence,
    explanation: `${explanation}${only ? ` ${capitalise(only.spf.because)}; ${only.dkim.because}.` : ''}`,
    fix: '',
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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
    return [dmarcPolicyFinding(domain, lookup), dmarcAlignmentFinding(domain, lookup, inputs)];
  },
};
