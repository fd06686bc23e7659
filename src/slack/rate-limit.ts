/**
 * Sliding-window limits per key: at most `limit` events per `windowMs`. Used where one person
 * could otherwise make the bot hammer an outside service, such as "Test a credential"
 * (repeated failed SMTP AUTH can get the relay's source IP throttled by SES).
 *
 * The app keeps the counts in the shared store (`createStoreRateLimits`), so two replicas
 * behind a load balancer share one limit; the in-memory limiter remains for app instances
 * built without a store (unit tests, a single process).
 */
import { createHash } from 'node:crypto';
import type { SlotDecision } from '../remediation/store.js';

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Counts one event for `key` when allowed; otherwise says how long to wait. */
  take(key: string): Promise<RateDecision>;
}

/** Builds the limiter of one named rule (`credential-test.user`, …). */
export type RateLimits = (name: string, rule: RateRule) => RateLimiter;

/** What the shared store offers (src/remediation/store.ts). */
export interface SlotStore {
  takeSlot(key: string, slots: number, now: Date, ttlMs: number): Promise<SlotDecision>;
}

/** Limits kept in the shared store (SQLite file or PostgreSQL), shared by every replica. */
export function createStoreRateLimits(store: SlotStore, options: { now?: () => Date } = {}): RateLimits {
  const now = options.now ?? (() => new Date());
  return (name, rule) => ({
    async take(key) {
      // Keys are short ids (user, access key id, channel); anything longer is hashed.
      const id = key.length <= 100 ? key : createHash('sha256').update(key).digest('base64url');
      const at = now();
      const decision = await store.takeSlot(`rate:${name}:${id}`, rule.limit, at, rule.windowMs);
      return decision.ok ? decision : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((decision.freeAt.getTime() - at.getTime()) / 1000)) };
    },
  });
}

/** In memory, one process. */
export function createMemoryRateLimits(options: { now?: () => number; maxKeys?: number } = {}): RateLimits {
  return (_name, rule) => createRateLimiter({ ...rule, ...options });
}

export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number; maxKeys?: number }): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const events = new Map<string, number[]>();
  return {
    async take(key) {
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
