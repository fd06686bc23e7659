/**
 * The report as Markdown for a ticket (`--format markdown`): verdict and likely root cause
 * first, the delivery path, then a table per layer (status, check, summary) and, for every
 * finding that is not a pass, its evidence in a fenced block with Why and Fix. Cut to the same
 * budgets as the Slack thread (src/core/render-limits.ts); everything from DNS, AWS or users
 * is escaped (src/cli/markdown-escape.ts).
 */
import { type EvidenceItem, type Finding, LAYER_TITLES, type Status } from '../core/finding.js';
import { FINDING_LIMITS } from '../core/render-limits.js';
import type { InterpretedReply } from '../core/replies.js';
import type { Report, Verdict } from '../core/report.js';
import { deliveryPath } from '../slack/render/path.js';
import { PATH_MARKS } from '../slack/render/status.js';
import { fencedBlock, inlineWithin, truncateRaw } from './markdown-escape.js';

export const MARKDOWN_STATUS: Record<Status, string> = {
  pass: '✅ pass',
  warn: '⚠️ warn',
  fail: '❌ fail',
  info: 'ℹ️ info',
  error: '❓ error',
  skipped: '➖ skipped',
};

const VERDICT_WORDS: Record<Verdict, string> = {
  pass: 'nothing broken found',
  warn: 'works, with risks',
  fail: 'broken',
  error: 'could not check everything',
};

export function renderReportMarkdown(report: Report): string {
  const { target, verdict, rootCause, stats } = report;
  const out: string[] = [];
  const who = target.senderAddress ?? target.senderDomain;
  const shown = target.recipients.slice(0, 3);
  const to = shown.length > 0 ? ` → ${shown.map((r) => inlineWithin(r, 254)).join(', ')}${target.recipients.length > 3 ? ` \\+${target.recipients.length - 3} more` : ''}` : '';
  out.push(`## maildiag: ${inlineWithin(who, 254)}${to}`);
  out.push('');
  out.push(`**Verdict: ${verdict.toUpperCase()}** (${VERDICT_WORDS[verdict]})`);
  if (rootCause) {
    out.push('');
    out.push(`**Likely root cause** (${LAYER_TITLES[rootCause.layer]}): ${inlineWithin(rootCause.summary, FINDING_LIMITS.rootCause)}`);
  }
  out.push('');
  out.push(`**Delivery path:** ${renderPathMarkdown(report)}`);
  const notes = target.notes.slice(0, FINDING_LIMITS.notes).map((note) => `- ${inlineWithin(note, FINDING_LIMITS.note)}`);
  if (target.notes.length > FINDING_LIMITS.notes) notes.push(`- … ${target.notes.length - FINDING_LIMITS.notes} more notes left out`);
  if (notes.length > 0) out.push('', ...notes);
  out.push('');
  out.push(`Run \`${escapeCode(report.runId)}\` · ${stats.durationMs} ms · ${stats.dnsQueries} DNS queries · ${stats.awsCalls} AWS calls`);

  for (const layer of report.layers) {
    const findings = report.findings.filter((f) => f.layer === layer.layer);
    if (findings.length === 0) continue;
    out.push('', `### ${LAYER_TITLES[layer.layer]}: ${MARKDOWN_STATUS[layer.status]}`, '');
    out.push('| status | check | summary |', '|---|---|---|');
    for (const finding of findings) {
      out.push(`| ${MARKDOWN_STATUS[finding.status]} | ${inlineWithin(finding.title, FINDING_LIMITS.title)} | ${inlineWithin(finding.summary, FINDING_LIMITS.summary)} |`);
    }
    for (const finding of findings.filter((f) => f.status !== 'pass' && f.status !== 'skipped')) out.push('', ...findingDetails(finding));
  }
  out.push('', '_Every finding and evidence line in full: `maildiag --json`._');
  return `${out.join('\n')}\n`;
}

