/**
 * Spaces chat.postMessage calls per channel. Slack allows about one message per second per
 * channel; a report posts up to seven, and fifty reports may run at once, so the bot queues
 * its own posts instead of relying on 429 retries (which stay on as a safety net).
 */
export interface ChannelPacer {
  /** Resolves when the next message may be posted to `channel`. */
  wait(channel: string): Promise<void>;
}

export const SLACK_POST_INTERVAL_MS = 1_000;
const MAX_TRACKED_CHANNELS = 10_000;

export const noPacing: ChannelPacer = { wait: () => Promise.resolve() };

export function createChannelPacer(
  intervalMs: number = SLACK_POST_INTERVAL_MS,
  now: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): ChannelPacer {
  if (intervalMs <= 0) return noPacing;
  const nextFree = new Map<string, number>();
  return {
    async wait(channel) {
      const current = now();
      const slot = Math.max(current, nextFree.get(channel) ?? current);
      nextFree.set(channel, slot + intervalMs);
      if (nextFree.size > MAX_TRACKED_CHANNELS) {
        for (const [key, free] of nextFree) if (free <= current) nextFree.delete(key);
      }
      if (slot > current) await sleep(slot - current);
    },
  };
}
