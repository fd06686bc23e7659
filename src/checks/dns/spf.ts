/**
 * SPF: the sender domain's record (one v=spf1, syntax, lookup and void limits, risky terms,
 * the include tree with per-branch counts) and whether SES's sending addresses pass SPF for
 * the envelope (MAIL FROM) domain SES actually uses.
 */
import type { Check } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding, type Status } from '../../core/finding.js';
import { DnsLookupError, type DnsClient } from '../../core/ports.js';
import { ip4Ranges, representativeIp4, SPF_LOOKUP_LIMIT, SPF_VOID_LOOKUP_LIMIT } from '../../knowledge/spf.js';
import { gradeMailFromFinding } from './mail-from.js';
import { dnsInputs, type MailFromInput } from './inputs.js';
import { evaluateSpf, type SpfEvaluation } from './spf-evaluator.js';
import { renderSpfTree, type SpfTree, walkSpfTree } from './spf-tree.js';

const LAYER = 'dns';
const CHECK = 'spf';
const TITLE = 'SPF records';
export const SES_SPF_DOMAIN = 'amazonses.com';
/** RFC 5737 documentation address: no real record authorises it, so evaluating it walks the whole record. */
export const UNLISTED_PROBE_IP = '192.0.2.1';

export type SpfDomainRole = 'from' | 'mail-from';

