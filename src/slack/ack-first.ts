/**
 * Acks first. Under a burst the HTTP server takes one new connection per turn of the event
 * loop, so every millisecond of other work done in a turn delays every request still waiting
 * to be read (measured: 50 commands at once, the ack of the 40th waited ~300 ms behind
 * "queued" summaries being posted and the first runs starting, while each ack itself took
 * ~2 ms). Work that follows an ack therefore waits for its turn:
 *
 * - while requests keep arriving (one came within `quietMs`), it waits;
 * - once they are quiet, waiting work resumes one piece per turn of the event loop, so a
 *   request that arrives meanwhile is read and acked between two pieces;
 * - nothing waits longer than `maxDeferMs` (a steady stream of requests cannot starve runs):
 *   past that, pieces resume one per turn even while requests arrive.
 *
 * A "piece" is whatever runs from `turn()` to its next real wait for I/O: parsing a command
 * and queueing it, posting a "queued" summary, the start of a run. Nothing is dropped: every
 * `turn()` resolves. Socket Mode (no HTTP requests) never waits.
 */
import { realScheduler, type Scheduler } from './progress.js';

export interface AckFirst {
  /** A request (or a new connection) arrived: work that follows acks waits a little longer. */
  requestArrived(): void;
  /** Resolves when work that follows an ack may go on (at once when requests are quiet). */
  turn(): Promise<void>;
  /** Pieces waiting for their turn (for tests and /healthz-style introspection). */
  readonly waiting: number;
}

export interface AckFirstOptions {
  /** How long requests must be quiet before deferred work resumes. Default 10 ms. */
  quietMs?: number;
  /** The longest a piece waits, even under a steady stream of requests. Default 2 s (a burst of 200 takes about 0.5–1 s to ack on two busy cores; Slack allows 3 s). */
  maxDeferMs?: number;
  scheduler?: Scheduler;
  /** Runs `fn` on the next turn of the event loop, after pending I/O (default `setImmediate`). */
  nextTurn?: (fn: () => void) => void;
}

export const DEFAULT_QUIET_MS = 10;
export const DEFAULT_MAX_DEFER_MS = 2000;

export function createAckFirst(options: AckFirstOptions = {}): AckFirst {
  const quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
  const maxDeferMs = options.maxDeferMs ?? DEFAULT_MAX_DEFER_MS;
  const scheduler = options.scheduler ?? realScheduler;
  const nextTurn = options.nextTurn ?? ((fn: () => void) => void setImmediate(fn));
  let lastArrival = Number.NEGATIVE_INFINITY;
  const waiters: Array<{ since: number; resolve: () => void }> = [];
  /** A pump is due (timer or next turn): at most one at a time. */
  let due = false;

  const pump = (): void => {
    due = false;
    const first = waiters[0];
    if (!first) return;
    const now = scheduler.now();
    const quietAt = lastArrival + quietMs;
    const overdueAt = first.since + maxDeferMs;
    if (now < quietAt && now < overdueAt) {
      due = true;
      scheduler.schedule(pump, Math.min(quietAt, overdueAt) - now);
      return;
    }
    waiters.shift();
    first.resolve();
    if (waiters.length > 0) {
      due = true;
      nextTurn(pump);
    }
  };

  return {
    requestArrived() {
      lastArrival = scheduler.now();
    },
    turn() {
      if (waiters.length === 0 && scheduler.now() >= lastArrival + quietMs) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiters.push({ since: scheduler.now(), resolve });
        if (!due) {
          due = true;
          nextTurn(pump);
        }
      });
    },
    get waiting() {
      return waiters.length;
    },
  };
}

/** Never waits: for app instances without an HTTP receiver and for unit tests. */
export const noAckFirst: AckFirst = { requestArrived: () => undefined, turn: () => Promise.resolve(), waiting: 0 };
