/**
 * The one-line picture of the delivery path with the broken hops marked, derived from the
 * report alone: layer statuses, plus the interpreted replies in `report.target.replies` and
 * reply codes quoted in findings' evidence. Nothing here knows any scenario.
 */
import { type Finding, type Layer, STATUS_SEVERITY, type Status, worstStatus } from '../../core/finding.js';
import type { InterpretedReply } from '../../core/replies.js';
import type { Report } from '../../core/report.js';
import { escapeMrkdwn } from './mrkdwn.js';
import { PATH_MARKS } from './status.js';

export interface PathHop {
  label: string;
  /** Undefined: nothing known about this hop (not checked, no reply seen). */
  status: Status | undefined;
  /** The reply code that proves a broken hop, e.g. `535` or `5.4.1`. */
  code: string | undefined;
}

const UNNAMED_PROVIDERS = new Set(['unknown', '']);
const REPLY_LABEL = /repl|response|diagnostic|bounce|smtp|ndr/i;
const REPLY_CODE = /^\s*([245]\d\d)(?:[ -]+([245]\.\d{1,3}\.\d{1,3}))?\b/;

export function deliveryPath(report: Report): PathHop[] {
  const { target } = report;
  const layerStatus = (layer: Layer): Status | undefined => {
    const status = report.layers.find((l) => l.layer === layer)?.status;
    return status === undefined || status === 'skipped' ? undefined : status;
  };
  const repliesOf = (layer: Layer): InterpretedReply[] => target.replies.filter((r) => r.layer === layer);
  const findingsOf = (...layers: Layer[]): Finding[] => report.findings.filter((f) => layers.includes(f.layer));

  const hops: PathHop[] = [{ label: target.senderAddress ?? target.senderDomain, status: undefined, code: undefined }];

  const relayReplies = repliesOf('relay');
  const relayRan = layerStatus('relay') !== undefined;
  if (relayRan || relayReplies.length > 0 || target.smtpUsers.length > 0) {
    const client = relayReplies.find((r) => r.reportedBy)?.reportedBy ?? namedProvider(relayReplies, ['Amazon SES']);
    hops.push(hop(client ? `${client} relay` : 'SMTP relay', layerStatus('relay'), relayReplies, findingsOf('relay')));
  }

  const sesStatus = worstKnown([layerStatus('ses'), layerStatus('suppression')]);
  const suppressed = layerStatus('suppression') === 'fail';
  const sesHop = hop('SES', sesStatus, [...repliesOf('ses'), ...repliesOf('suppression')], findingsOf('ses'));
  hops.push(suppressed && sesHop.code === undefined ? { ...sesHop, code: 'suppressed' } : sesHop);

  hops.push({ label: 'DNS', status: layerStatus('dns'), code: undefined });

  const recipientReplies = repliesOf('recipient');
  const provider = namedProvider(recipientReplies, []) ?? providerFromEvidence(findingsOf('recipient'));
  hops.push(hop(provider ?? 'recipient server', layerStatus('recipient'), recipientReplies, findingsOf('recipient')));

  const recipient = target.recipients[0] ?? recipientReplies.find((r) => r.recipient)?.recipient;
  const more = target.recipients.length > 1 ? ` +${target.recipients.length - 1}` : '';
  hops.push({ label: recipient ? `${recipient}${more}` : 'recipient', status: undefined, code: undefined });
  return hops;
}

/** `a → b ✗ 535 → c ✓`, escaped for mrkdwn. */
export function renderPath(hops: readonly PathHop[]): string {
  return hops
    .map((h) => {
      const mark = h.status ? PATH_MARKS[h.status] : undefined;
      return escapeMrkdwn([h.label, mark, mark && mark !== '✓' ? h.code : undefined].filter(Boolean).join(' '));
    })
    .join(' → ');
}

function hop(label: string, layerStatus: Status | undefined, replies: InterpretedReply[], findings: Finding[]): PathHop {
  const failing = replies.filter((r) => /^[45]/.test(r.status ?? r.replyCode ?? ''));
  const replyStatus: Status | undefined = failing.some((r) => /^5/.test(r.status ?? r.replyCode ?? ''))
    ? 'fail'
    : failing.length > 0
      ? 'warn'
      : undefined;
  const status = worstKnown([layerStatus, replyStatus]);
  const reply = failing[0];
  const code = reply ? (reply.status ?? reply.replyCode) : codeFromEvidence(findings);
  return { label, status, code };
}

function worstKnown(statuses: Array<Status | undefined>): Status | undefined {
  const known = statuses.filter((s): s is Status => s !== undefined);
  return known.length === 0 ? undefined : worstStatus(known);
}

function namedProvider(replies: InterpretedReply[], exclude: string[]): string | undefined {
  return replies.map((r) => r.provider).find((p) => !UNNAMED_PROVIDERS.has(p.toLowerCase()) && !exclude.includes(p));
}

/** A recipient-layer finding may name the provider in an evidence item labelled "provider". */
function providerFromEvidence(findings: Finding[]): string | undefined {
  for (const finding of findings) {
    const item = finding.evidence.find((e) => /^provider$/i.test(e.label));
    const value = Array.isArray(item?.value) ? item.value[0] : item?.value;
    if (value) return value;
  }
  return undefined;
}

/** The first SMTP reply quoted in a failing finding's evidence: enhanced status if present. */
function codeFromEvidence(findings: Finding[]): string | undefined {
  const failing = [...findings].filter((f) => STATUS_SEVERITY[f.status] <= STATUS_SEVERITY.warn);
  for (const finding of failing) {
    for (const item of finding.evidence) {
      if (!REPLY_LABEL.test(item.label)) continue;
      for (const value of Array.isArray(item.value) ? item.value : [item.value]) {
        const match = REPLY_CODE.exec(value);
        if (match) return match[2] ?? match[1];
      }
    }
  }
  return undefined;
}
