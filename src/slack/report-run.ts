/**
 * One diagnosis from request to posted report, independent of how it was asked for:
 * post a progress summary, run the layers (updating the summary as they finish, coalesced),
 * update the summary to its final state, then post the findings in the thread.
 */
import type { Layer, Status } from '../core/finding.js';
import type { Report } from '../core/report.js';
import type { Target } from '../core/target.js';
import { offerContext } from '../remediation/offers.js';
import { diagnose } from '../compose.js';
import type { SlackDeps } from './deps.js';
import type { SlackGateway } from './gateway.js';
import { createCoalescedUpdater } from './progress.js';
import type { SlackMessage } from './render/blocks.js';
import { type ProgressState, renderFinalSummary, renderProgressSummary } from './render/summary.js';
import { renderThreadMessages } from './render/thread.js';
import { runErrorText } from './render/usage.js';
import { describeSlackFailure } from './slack-errors.js';
import type { QueuedSummary } from './queued-run.js';

export interface ReportRunRequest {
  runId: string;
  target: Target;
  channel: string;
  /** Post everything into this existing thread (mention, shortcut); absent: summary at the channel root. */
  threadTs?: string;
  user: string;
  /** Sends a message only the requester sees. */
  replyPrivately: (text: string) => Promise<void>;
  /** The run waited in the queue: its "queued" summary becomes the progress summary. */
  queued?: QueuedSummary | undefined;
  /** Takes over posting the thread after the final summary, so the run's queue slot frees early. */
  detach?: ((posting: Promise<void>) => void) | undefined;
}

export const AWS_NOT_CONFIGURED =
  'AWS is not configured for this bot, so the relay, SES identity and suppression layers were skipped. An admin can give it read-only AWS credentials (docs/iam-policy.json).';

export async function runReport(deps: SlackDeps, slack: SlackGateway, request: ReportRunRequest): Promise<Report | undefined> {
  const { runId, target, channel, user } = request;
  const log = deps.log.child({ runId, channel, user });
  const tellUser = async (text: string): Promise<void> => {
    try {
      await request.replyPrivately(runErrorText(text, runId));
    } catch (error) {
      log.warn({ err: error }, 'could not send a private message');
    }
  };
  if (deps.services.aws === undefined && !deps.services.awsOffOnPurpose) void tellUser(AWS_NOT_CONFIGURED);

  const finished = new Map<Layer, { status: Status; counts: Record<Status, number> }>();
  const progress = (): ProgressState => ({ target, runId, finished: new Map(finished) });
  const abort = new AbortController();
  let updater: ReturnType<typeof createCoalescedUpdater<SlackMessage>> | undefined;

  const posting = showProgress(slack, request, renderProgressSummary(progress()));
  const running = diagnose(target, deps.services, {
    runId,
    trigger: request.threadTs ? 'thread' : 'command',
    signal: abort.signal,
    onProgress(event) {
      if (event.type !== 'layer-finished') return;
      const counts = { pass: 0, warn: 0, fail: 0, info: 0, error: 0, skipped: 0 } satisfies Record<Status, number>;
      for (const finding of event.findings) counts[finding.status] += 1;
      finished.set(event.layer, { status: event.status, counts });
      updater?.push(renderProgressSummary(progress()));
    },
  });

  let summaryTs: string;
  try {
    summaryTs = (await posting).ts;
  } catch (error) {
    abort.abort(error);
    await running.catch(() => undefined);
    log.warn({ err: error, slackError: describeSlackFailure(error).code }, 'could not post the summary');
    await tellUser(describeSlackFailure(error).message);
    return undefined;
  }
  updater = createCoalescedUpdater<SlackMessage>({
    send: (message) => slack.update(channel, summaryTs, message),
    minIntervalMs: deps.progressIntervalMs,
    scheduler: deps.scheduler,
    onError: (error) => log.warn({ err: error }, 'progress update failed'),
  });
  if (finished.size > 0) updater.push(renderProgressSummary(progress()));

  let report: Report;
  try {
    report = await running;
  } catch (error) {
    log.error({ err: error }, 'diagnosis failed');
    await tellUser('The diagnosis failed unexpectedly; nothing was checked to the end.');
    return undefined;
  }

  const threadTs = request.threadTs ?? summaryTs;
  const incomplete = async (error: unknown): Promise<void> => {
    log.warn({ err: error, slackError: describeSlackFailure(error).code }, 'could not post the whole report');
    await tellUser(`The report is incomplete: ${describeSlackFailure(error).message}`);
  };
  try {
    await updater.finish(renderFinalSummary(report));
  } catch (error) {
    await incomplete(error);
    return report;
  }
  const postThread = async (): Promise<void> => {
    try {
      const offerIds = new Map<string, string>();
      for (const finding of report.findings) {
        if (!finding.remediation) continue;
        const offer = await deps.offers.save({ runId, findingId: finding.id, request: finding.remediation, channel, threadTs, offeredTo: user, ...offerContext(report, finding) });
        offerIds.set(finding.id, offer.id);
      }
      const messages = renderThreadMessages(report, { offerIds });
      // One after another: thread order is reading order, and Slack paces posts per channel.
      for (const message of messages) await slack.postMessage(channel, message, threadTs);
      log.info({ verdict: report.verdict, threadMessages: messages.length, durationMs: report.stats.durationMs }, 'report posted');
    } catch (error) {
      await incomplete(error);
      return;
    }
    deps.onRunFinished?.(report, { channel, threadTs, summaryTs });
  };
  // The thread is paced (about one post per second per channel) and needs no diagnosis work:
  // a queued run hands it off and frees its slot for the next run.
  if (request.detach) {
    request.detach(postThread());
    return report;
  }
  await postThread();
  return report;
}

/** Posts the progress summary, or turns the run's "queued" summary into it. */
async function showProgress(slack: SlackGateway, request: ReportRunRequest, message: SlackMessage): Promise<{ ts: string }> {
  const queued = await request.queued;
  if (!queued) return slack.postMessage(request.channel, message, request.threadTs);
  await slack.update(request.channel, queued.ts, message);
  return queued;
}
