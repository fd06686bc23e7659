/**
 * Slack retries an Events API delivery it thinks failed (same `event_id`, header
 * `X-Slack-Retry-Num`). A retry must never start a second run, also when the retry reaches
 * another replica, so seen keys are remembered in the shared store (`firstSeen`: one
 * `INSERT … ON CONFLICT DO NOTHING`) for longer than Slack's retry window (three retries
 * over about five minutes); a periodic sweep deletes expired keys. Keys are namespaced
 * (`event:<event_id>`, and other kinds such as replayed commands through the same call).
 *
 * The in-memory deduper remains for app instances built without a store (unit tests).
 */
import type { Logger } from 'pino';

export interface EventDeduper {
  /** True the first time a key is seen within the window (on any replica); false for every repeat. */
  firstSeen(key: string): Promise<boolean>;
}

/** What the shared store offers (src/remediation/store.ts). */
export interface DedupeStore {
  firstSeen(key: string, now: Date, ttlMs: number): Promise<boolean>;
}

export const DEDUPE_TTL_MS = 60 * 60 * 1000;

export interface EventDedupeOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/** Keys in the shared store. When the store cannot answer, the caller decides (see dedupe-events). */
export function createStoreDeduper(store: DedupeStore, options: { ttlMs?: number; now?: () => Date } = {}): EventDeduper {
  const ttlMs = options.ttlMs ?? DEDUPE_TTL_MS;
  const now = options.now ?? (() => new Date());
  return {
    firstSeen: (key) => store.firstSeen(key, now(), ttlMs),
  };
}

/** One process only: bounded memory, expired ids dropped, the oldest first when the cap is reached. */
export function createEventDeduper(options: EventDedupeOptions = {}): EventDeduper & { readonly size: number } {
  const ttlMs = options.ttlMs ?? DEDUPE_TTL_MS;
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
    async firstSeen(key) {
      const at = now();
      evict(at);
      const expiresAt = seen.get(key);
      if (expiresAt !== undefined && expiresAt > at) return false;
      seen.set(key, at + ttlMs);
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}

/**
 * Periodic removal of expired keys from the shared store (PostgreSQL: one replica at a time,
 * under an advisory lock). Returns a stop function.
 */
export function startDedupeSweeper(store: { sweepSeen(now: Date): Promise<number> }, log: Logger, options: { intervalMs?: number; now?: () => Date } = {}): () => void {
  const now = options.now ?? (() => new Date());
  const sweep = (): void => {
    store.sweepSeen(now()).then(
      (count) => {
        if (count > 0) log.debug({ count }, 'expired de-duplication keys removed');
      },
      (error: unknown) => log.warn({ err: { message: (error as Error).message } }, 'de-duplication sweep failed'),
    );
  };
  const timer = setInterval(sweep, options.intervalMs ?? 5 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
