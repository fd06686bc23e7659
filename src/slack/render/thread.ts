/**
 * The findings in the summary's thread: one message per layer that has something to say
 * (not one per finding), and one closing message where every quiet layer (all passing,
 * skipped or not checked) is collapsed to one line.
 */
import { type EvidenceItem, type Finding, LAYER_TITLES, LAYERS, STATUS_SEVERITY } from '../../core/finding.js';
import { FINDING_LIMITS } from '../../core/render-limits.js';
import type { LayerSummary, Report } from '../../core/report.js';
import { REQUEST_FIX_ACTION } from '../ids.js';
import { TEST_CREDENTIAL_ACTION } from './approval.js';
import { type Block, type ButtonElement, context, LIMITS, MessageBuilder, type SlackMessage, section } from './blocks.js';
import { authoredWithin, escapeMrkdwn, escapeWithin, inlineCode, truncateText } from './mrkdwn.js';
import { countWords, STATUS_EMOJI } from './status.js';

// Budgets (escaped characters) chosen so one finding fits a 3000-character section:
// title 120 + summary 400 + 6 evidence lines of about 250 + why 350 + fix 450.
export const EVIDENCE_LINES_PER_FINDING = FINDING_LIMITS.evidenceLines;
export const EVIDENCE_VALUE_LENGTH = FINDING_LIMITS.evidenceValue;
const TITLE_LENGTH = FINDING_LIMITS.title;
const SUMMARY_LENGTH = FINDING_LIMITS.summary;
const WHY_LENGTH = FINDING_LIMITS.why;
const FIX_LENGTH = FINDING_LIMITS.fix;

/** At most one message per layer plus the collapsed one: the bound on thread messages. */
export const MAX_THREAD_MESSAGES = LAYERS.length + 1;

export interface ThreadRenderOptions {
  /** Offer id per finding id, for findings whose remediation has a saved offer. */
  offerIds?: ReadonlyMap<string, string>;
}

const hasSomethingToSay = (finding: Finding): boolean => finding.status !== 'pass' && finding.status !== 'skipped';

export function renderThreadMessages(report: Report, options: ThreadRenderOptions = {}): SlackMessage[] {
  const loud = report.layers.filter((layer) => report.findings.some((f) => f.layer === layer.layer && hasSomethingToSay(f)));
  const quiet = report.layers.filter((layer) => !loud.includes(layer));
  // Most severe layer first; the delivery order breaks ties.
  loud.sort((a, b) => STATUS_SEVERITY[a.status] - STATUS_SEVERITY[b.status] || LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer));
  const messages = loud.map((layer) => renderLayerMessage(report, layer, options));
  if (quiet.length > 0) messages.push(renderQuietLayers(report, quiet));
  return messages;
}

function renderLayerMessage(report: Report, layer: LayerSummary, options: ThreadRenderOptions): SlackMessage {
  const title = LAYER_TITLES[layer.layer];
  const own = report.findings.filter((f) => f.layer === layer.layer);
  const builder = new MessageBuilder();
  builder.tryAdd([section(`${STATUS_EMOJI[layer.status]} *${title}* · ${countWords(layer.counts) || layer.status}`, `layer.${layer.layer}`)]);
  for (const finding of own.filter(hasSomethingToSay)) {
    const group: Block[] = [section(findingText(finding))];
    const offerId = options.offerIds?.get(finding.id);
    const buttons: ButtonElement[] = [];
    if (finding.remediation && offerId !== undefined && offerId.length <= LIMITS.buttonValue) {
      buttons.push({ type: 'button', action_id: REQUEST_FIX_ACTION, text: { type: 'plain_text', text: 'Request fix' }, value: offerId, style: 'primary' });
    }
    // Relay findings: test the credential the relay holds (no approval; nothing changes).
    if (finding.layer === 'relay' && (finding.status === 'fail' || finding.status === 'warn')) {
      const region = finding.remediation?.region ?? report.target.regions[0] ?? 'us-east-1';
      buttons.push({ type: 'button', action_id: TEST_CREDENTIAL_ACTION, text: { type: 'plain_text', text: 'Test a credential' }, value: region });
    }
    if (buttons.length > 0) group.push({ type: 'actions', block_id: `fix.${truncateText(finding.id, 200)}`, elements: buttons });
    builder.tryAdd(group);
  }
  const passing = own.filter((f) => f.status === 'pass');
  if (passing.length > 0) {
    builder.tryAdd([context(passing.map((f) => `${STATUS_EMOJI.pass} ${escapeWithin(`${f.title}: ${f.summary}`, 200)}`).join('\n'))]);
  }
  const blocks = builder.finish((n) => `… ${n} more item${n === 1 ? '' : 's'} left out of this message; the full report: \`maildiag --json\` with run \`${escapeMrkdwn(report.runId)}\``);
  return { text: escapeMrkdwn(`${title}: ${layer.status}`), blocks };
}

/** One finding: status, what was checked, the summary, the evidence that matters, why, fix. */
export function findingText(finding: Finding): string {
  const lines = [`${STATUS_EMOJI[finding.status]} *${escapeWithin(finding.title, TITLE_LENGTH)}*: ${escapeWithin(finding.summary, SUMMARY_LENGTH)}`];
  lines.push(...evidenceLines(finding.evidence));
  // Explanation and fix are our own text: their line breaks and code spans are kept (escapeAuthored).
  if (finding.explanation) lines.push(`*Why:* ${authoredWithin(finding.explanation, WHY_LENGTH)}`);
  if (finding.fix) lines.push(`*Fix:* ${authoredWithin(finding.fix, FIX_LENGTH)}`);
  return lines.join('\n');
}

function evidenceLines(evidence: readonly EvidenceItem[]): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const item of evidence) {
    const values = Array.isArray(item.value) ? item.value : [item.value];
    for (const [index, value] of values.entries()) {
      total += 1;
      if (lines.length >= EVIDENCE_LINES_PER_FINDING) continue;
      const label = index === 0 ? `${escapeWithin(item.label, 100)}: ` : '    ';
      const shown = item.code === false ? escapeWithin(value, EVIDENCE_VALUE_LENGTH) : inlineCode(value, EVIDENCE_VALUE_LENGTH);
      lines.push(`• ${label}${shown}`);
    }
  }
  const left = total - lines.length;
  if (left > 0) lines.push(`• … ${left} more evidence line${left === 1 ? '' : 's'} left out`);
  return lines;
}

function renderQuietLayers(report: Report, quiet: LayerSummary[]): SlackMessage {
  const lines = quiet.map((layer) => {
    const title = `*${LAYER_TITLES[layer.layer]}*`;
    if (layer.status === 'skipped') {
      const reason = report.findings.find((f) => f.layer === layer.layer)?.summary;
      return `${STATUS_EMOJI.skipped} ${title}: ${reason ? escapeWithin(reason, 200) : 'nothing to check yet'}`;
    }
    return `${STATUS_EMOJI[layer.status]} ${title}: ${countWords(layer.counts)}`;
  });
  return { text: 'Layers with nothing to fix', blocks: [section(`*Nothing to fix here*\n${lines.join('\n')}`, 'layers.quiet')] };
}

