/**
 * Global middleware: an Events API delivery whose `event_id` was already seen (a retry by
 * Slack, on this replica or another) stops here, so a retry never starts a second run.
 * Events are acked by Bolt before middleware runs, so the retry still gets its 200.
 *
 * Slash commands have no id, but every real invocation carries a fresh `trigger_id`: an
 * identical body is a replay of one signed request (valid for five minutes), so commands are
 * de-duplicated by a hash of their body through the same deduper (and the same store). That
 * check runs after the ack, in the slash-command listener (`isReplayedCommand`): a store
 * round trip before every ack delayed every ack behind it under a burst (issue 13).
 *
 * When the store cannot answer (database unreachable), the event is handled anyway: a
 * diagnosis only reads, and dropping a person's request is worse than, at worst, one
 * duplicate report while the database is down.
 */
import { createHash } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

/** The de-duplication key of a slash command: a hash over its whole body, in a stable order. */
export function commandDedupeKey(body: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(body).sort().map((key) => [key, body[key]]));
  return `command:${createHash('sha256').update(canonical).digest('hex')}`;
}

export function dedupeEvents(deps: Pick<SlackDeps, 'dedupe' | 'log'>): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, next, context } = args;
    const eventId = (body as { type?: unknown; event_id?: unknown }).type === 'event_callback' ? (body as { event_id?: unknown }).event_id : undefined;
    if (typeof eventId === 'string') {
      let first = true;
      try {
        first = await deps.dedupe.firstSeen(`event:${eventId}`);
      } catch (error) {
        deps.log.warn({ eventId, err: { message: (error as Error).message } }, 'event de-duplication unavailable; handling the event');
      }
      if (!first) {
        deps.log.info({ eventId, retryNum: context.retryNum, retryReason: context.retryReason }, 'duplicate event ignored');
        return;
      }
    }
    await next();
  };
}

/**
 * True when this exact signed command was already handled (a replay): called after the ack,
 * so a replay is acked like the original and then dropped. When the store cannot answer, the
 * command is handled (see above).
 */
export async function isReplayedCommand(deps: Pick<SlackDeps, 'dedupe' | 'log'>, body: Record<string, unknown>): Promise<boolean> {
  let first = true;
  try {
    first = await deps.dedupe.firstSeen(commandDedupeKey(body));
  } catch (error) {
    deps.log.warn({ err: { message: (error as Error).message } }, 'command de-duplication unavailable; handling the command');
  }
  if (!first) deps.log.info({ command: body.command }, 'replayed command ignored');
  return !first;
}
