/** Terminal rendering of a report: one block per layer, colour only when asked (TTY). */
import { type Finding, LAYER_TITLES, type Status } from '../core/finding.js';
import type { Report } from '../core/report.js';
import { oneLine } from '../core/sanitize.js';

export const STATUS_MARKS: Record<Status, string> = {
  pass: '✓',
  warn: '!',
  fail: '✗',
  info: 'i',
  error: '?',
  skipped: '-',
};

const COLOURS: Record<Status, [number, number]> = {
  pass: [32, 39],
  warn: [33, 39],
  fail: [31, 39],
  info: [36, 39],
  error: [35, 39],
  skipped: [90, 39],
};

const MAX_EVIDENCE_LINES = 12;

export interface TextRenderOptions {
  colour: boolean;
  /** Show passing and skipped findings in full (default: one line each). */
  verbose?: boolean;
}

export function renderReportText(report: Report, options: TextRenderOptions): string {
  const paint = (status: Status, text: string): string =>
    options.colour ? `\u001b[${COLOURS[status][0]}m${text}\u001b[${COLOURS[status][1]}m` : text;
  const bold = (text: string): string => (options.colour ? `\u001b[1m${text}\u001b[22m` : text);
  const lines: string[] = [];
  const target = report.target;
  // Every value from the report goes through oneLine/escapeControls: no escape sequence,
  // carriage return or bidi override from DNS, AWS, a thread or a bounce reaches the terminal.
  const who = oneLine(target.senderAddress ?? target.senderDomain);
  const to = target.recipients.length > 0 ? ` → ${oneLine(target.recipients.join(', '))}` : '';
  const verdictStatus: Status = report.verdict;
  lines.push(`${bold(`maildiag ${who}${to}`)}  verdict: ${paint(verdictStatus, report.verdict.toUpperCase())}`);
  lines.push(
    `run ${oneLine(report.runId)} · ${report.stats.durationMs} ms · ${report.stats.dnsQueries} DNS queries · ${report.stats.awsCalls} AWS calls`,
  );
  if (report.rootCause) lines.push(`Likely root cause (${LAYER_TITLES[report.rootCause.layer]}): ${oneLine(report.rootCause.summary)}`);
  for (const note of target.notes) lines.push(`note: ${oneLine(note)}`);
  for (const layer of report.layers) {
    const findings = report.findings.filter((f) => f.layer === layer.layer);
    if (findings.length === 0) continue;
    lines.push('');
    lines.push(`${paint(layer.status, STATUS_MARKS[layer.status])} ${bold(LAYER_TITLES[layer.layer])}`);
    for (const finding of findings) lines.push(...renderFinding(finding, options, paint));
  }
  return `${lines.join('\n')}\n`;
}

function renderFinding(finding: Finding, options: TextRenderOptions, paint: (s: Status, t: string) => string): string[] {
  const head = `  ${paint(finding.status, STATUS_MARKS[finding.status])} ${oneLine(finding.title)}: ${oneLine(finding.summary)}`;
  const brief = (finding.status === 'pass' || finding.status === 'skipped') && !options.verbose;
  if (brief) return [head];
  const lines = [head];
  let shown = 0;
  for (const item of finding.evidence) {
    const values = Array.isArray(item.value) ? item.value : [item.value];
    for (const [index, value] of values.entries()) {
      if (shown >= MAX_EVIDENCE_LINES) break;
      const label = oneLine(item.label);
      lines.push(`      ${index === 0 ? `${label}: ` : ' '.repeat(label.length + 2)}${oneLine(value)}`);
      shown += 1;
    }
  }
  const total = finding.evidence.reduce((n, item) => n + (Array.isArray(item.value) ? item.value.length : 1), 0);
  if (total > shown) lines.push(`      … ${total - shown} more evidence line${total - shown === 1 ? '' : 's'} (use --json for all)`);
  if (finding.explanation) lines.push(`      Why: ${oneLine(finding.explanation)}`);
  if (finding.fix) lines.push(`      Fix: ${oneLine(finding.fix)}`);
  if (finding.remediation) lines.push(`      Action available in Slack: ${oneLine(finding.remediation.kind)}`);
  return lines;
}
