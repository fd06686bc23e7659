/** `/maildiag watch`: the watch's status, privately; says so when the watch is not configured. */
import type { SlackDeps } from '../slack/deps.js';

export const WATCH_NOT_CONFIGURED =
  'The watch is off: set `MAILDIAG_EVENTS_QUEUE_URL` (SES events from SQS) and/or `MAILDIAG_AUDIT_EVERY` (scheduled audit), with `MAILDIAG_EVENTS_CHANNEL`. See docs/watch.md.';

export async function watchStatusText(deps: Pick<SlackDeps, 'watch' | 'log'>): Promise<string> {
  if (!deps.watch) return WATCH_NOT_CONFIGURED;
  try {
    return await deps.watch.statusText();
  } catch (error) {
    deps.log.warn({ err: error }, 'watch status failed');
    return ':warning: Could not read the watch status; the bot\'s logs say why.';
  }
}
