/**
 * Global middleware: an Events API delivery whose `event_id` was already seen (a retry by
 * Slack) stops here, so a retry never starts a second run. Events are acked by Bolt before
 * middleware runs, so the retry still gets its 200.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

export function dedupeEvents(deps: Pick<SlackDeps, 'dedupe' | 'log'>): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next, context }) => {
    const eventId = (body as { type?: unknown; event_id?: unknown }).type === 'event_callback' ? (body as { event_id?: unknown }).event_id : undefined;
    if (typeof eventId === 'string' && !deps.dedupe.firstSeen(eventId)) {
      deps.log.info({ eventId, retryNum: context.retryNum, retryReason: context.retryReason }, 'duplicate event ignored');
      return;
    }
    await next();
  };
}