function describeDnsError(error: DnsLookupError): string {
  return `${error.queryType} ${error.queryName}: ${error.dnsCode}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The record-health finding for one domain's SPF: never throws for DNS failures. */
export async function checkSpfRecord(dns: DnsClient, domain: string, role: SpfDomainRole): Promise<Finding> {
  const roleText = role === 'from' ? 'From (sender) domain' : 'custom MAIL FROM domain';
  const base = { id: domain, title: `SPF record of ${domain}` };
  // The evaluation below checks an IPv4 address: its `a`/`mx` lookups start during the walk.
  const tree = await walkSpfTree(dns, domain, { prefetch: 'A' });
  const root = tree.root;
  const evidence: EvidenceItem[] = [{ label: `TXT ${domain} (v=spf1)`, value: root.records.length > 0 ? root.records : ['(none)'], code: true }];

  if (root.problem?.kind === 'dns-error') {
    return makeFinding(LAYER, CHECK, {
      ...base,
      status: 'error',
      summary: `Could not check the SPF record of ${domain}: ${root.problem.message}.`,
      evidence: [{ label: 'failed query', value: describeDnsError(root.problem.error), code: true }],
      explanation: 'The DNS server did not answer, so the record is neither confirmed present nor missing.',
      fix: "Retry; if it persists, check the domain's authoritative name servers.",
    });
  }
  if (root.records.length === 0) {
    const fromRole = role === 'from';
    return makeFinding(LAYER, CHECK, {
      ...base,
      status: fromRole ? 'warn' : 'fail',
      summary: `${domain} publishes no SPF record${root.problem?.kind === 'no-record' && root.problem.dnsCode ? ` (${root.problem.dnsCode})` : ''}.`,
      evidence,
      explanation: fromRole
        ? 'Receivers get SPF "none" for mail whose envelope uses this domain. With SES\'s default MAIL FROM this does not change the SPF result of SES mail (SES uses its own amazonses.com envelope), but any other service sending as this domain is unauthenticated, and some receivers penalise domains without SPF.'
        : 'SES uses this domain as the envelope sender, so without SPF every SES message gets SPF "none": SPF cannot pass or align, and SES marks the MAIL FROM set-up as failed.',
      fix: fromRole
        ? `Publish one TXT record at ${domain} listing every service that sends as it, e.g. \`v=spf1 include:_spf.google.com ~all\`.`
        : `Publish \`v=spf1 include:amazonses.com ~all\` as a TXT record at ${domain}.`,
    });
  }
  evidence.push({ label: `include tree (${plural(tree.totalLookups, 'lookup')} of ${SPF_LOOKUP_LIMIT})`, value: renderSpfTree(tree), code: true });

  if (root.records.length > 1) {
    return makeFinding(LAYER, CHECK, {
      ...base,
      status: 'fail',
      summary: `${domain} publishes ${root.records.length} v=spf1 records; receivers return permerror, so SPF fails for every sender.`,
      evidence,
      explanation: 'RFC 7208 allows exactly one SPF record per name; with two, no receiver can tell which applies.',
      fix: `Merge them into one TXT record at ${domain} (keep every include and ip4/ip6 term once, end with one all).`,
    });
  }

  const parsed = root.parsed!;
  // A full evaluation for an unlisted address reaches every term, as a receiver does for a stranger.
  const evaluation = await evaluateSpf(dns, { ip: UNLISTED_PROBE_IP, sender: `postmaster@${domain}`, helo: domain });
  if (evaluation.lookups) {
    evidence.push({
      label: 'check_host() for an unlisted address (192.0.2.1)',
      value: `${evaluation.result}: ${plural(evaluation.lookups.count, 'lookup')}, ${plural(evaluation.lookups.void, 'void lookup')} (${evaluation.comment})`,
      code: true,
    });
  }
  const nestedErrors = [...tree.dnsErrors, ...evaluation.failedQueries];

  const problems: string[] = [];
  let status: Status = 'pass';
  let fix = '';
  let explanation = '';
  if (parsed.errors.length > 0) {
    status = 'fail';
    problems.push(`syntax error${parsed.errors.length > 1 ? 's' : ''}: ${parsed.errors.join('; ')}`);
    explanation = 'A syntax error makes receivers return permerror, which most treat like a failing SPF check.';
    fix = 'Correct the record; every term must follow RFC 7208 (for example `ip4:192.0.2.0/24`, `include:example.net`).';
  } else if (tree.totalLookups > SPF_LOOKUP_LIMIT) {
    status = 'fail';
    const breaking = tree.limitExceededAt;
    const where = breaking && breaking.topBranch !== root ? ` ${breaking.topBranch.via} is the branch that crosses the limit (lookups ${breaking.topBranch.firstLookup}–${breaking.topBranch.lastLookup})` : '';
    problems.push(`${tree.totalLookups} DNS lookups, over the limit of ${SPF_LOOKUP_LIMIT}.${where}`);
    explanation = `Receivers stop after ${SPF_LOOKUP_LIMIT} DNS-querying terms (include, a, mx, ptr, exists, redirect) and return permerror, so senders listed after that point fail SPF.`;
    fix = 'Remove includes of services no longer used, replace a/mx terms with ip4/ip6 ranges, or flatten the heaviest include into its address ranges.';
  } else if (tree.voidTargets.length > 0 || (evaluation.lookups?.void ?? 0) > SPF_VOID_LOOKUP_LIMIT) {
    status = 'fail';
    const names = tree.voidTargets.map((node) => node.via);
    problems.push(
      names.length > 0
        ? `included names publish no SPF record: ${names.join(', ')}`
        : `${evaluation.lookups?.void ?? 0} void lookups (names that do not exist), over the limit of ${SPF_VOID_LOOKUP_LIMIT}`,
    );
    explanation = 'An include whose target has no SPF record is a permerror; more than two lookups that find nothing are a permerror too.';
    fix = `Remove the terms that point at names without records${names.length > 0 ? ` (${names.join(', ')})` : ''}.`;
  } else if (evaluation.result === 'permerror') {
    status = 'fail';
    problems.push(`receivers get permerror: ${evaluation.comment}`);
    explanation = 'A permerror in the record or anything it includes makes SPF fail for every sender.';
    fix = 'Correct the term the error names.';
  } else if (nestedErrors.length > 0 || evaluation.result === 'temperror') {
    status = 'error';
    problems.push(
      `could not check everything: ${nestedErrors.length > 0 ? [...new Set(nestedErrors.map(describeDnsError))].join(', ') : evaluation.comment}`,
    );
    explanation = 'A DNS server did not answer for part of the tree, so the record is neither confirmed healthy nor broken.';
    fix = 'Retry; if it persists, the name servers of the failing name are at fault (receivers get temperror too).';
  }

  const warnings = parsed.warnings.filter((w) => ['plus-all', 'neutral-all', 'ptr', 'duplicate-include', 'terms-after-all'].includes(w.code));
  const nestedDuplicates = collectNestedWarnings(tree);
  if (warnings.length + nestedDuplicates.length > 0) {
    evidence.push({ label: 'warnings', value: [...warnings.map((w) => w.message), ...nestedDuplicates] });
    if (status === 'pass') {
      status = 'warn';
      problems.push([...warnings.map((w) => w.message), ...nestedDuplicates].join(' '));
      explanation = '`+all` and `?all` make SPF meaningless (anyone may send as the domain); `ptr` is slow and discouraged; duplicate includes waste lookups.';
      fix = warnings.some((w) => w.code === 'plus-all' || w.code === 'neutral-all')
        ? 'End the record with `~all` or `-all` once every sending service is listed.'
        : 'Remove `ptr` terms and duplicate includes.';
    }
  }

  return makeFinding(LAYER, CHECK, {
    ...base,
    status,
    summary:
      problems.length > 0
        ? `SPF of ${domain} (${roleText}): ${problems.join(' ')}`
        : `${domain} (${roleText}) has one valid SPF record using ${plural(tree.totalLookups, 'lookup')} of ${SPF_LOOKUP_LIMIT}.`,
    evidence,
    explanation: explanation || 'One record, valid syntax, within the lookup and void-lookup limits: receivers can evaluate it.',
    fix,
  });
}

