/**
 * Slack retries an Events API delivery it thinks failed (same `event_id`, header
 * `X-Slack-Retry-Num`). A retry must never start a second run, so seen ids are remembered
 * for longer than Slack's retry window (three retries over about five minutes), in bounded
 * memory: expired ids are dropped, and the oldest go first when the cap is reached.
 */
export interface EventDeduper {
  /** True the first time an id is seen within the window; false for every repeat. */
  firstSeen(eventId: string): boolean;
  readonly size: number;
}

export interface EventDedupeOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export function createEventDeduper(options: EventDedupeOptions = {}): EventDeduper {
  const ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so its first entries are the oldest.
  const seen = new Map<string, number>();

  const evict = (at: number): void => {
    for (const [id, expiresAt] of seen) {
      if (expiresAt > at && seen.size < maxEntries) break;
      seen.delete(id);
    }
  };

  return {
    firstSeen(eventId) {
      const at = now();
      evict(at);
      const expiresAt = seen.get(eventId);
      if (expiresAt !== undefined && expiresAt > at) return false;
      seen.set(eventId, at + ttlMs);
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
