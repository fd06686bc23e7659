/**
 * Global middleware: an Events API delivery whose `event_id` was already seen (a retry by
 * Slack, on this replica or another) stops here, so a retry never starts a second run.
 * Events are acked by Bolt before middleware runs, so the retry still gets its 200.
 *
 * When the store cannot answer (database unreachable), the event is handled anyway: a
 * diagnosis only reads, and dropping a person's request is worse than, at worst, one
 * duplicate report while the database is down.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

export function dedupeEvents(deps: Pick<SlackDeps, 'dedupe' | 'log'>): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next, context }) => {
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
