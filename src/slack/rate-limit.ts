/**
 * A sliding-window counter per key (in memory, per process): at most `limit` events per
 * `windowMs`. Used where one person could otherwise make the bot hammer an outside service,
 * such as "Test a credential" (repeated failed SMTP AUTH can get the relay's source IP
 * throttled by SES).
 */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one event for `key` when allowed; otherwise says how long to wait. */
  take(key: string): RateDecision;
}

export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number; maxKeys?: number }): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const events = new Map<string, number[]>();
  return {
    take(key) {
      const at = now();
      const recent = (events.get(key) ?? []).filter((t) => t > at - options.windowMs);
      if (recent.length >= options.limit) {
        const oldest = recent[0] ?? at;
        events.set(key, recent);
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + options.windowMs - at) / 1000)) };
      }
      recent.push(at);
      events.delete(key);
      events.set(key, recent);
      // Bounded memory: the least recently used keys go first.
      while (events.size > maxKeys) {
        const first = events.keys().next().value;
        if (first === undefined) break;
        events.delete(first);
      }
      return { ok: true };
    },
  };
}
