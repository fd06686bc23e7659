/**
 * The summary of a run that waits in the run queue ("queued, N ahead"), replaced by the
 * progress summary when the run starts, or by the cancelled summary if the bot stops first.
 */
import type { Target } from '../../core/target.js';
import { SUMMARY_BLOCK_CANCELLED, SUMMARY_BLOCK_QUEUED } from '../ids.js';
import { context, type SlackMessage, section } from './blocks.js';
import { escapeMrkdwn, escapeWithin } from './mrkdwn.js';
import { targetLine } from './summary.js';
import { CANCELLED_TEXT } from './usage.js';

export interface QueuedState {
  runId: string;
  /** Runs waiting before this one (runs in progress not counted). */
  ahead: number;
  /** Known for slash commands; a thread run learns its target only when it reads the thread. */
  target?: Target;
}

function what(state: QueuedState): { mrkdwn: string; plain: string } {
  if (!state.target) return { mrkdwn: 'will read this thread and diagnose it', plain: 'will read this thread and diagnose it' };
  const plain = `${state.target.senderAddress ?? state.target.senderDomain}${state.target.recipients.length > 0 ? ` → ${state.target.recipients.join(', ')}` : ''}`;
  return { mrkdwn: `will check ${targetLine(state.target)}`, plain: `will check ${escapeWithin(plain, 300)}` };
}

export function renderQueuedSummary(state: QueuedState): SlackMessage {
  const queued = `queued, ${state.ahead} ahead`;
  const { mrkdwn, plain } = what(state);
  return {
    text: `maildiag ${queued}: ${plain}`,
    blocks: [
      section(`:double_vertical_bar: *maildiag* ${queued}: ${mrkdwn}`, SUMMARY_BLOCK_QUEUED),
      context(`run \`${escapeMrkdwn(state.runId)}\` · starts as soon as a running diagnosis finishes`),
    ],
  };
}

export function renderCancelledSummary(state: Pick<QueuedState, 'runId'>): SlackMessage {
  return {
    text: `maildiag cancelled: ${CANCELLED_TEXT}`,
    blocks: [section(`:black_square_for_stop: *maildiag* cancelled. ${CANCELLED_TEXT}`, SUMMARY_BLOCK_CANCELLED), context(`run \`${escapeMrkdwn(state.runId)}\``)],
  };
}

/** A queued thread run that found nothing to diagnose closes its placeholder with this. */
export function renderClosedSummary(state: Pick<QueuedState, 'runId'>, reason: string): SlackMessage {
  return {
    text: `maildiag: ${escapeMrkdwn(reason)}`,
    blocks: [section(`*maildiag*: ${escapeMrkdwn(reason)}`, SUMMARY_BLOCK_CANCELLED), context(`run \`${escapeMrkdwn(state.runId)}\``)],
  };
}
