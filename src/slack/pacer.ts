/**
 * Spaces chat.postMessage calls per channel. Slack allows about one message per second per
 * channel; a report posts up to seven, and fifty reports may run at once, so the bot queues
 * its own posts instead of relying on 429 retries (which stay on as a safety net).
 *
 * Posts to one channel go out one at a time, each at least one interval after the previous
 * post *finished*: booking slots in advance would let a post delayed by load arrive close to
 * the next one.
 */
export interface ChannelPacer {
  /** Runs `post` when the channel's previous post is done and the interval has passed. */
  run<T>(channel: string, post: () => Promise<T>): Promise<T>;
}

export const SLACK_POST_INTERVAL_MS = 1_000;

export const noPacing: ChannelPacer = { run: (_channel, post) => post() };

interface ChannelState {
  /** Settles when the last queued post is done (never rejects). */
  tail: Promise<void>;
  lastDoneAt: number | undefined;
  queued: number;
}

export function createChannelPacer(
  intervalMs: number = SLACK_POST_INTERVAL_MS,
  now: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): ChannelPacer {
  if (intervalMs <= 0) return noPacing;
  const channels = new Map<string, ChannelState>();
  return {
    run<T>(channel: string, post: () => Promise<T>): Promise<T> {
      let state = channels.get(channel);
      if (!state) {
        state = { tail: Promise.resolve(), lastDoneAt: undefined, queued: 0 };
        channels.set(channel, state);
      }
      const current = state;
      current.queued += 1;
      const result = current.tail.then(async () => {
        const due = current.lastDoneAt === undefined ? 0 : current.lastDoneAt + intervalMs;
        // Timers may fire a fraction of a millisecond early: wait until the clock says so.
        for (let wait = due - now(); wait > 0; wait = due - now()) await sleep(Math.ceil(wait));
        try {
          return await post();
        } finally {
          current.lastDoneAt = now();
          current.queued -= 1;
          // Forget idle channels so memory stays bounded; a quiet channel needs no spacing.
          if (current.queued === 0) setTimeout(() => {
            if (current.queued === 0 && channels.get(channel) === current) channels.delete(channel);
          }, intervalMs).unref();
        }
      });
      current.tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}