function findingDetails(finding: Finding): string[] {
  const lines = [`**${MARKDOWN_STATUS[finding.status]}: ${inlineWithin(finding.title, FINDING_LIMITS.title)}**`];
  const evidence = evidenceLines(finding.evidence);
  if (evidence.length > 0) lines.push('', fencedBlock(evidence));
  if (finding.explanation) lines.push('', `**Why:** ${inlineWithin(finding.explanation, FINDING_LIMITS.why)}`);
  if (finding.fix) lines.push('', `**Fix:** ${inlineWithin(finding.fix, FINDING_LIMITS.fix)}`);
  if (finding.remediation) lines.push('', `Approval-gated fix available in Slack: \`${escapeCode(finding.remediation.kind)}\``);
  return lines;
}

/** `label: value` per line, at most FINDING_LIMITS.evidenceLines, each value cut like Slack's. */
function evidenceLines(evidence: readonly EvidenceItem[]): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const item of evidence) {
    const values = Array.isArray(item.value) ? item.value : [item.value];
    for (const [index, value] of values.entries()) {
      total += 1;
      if (lines.length >= FINDING_LIMITS.evidenceLines) continue;
      const label = index === 0 ? `${truncateRaw(item.label, 100)}: ` : ' '.repeat(Math.min(item.label.length, 100) + 2);
      lines.push(`${label}${truncateRaw(value.replace(/\r\n|\r|\n/g, ' ⏎ '), FINDING_LIMITS.evidenceValue)}`);
    }
  }
  const left = total - lines.length;
  if (left > 0) lines.push(`… ${left} more evidence line${left === 1 ? '' : 's'} left out (maildiag --json has all)`);
  return lines;
}

/** `sender → relay ✗ 535 → SES ✓ → …`, each hop escaped. */
export function renderPathMarkdown(report: Report): string {
  return deliveryPath(report)
    .map((hop) => {
      const mark = hop.status ? PATH_MARKS[hop.status] : undefined;
      const code = mark && mark !== '✓' && hop.code ? ` ${inlineWithin(hop.code, 40)}` : '';
      return `${inlineWithin(hop.label, 120)}${mark ? ` ${mark}` : ''}${code}`;
    })
    .join(' → ');
}

/** Our own ids in a code span: no backticks, one line. */
function escapeCode(text: string): string {
  return text.replace(/[`\r\n]/g, '');
}

/** `maildiag classify --format markdown`: one table row per reply, then why and fix for each. */
export function renderRepliesMarkdown(replies: readonly InterpretedReply[], notes: readonly string[]): string {
  const out: string[] = ['## maildiag: bounce interpretation', ''];
  if (replies.length === 0) out.push('Nothing recognised: no SMTP reply or delivery status was found in the input.');
  else {
    out.push('| recipient | reply | provider | category | layer | confidence |', '|---|---|---|---|---|---|');
    for (const reply of replies) {
      const code = [reply.replyCode, reply.status].filter(Boolean).join(' ') || 'no code';
      out.push(
        `| ${inlineWithin(reply.recipient ?? '(no recipient)', 254)} | ${inlineWithin(code, 40)} | ${inlineWithin(reply.provider, 80)} | ${inlineWithin(reply.category, 80)} | ${reply.layer} | ${reply.confidence.toFixed(2)} |`,
      );
    }
    for (const [index, reply] of replies.entries()) {
      out.push('', `**Reply ${index + 1}**${reply.recipient ? ` (${inlineWithin(reply.recipient, 254)})` : ''}`, '');
      out.push(fencedBlock([truncateRaw(reply.raw.replace(/\r\n|\r|\n/g, ' ⏎ '), 300)]));
      out.push('', `**Why:** ${inlineWithin(reply.explanation, FINDING_LIMITS.why)}`);
      if (reply.fix) out.push('', `**Fix:** ${inlineWithin(reply.fix, FINDING_LIMITS.fix)}`);
    }
  }
  for (const note of notes) out.push('', `Note: ${inlineWithin(note, FINDING_LIMITS.note)}`);
  return `${out.join('\n')}\n`;
}