function collectNestedWarnings(tree: SpfTree): string[] {
  const messages: string[] = [];
  const walk = (node: SpfTree['root']): void => {
    if (node !== tree.root) {
      for (const warning of node.parsed?.warnings ?? []) {
        if (warning.code === 'duplicate-include') messages.push(`in ${node.domain}: ${warning.message}`);
      }
    }
    node.children.forEach(walk);
  };
  walk(tree.root);
  return messages;
}

export interface SesSendingAddresses {
  ranges: string[];
  /** One address per range, used to ask check_host() "would SES's servers pass?". */
  probes: string[];
  record: string;
}

/** SES's sending ranges, read from amazonses.com's own SPF record through the same DNS client. */
export async function sesSendingAddresses(dns: DnsClient): Promise<SesSendingAddresses> {
  const tree = await walkSpfTree(dns, SES_SPF_DOMAIN);
  if (tree.root.problem?.kind === 'dns-error') throw tree.root.problem.error;
  const nodes: SpfTree['root'][] = [];
  const collect = (node: SpfTree['root']): void => {
    nodes.push(node);
    node.children.forEach(collect);
  };
  collect(tree.root);
  const ranges = nodes.flatMap((node) => (node.parsed ? ip4Ranges(node.parsed) : []));
  if (ranges.length === 0) {
    throw new DnsLookupError('NODATA', SES_SPF_DOMAIN, 'TXT', new Error(`${SES_SPF_DOMAIN} lists no ip4 ranges in its SPF record`));
  }
  return { ranges, probes: ranges.map(representativeIp4), record: tree.root.records[0] ?? '' };
}

/** Whether SES's sending addresses pass SPF for the envelope domain SES uses. */
export async function checkSesAuthorised(
  dns: DnsClient,
  senderDomain: string,
  mailFrom: MailFromInput[],
  /** Already started by the caller (it does not depend on SES facts); fetched here otherwise. */
  sesAddresses: Promise<SesSendingAddresses> = sesSendingAddresses(dns),
): Promise<Finding> {
  const base = { id: 'ses', title: 'SPF for mail sent through SES' };
  let ses: SesSendingAddresses;
  try {
    ses = await sesAddresses;
  } catch (error) {
    if (error instanceof DnsLookupError) {
      return makeFinding(LAYER, CHECK, {
        ...base,
        status: 'error',
        summary: `Could not determine SES's sending addresses from ${SES_SPF_DOMAIN}'s SPF record: ${error.message}.`,
        evidence: [{ label: 'failed query', value: describeDnsError(error), code: true }],
        explanation: 'Without them, whether SES mail passes SPF cannot be checked.',
        fix: 'Retry the diagnosis.',
      });
    }
    throw error;
  }
  const sesEvidence: EvidenceItem = { label: `SES sending ranges (TXT ${SES_SPF_DOMAIN})`, value: ses.ranges, code: true };

  if (mailFrom.length === 0) {
    // Evidence only: the From domain's SPF is not what receivers check for SES mail.
    const fromResult = await evaluateSpf(dns, { ip: ses.probes[0] ?? '', sender: `postmaster@${senderDomain}`, helo: senderDomain });
    return makeFinding(LAYER, CHECK, {
      ...base,
      status: 'info',
      summary: `No custom MAIL FROM domain: SES sends with an amazonses.com envelope sender, so SPF passes for amazonses.com but cannot align with ${senderDomain}; DMARC can pass only through DKIM (see the DMARC alignment finding).`,
      evidence: [
        sesEvidence,
        {
          label: `${senderDomain}'s own SPF for an SES address (${fromResult.ip})`,
          value: `${fromResult.result} (not used for SES mail: receivers check the envelope domain)`,
          code: true,
        },
      ],
      explanation:
        `Receivers evaluate SPF for the envelope (MAIL FROM) domain, not the From header. Without a custom MAIL FROM, SES's envelope is a subdomain of amazonses.com, whose SPF SES maintains, so SPF passes — for amazonses.com. DMARC needs SPF to pass for a domain aligned with ${senderDomain}, so SPF never helps DMARC here, and \`include:amazonses.com\` on ${senderDomain} does not change that.`,
      fix: `To let SPF align, configure a custom MAIL FROM domain in SES (for example \`mail.${senderDomain}\`) with its MX and SPF records; otherwise make sure DKIM passes.`,
    });
  }

  const findings = await Promise.all(
    mailFrom.map(async (entry) => {
      const results = await Promise.all(ses.probes.map((ip) => evaluateSpf(dns, { ip, sender: `bounce@${entry.domain}`, helo: entry.domain })));
      return { entry, results };
    }),
  );
  const evidence: EvidenceItem[] = [sesEvidence];
  let status: Status = 'pass';
  const summaries: string[] = [];
  const failing: string[] = [];
  for (const { entry, results } of findings) {
    evidence.push({
      label: `check_host() for ${entry.domain} (${entry.source === 'ses' ? 'MAIL FROM from SES' : 'MAIL FROM given'})`,
      value: results.map((r: SpfEvaluation) => `${r.ip}: ${r.result}`),
      code: true,
    });
    const temp = results.find((r) => r.result === 'temperror');
    const passed = results.filter((r) => r.result === 'pass').length;
    if (temp) {
      if (status !== 'fail') status = 'error';
      summaries.push(`could not check ${entry.domain}: ${temp.failedQueries.map(describeDnsError).join(', ') || temp.comment}`);
    } else if (passed === results.length) {
      summaries.push(`SES's addresses pass SPF for ${entry.domain}`);
    } else {
      status = 'fail';
      const sample = results.find((r) => r.result !== 'pass');
      failing.push(entry.domain);
      summaries.push(
        passed === 0
          ? `SES's addresses get ${sample?.result} for ${entry.domain}`
          : `only ${passed} of ${results.length} SES ranges pass for ${entry.domain} (${sample?.ip} gets ${sample?.result})`,
      );
    }
  }
  return makeFinding(LAYER, CHECK, {
    ...base,
    status,
    summary: `${summaries.join('; ')}.`,
    evidence,
    explanation:
      status === 'pass'
        ? `SES uses the custom MAIL FROM domain as envelope sender; its SPF authorises SES, and as a subdomain of ${senderDomain} it aligns for DMARC (relaxed).`
        : `Receivers evaluate SPF for the envelope (MAIL FROM) domain. SES sends from the ranges in ${SES_SPF_DOMAIN}'s SPF record; if the custom MAIL FROM domain does not authorise them, SPF fails and cannot support DMARC.`,
    fix: failing.length > 0 ? `Publish \`v=spf1 include:amazonses.com ~all\` at ${failing.join(' and ')} (one record, replacing any other v=spf1 record).` : status === 'error' ? 'Retry; the name servers of the failing name are at fault.' : '',
  });
}

