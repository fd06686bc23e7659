/**
 * Diagnosis of a ticket thread (mention or message shortcut): read the thread, leave out the
 * bot's own messages, extract the target and replies, and post the report into that thread.
 */
import { InputError } from '../core/errors.js';
import { parseCommandText, type Target } from '../core/target.js';
import type { SlackDeps } from './deps.js';
import type { SlackGateway } from './gateway.js';
import { runReport } from './report-run.js';
import { escapeMrkdwn } from './render/mrkdwn.js';
import { inputErrorText, runErrorText } from './render/usage.js';
import { describeSlackFailure } from './slack-errors.js';
import type { QueuedSummary } from './queued-run.js';
import { renderClosedSummary } from './render/queued.js';

export interface ThreadRunRequest {
  runId: string;
  channel: string;
  threadTs: string;
  user: string;
  /** Text typed after the mention (`@maildiag example.com to=...`), if any. */
  explicitText?: string;
  bot: { userId: string | undefined; botId: string | undefined };
  replyPrivately: (text: string) => Promise<void>;
  /** The run waited in the queue: its "queued" summary, to reuse or to close. */
  queued?: QueuedSummary | undefined;
  /** Takes over the paced thread posting (see runReport). */
  detach?: ((posting: Promise<void>) => void) | undefined;
}

export const NOTHING_FOUND =
  'I could not find a sending domain or address in this thread. Mention me with one, for example `@maildiag admin@example.com to=alice@example.net`.';

export async function diagnoseThread(deps: SlackDeps, slack: SlackGateway, request: ThreadRunRequest): Promise<void> {
  const { runId, channel, threadTs } = request;
  const log = deps.log.child({ runId, channel, user: request.user });
  const tell = async (text: string): Promise<void> => {
    try {
      await request.replyPrivately(text);
    } catch (error) {
      log.warn({ err: error }, 'could not send a private message');
    }
    // A queued placeholder must not stay "queued" when no run follows.
    const queued = await request.queued;
    if (queued) {
      await slack.update(channel, queued.ts, renderClosedSummary({ runId }, 'nothing was diagnosed (the reason was sent to you privately).')).catch((error: unknown) =>
        log.warn({ err: error }, 'could not close the queued summary'),
      );
    }
  };

  let explicit: Target | undefined;
  if (request.explicitText) {
    try {
      explicit = parseCommandText(request.explicitText);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await tell(inputErrorText(error.message));
      return;
    }
  }

  let texts: string[];
  try {
    const messages = await slack.threadMessages(channel, threadTs);
    const mention = request.bot.userId ? new RegExp(`<@${request.bot.userId}(?:\\|[^>]*)?>`, 'g') : undefined;
    texts = messages
      .filter((m) => !isFromBot(m, request.bot))
      .map((m) => (mention ? m.text.replace(mention, '') : m.text).trim())
      .filter((text) => text !== '');
  } catch (error) {
    const failure = describeSlackFailure(error);
    log.warn({ err: error, slackError: failure.code }, 'could not read the thread');
    await tell(runErrorText(failure.message, runId));
    return;
  }

  const extraction = await deps.extractThread(texts);
  const found = extraction.target;
  let target: Target;
  if (explicit) {
    target = {
      ...explicit,
      recipients: explicit.recipients.length > 0 ? explicit.recipients : (found?.recipients ?? []),
      replies: extraction.replies,
      notes: extraction.notes,
    };
  } else if (found) {
    target = { ...found, replies: found.replies.length > 0 ? found.replies : extraction.replies, notes: found.notes.length > 0 ? found.notes : extraction.notes };
  } else {
    log.info({ messages: texts.length }, 'nothing to diagnose in the thread');
    await tell(`${NOTHING_FOUND}\n(${texts.length} messages read; run id \`${escapeMrkdwn(runId)}\`)`);
    return;
  }
  log.info({ messages: texts.length, replies: target.replies.length }, 'thread read');
  await runReport(deps, slack, { runId, target, channel, threadTs, user: request.user, replyPrivately: request.replyPrivately, queued: request.queued, detach: request.detach });
}

function isFromBot(message: { user: string | undefined; botId: string | undefined }, bot: ThreadRunRequest['bot']): boolean {
  return (bot.botId !== undefined && message.botId === bot.botId) || (bot.userId !== undefined && message.user === bot.userId);
}
