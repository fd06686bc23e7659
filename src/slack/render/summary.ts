/**
 * The summary message: target, verdict, path picture, one line per layer, likely root cause
 * first, run id and duration in a context line. A progress variant is shown while layers run.
 */
import { type Layer, LAYER_TITLES, LAYERS, type Status } from '../../core/finding.js';
import type { LayerSummary, Report } from '../../core/report.js';
import type { Target } from '../../core/target.js';
import { SUMMARY_BLOCK_FINAL, SUMMARY_BLOCK_PROGRESS } from '../ids.js';
import { type Block, context, type SlackMessage, section } from './blocks.js';
import { escapeCodeText, escapeMrkdwn, escapeWithin } from './mrkdwn.js';
import { deliveryPath, renderPath } from './path.js';
import { countWords, PENDING_EMOJI, STATUS_EMOJI, VERDICT_EMOJI, VERDICT_WORDS } from './status.js';

const MAX_NOTES = 3;
const NOTE_LENGTH = 300;

/** `admin@example.com → alice@example.net`, escaped, for headlines. */
export function targetLine(target: Target): string {
  const sender = `\`${escapeCodeText(target.senderAddress ?? target.senderDomain)}\``;
  if (target.recipients.length === 0) return sender;
  const shown = target.recipients.slice(0, 3).map((r) => `\`${escapeCodeText(r)}\``);
  const more = target.recipients.length > 3 ? ` +${target.recipients.length - 3} more` : '';
  return `${sender} → ${shown.join(', ')}${more}`;
}

function plainTarget(target: Target): string {
  const to = target.recipients.length > 0 ? ` → ${target.recipients.join(', ')}` : '';
  return escapeWithin(`${target.senderAddress ?? target.senderDomain}${to}`, 300);
}

export interface ProgressState {
  target: Target;
  runId: string;
  /** Layers finished so far with their status; the others are still running. */
  finished: ReadonlyMap<Layer, { status: Status; counts: Record<Status, number> }>;
}

export function renderProgressSummary(state: ProgressState): SlackMessage {
  const lines = LAYERS.map((layer) => {
    const done = state.finished.get(layer);
    if (!done) return `${PENDING_EMOJI} *${LAYER_TITLES[layer]}*: running…`;
    return `${STATUS_EMOJI[done.status]} *${LAYER_TITLES[layer]}*: ${layerWords(done.status, done.counts)}`;
  });
  const blocks: Block[] = [
    section(`${PENDING_EMOJI} *maildiag* is checking ${targetLine(state.target)}`, SUMMARY_BLOCK_PROGRESS),
    section(lines.join('\n')),
    context(`run \`${escapeMrkdwn(state.runId)}\` · ${state.finished.size} of ${LAYERS.length} layers done`),
  ];
  return { text: `maildiag is checking ${plainTarget(state.target)}…`, blocks };
}

export function renderFinalSummary(report: Report): SlackMessage {
  const { target, verdict, rootCause } = report;
  const blocks: Block[] = [section(`${VERDICT_EMOJI[verdict]} *${verdict.toUpperCase()}* (${VERDICT_WORDS[verdict]}) · ${targetLine(target)}`, SUMMARY_BLOCK_FINAL)];
  if (rootCause) {
    blocks.push(
      section(
        `*Likely root cause* (${LAYER_TITLES[rootCause.layer]}): ${escapeWithin(rootCause.summary, 600)}`,
      ),
    );
  }
  blocks.push(section(`*Path:* ${renderPath(deliveryPath(report))}`));
  blocks.push(section(orderLayers(report).map((layer) => layerLine(report, layer)).join('\n')));
  const notes = target.notes.slice(0, MAX_NOTES).map((note) => `• ${escapeWithin(note, NOTE_LENGTH)}`);
  if (target.notes.length > MAX_NOTES) notes.push(`• … ${target.notes.length - MAX_NOTES} more notes left out`);
  if (notes.length > 0) blocks.push(context(notes.join('\n')));
  const { stats } = report;
  blocks.push(
    context(
      `run \`${escapeMrkdwn(report.runId)}\` · ${formatDuration(stats.durationMs)} · ${stats.dnsQueries} DNS queries · ${stats.awsCalls} AWS calls · details in the thread`,
    ),
  );
  const headline = rootCause ? `: ${escapeWithin(`${rootCause.title}: ${rootCause.summary}`, 300)}` : '';
  return {
    text: `maildiag ${verdict.toUpperCase()} for ${plainTarget(target)}${headline}`,
    blocks,
  };
}

/** Root-cause layer first, then the delivery order. */
function orderLayers(report: Report): LayerSummary[] {
  const first = report.rootCause?.layer;
  return [...report.layers].sort((a, b) => Number(b.layer === first) - Number(a.layer === first));
}

function layerLine(report: Report, layer: LayerSummary): string {
  const title = `*${LAYER_TITLES[layer.layer]}*`;
  if (layer.status === 'skipped') {
    const reason = report.findings.find((f) => f.layer === layer.layer && f.status === 'skipped')?.summary;
    return `${STATUS_EMOJI.skipped} ${title}: ${reason ? escapeWithin(reason, 200) : 'nothing to check yet'}`;
  }
  return `${STATUS_EMOJI[layer.status]} ${title}: ${layerWords(layer.status, layer.counts)}`;
}

function layerWords(status: Status, counts: Record<Status, number>): string {
  const words = countWords(counts);
  return words === '' ? (status === 'skipped' ? 'skipped' : status) : words;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