export const spfCheck: Check = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  async run(ctx) {
    // Start what does not depend on SES facts at once, so the DNS round trips overlap the
    // AWS call behind dnsInputs (the critical path is then max(AWS, DNS), not their sum).
    const started = new Map<string, Promise<Finding>>();
    const recordFinding = (domain: string, role: SpfDomainRole): Promise<Finding> => {
      const key = `${role} ${domain}`;
      let finding = started.get(key);
      if (!finding) {
        finding = checkSpfRecord(ctx.dns, domain, role);
        started.set(key, finding);
      }
      return finding;
    };
    void recordFinding(ctx.target.senderDomain, 'from').catch(() => undefined);
    const sesAddresses = sesSendingAddresses(ctx.dns);
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    sesAddresses.catch(() => undefined);
    const inputs = await dnsInputs(ctx);
    const domains: Array<{ domain: string; role: SpfDomainRole }> = [{ domain: inputs.senderDomain, role: 'from' }];
    for (const entry of inputs.mailFrom) {
      if (entry.domain !== inputs.senderDomain) domains.push({ domain: entry.domain, role: 'mail-from' });
    }
    const [records, ses] = await Promise.all([
      Promise.all(domains.map(({ domain, role }) => recordFinding(domain, role))),
      checkSesAuthorised(ctx.dns, inputs.senderDomain, inputs.mailFrom, sesAddresses),
    ]);
    // A broken MAIL FROM domain is graded like the MAIL FROM check grades it (warn while SES falls back).
    const graded = records.map((finding, index) => {
      const entry = inputs.mailFrom.find((m) => m.domain === domains[index]?.domain);
      return entry && domains[index]?.role === 'mail-from' ? gradeMailFromFinding(finding, entry) : finding;
    });
    const [first] = inputs.mailFrom;
    const sesGraded = first && inputs.mailFrom.every((entry) => gradeMailFromFinding(ses, entry) !== ses) ? gradeMailFromFinding(ses, first) : ses;
    return [...graded, sesGraded];
  },
};
