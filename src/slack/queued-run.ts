/**
 * Hands an accepted request to the run queue. A run that has to wait posts its summary at
 * once ("queued, N ahead"); the run replaces it with the progress summary when it starts. If
 * the bot stops first, the summary says "cancelled" and the requester is told privately.
 * Every accepted request ends in a report or a message: an unexpected failure is reported too.
 */
import type { Logger } from 'pino';
import type { Target } from '../core/target.js';
import type { SlackDeps } from './deps.js';
import type { SlackGateway } from './gateway.js';
import { renderCancelledSummary, renderQueuedSummary } from './render/queued.js';
import { busyText, CANCELLED_TEXT, runErrorText } from './render/usage.js';
import type { Reservation } from './run-queue.js';
import { diagnoseThread, type ThreadRunRequest } from './thread-run.js';

/** The queued run's summary message, when it had to wait and could post one. */
export type QueuedSummary = Promise<{ ts: string } | undefined>;

export interface QueuedRunRequest {
  runId: string;
  channel: string;
  /** The thread the queued summary goes to (mention, shortcut); absent: the channel root. */
  threadTs?: string;
  target?: Target;
  log: Logger;
  replyPrivately: (text: string) => Promise<void>;
  /**
   * The run; `queued` is the summary to replace, when the run had to wait; `detach` takes
   * over its paced thread posting, so its slot frees at the final summary.
   */
  run(queued: QueuedSummary | undefined, detach: (posting: Promise<void>) => void): Promise<void>;
}

export function enqueueRun(deps: SlackDeps, slack: SlackGateway, reservation: Reservation, request: QueuedRunRequest): void {
  const { runId, channel, log } = request;
  const tell = async (text: string): Promise<void> => {
    try {
      await request.replyPrivately(text);
    } catch (error) {
      log.warn({ err: error }, 'could not send a private message');
    }
  };
  let queued: QueuedSummary | undefined;
  const admission = reservation.submit({
    async run() {
      try {
        await request.run(queued, (posting) => deps.runs.detach(posting));
      } catch (error) {
        log.error({ err: error }, 'run failed unexpectedly');
        await tell(runErrorText('The diagnosis failed unexpectedly; nothing was checked to the end.', runId));
      }
    },
    async cancelled() {
      log.info('queued run cancelled: the bot is stopping');
      const posted = await queued;
      if (posted) {
        await slack.update(channel, posted.ts, renderCancelledSummary({ runId })).catch((error: unknown) => log.warn({ err: error }, 'could not mark the summary cancelled'));
      }
      await tell(runErrorText(CANCELLED_TEXT, runId));
    },
  });
  if (admission.startsNow) return;
  const stats = deps.runs.stats();
  log.info({ ahead: admission.ahead, active: stats.active, queued: stats.queued }, 'run queued');
  // After the acks of a burst (src/slack/ack-first.ts): a waiting run has time to spare.
  const turn = deps.ackFirst?.turn() ?? Promise.resolve();
  queued = turn.then(() => slack.postMessage(channel, renderQueuedSummary({ runId, ahead: admission.ahead, ...(request.target ? { target: request.target } : {}) }), request.threadTs)).catch(
    (error: unknown) => {
      // The run posts a fresh summary when it starts.
      log.warn({ err: error }, 'could not post the queued summary');
      return undefined;
    },
  );
}

/** Logs and counts a refusal (the queue is full) and returns the private answer. */
export function refuseBusy(deps: Pick<SlackDeps, 'log' | 'runs'>, where: { channel: string; user: string; kind: string }): string {
  const stats = deps.runs.stats();
  deps.log.warn({ ...where, queued: stats.queued, active: stats.active, maxQueued: stats.maxQueued, refusedTotal: stats.refused }, 'refused: run queue full');
  return busyText(stats.queued);
}

/** What a mention or the "Diagnose this thread" shortcut asks for: a thread diagnosis. */
export interface ThreadDiagnosisRequest {
  channel: string;
  threadTs: string;
  user: string;
  /** How the run was asked for, for the logs and the busy answer ("mention", "shortcut"). */
  kind: string;
  explicitText?: string;
  bot: ThreadRunRequest['bot'];
  replyPrivately: (text: string) => Promise<void>;
}

/** Takes a queue slot (or answers "busy" privately) and queues the thread's diagnosis. */
export async function enqueueThreadDiagnosis(deps: SlackDeps, slack: SlackGateway, request: ThreadDiagnosisRequest): Promise<void> {
  const { channel, threadTs, user, kind, replyPrivately } = request;
  const reservation = deps.runs.reserve();
  if (!reservation) {
    await replyPrivately(refuseBusy(deps, { channel, user, kind })).catch((error: unknown) => deps.log.warn({ err: error }, 'could not send a private message'));
    return;
  }
  const runId = deps.newRunId();
  const log = deps.log.child({ runId, channel, user });
  log.info({ threadTs, kind, explicit: request.explicitText !== undefined }, 'thread diagnosis accepted');
  enqueueRun(deps, slack, reservation, {
    runId,
    channel,
    threadTs,
    log,
    replyPrivately,
    run: (queued, detach) =>
      diagnoseThread(deps, slack, {
        runId,
        channel,
        threadTs,
        user,
        ...(request.explicitText !== undefined ? { explicitText: request.explicitText } : {}),
        bot: request.bot,
        replyPrivately,
        queued,
        detach,
      }),
  });
}
