/**
 * The SQS intake loop: long-poll a batch (up to 10), read each body, record the batch in the
 * store (de-duplicated by SNS MessageId), group what is new, then delete what was handled.
 *
 * Outcomes per message (each logged and counted, none stops the loop):
 * - processed: recorded and grouped, then deleted;
 * - duplicate: seen before (SQS is at-least-once), deleted without counting again;
 * - skipped: SNS control messages, unknown event types, Open/Click/... (counted only): deleted;
 * - left: malformed, oversized, invalid, or its processing or recording failed: NOT deleted,
 *   so SQS delivers it again after the visibility timeout and, after the queue's
 *   maxReceiveCount, moves it to the dead-letter queue.
 *
 * Queue errors back off exponentially with jitter and show in the health (`/maildiag watch`)
 * and the logs. stop() (SIGTERM) stops polling at once (the long poll is aborted) and lets
 * the batch in hand finish: recorded, grouped and deleted.
 *
 * One replica at a time consumes: the loop holds a lease in the watch store and stands by
 * while another holder's lease is live.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import { awsErrorCode } from '../io/aws.js';
import { type Classifier, GROUP_KINDS, type WatchItem } from './classify.js';
import { type Grouper, NEW_CATEGORY_MEMORY_MS } from './groups.js';
import type { Publisher } from './publisher.js';
import { LEFT_FOR_DLQ, parseSesMessage, type SesEvent, type SkipReason } from './ses-events.js';
import type { EventQueue, QueueMessage } from './sqs.js';
import type { WatchStore } from './store.js';

export const DEDUPE_TTL_MS = 24 * 3_600_000;
export const INTAKE_LEASE = 'watch-intake';
export const LEASE_TTL_MS = 60_000;
const LEASE_RENEW_MS = 20_000;
const STANDBY_RETRY_MS = 15_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Counts kept for `/maildiag watch` (the last hour is shown; a day is kept). */
const KEEP_COUNTS_MS = 86_400_000;

export type Outcome = 'processed' | 'duplicate' | 'skipped' | 'left';

export interface BatchResult {
  received: number;
  outcomes: Array<{ id: string; outcome: Outcome; reason?: SkipReason | 'processing-failed' | 'record-failed' }>;
  deleted: number;
  deleteFailed: number;
}

export interface IntakeCounters {
  received: number;
  processed: number;
  duplicates: number;
  skipped: Partial<Record<SkipReason, number>>;
  left: Partial<Record<SkipReason | 'processing-failed' | 'record-failed', number>>;
  deleteFailures: number;
  queueErrors: number;
}

export interface IntakeHealth {
  state: 'idle' | 'polling' | 'backing-off' | 'standby' | 'stopped';
  healthy: boolean;
  lastReceiveAt: Date | undefined;
  lastError: { at: Date; code: string; message: string } | undefined;
  consecutiveFailures: number;
  /** Age of the oldest message in the last non-empty batch when it was received (SentTimestamp). */
  oldestMessageAgeMs: number | undefined;
  counters: IntakeCounters;
}

export interface IntakeDeps {
  queue: EventQueue;
  store: WatchStore;
  classifier: Classifier;
  grouper: Grouper;
  publisher: Publisher;
  clock: Clock;
  log: Logger;
  waitSeconds: number;
  /** This replica's name in the lease. */
  holder: string;
  /** Abortable wait (tests pass one that resolves at once and records the delay). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Observers (tests, benchmark). */
  onBatch?: (result: BatchResult) => void;
}

export interface Intake {
  /** Starts the loop in the background. */
  start(): void;
  /** Stops polling and waits for the batch in hand; then closes the groups' messages. */
  stop(): Promise<void>;
  /** One receive and its processing (tests and the benchmark drive the loop by hand). */
  pollOnce(signal?: AbortSignal): Promise<BatchResult>;
  health(): IntakeHealth;
}

export const realSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out but never spin. */
export function backoffDelay(failures: number, random: () => number): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

interface Prepared {
  message: QueueMessage;
  event?: SesEvent;
  items?: WatchItem[];
  outcome?: BatchResult['outcomes'][number];
}

export function createIntake(deps: IntakeDeps): Intake {
  const { queue, store, classifier, grouper, publisher, clock } = deps;
  const log = deps.log.child({ component: 'watch-intake' });
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const counters: IntakeCounters = { received: 0, processed: 0, duplicates: 0, skipped: {}, left: {}, deleteFailures: 0, queueErrors: 0 };
  let state: IntakeHealth['state'] = 'idle';
  let lastReceiveAt: Date | undefined;
  let lastError: IntakeHealth['lastError'];
  let consecutiveFailures = 0;
  let oldestMessageAgeMs: number | undefined;
  let stopping = false;
  const abort = new AbortController();
  let loop: Promise<void> | undefined;
  let leaseRenewedAt = Number.NEGATIVE_INFINITY;
  let prunedAt = Number.NEGATIVE_INFINITY;
  let seeded: Promise<void> | undefined;
  /** Categories seen before (by this or another replica, before a restart) are not new. */
  const seedCategories = (): Promise<void> => {
    seeded ??= store
      .knownCategories(new Date(clock.now().getTime() - NEW_CATEGORY_MEMORY_MS))
      .then((entries) => grouper.seedKnown(entries))
      .catch((error: unknown) => log.warn({ err: error }, 'could not read known categories: every category counts as new until seen'));
    return seeded;
  };

  const bump = <K extends string>(map: Partial<Record<K, number>>, key: K): void => {
    map[key] = (map[key] ?? 0) + 1;
  };

  const prepare = (message: QueueMessage): Prepared => {
    const parsed = parseSesMessage(message.body);
    if (!parsed.ok) {
      const left = LEFT_FOR_DLQ.has(parsed.reason);
      const fields = { sqsMessageId: message.id, snsMessageId: parsed.snsMessageId, reason: parsed.reason, detail: parsed.detail, receiveCount: message.receiveCount, bytes: message.body.length };
      // A poison message comes back until the DLQ takes it: warn on its first delivery only.
      if (left && message.receiveCount <= 1) log.warn(fields, 'event left for the dead-letter queue');
      else if (left) log.debug(fields, 'event left for the dead-letter queue (again)');
      else log.info(fields, 'event skipped');
      if (left) bump(counters.left, parsed.reason);
      else bump(counters.skipped, parsed.reason);
      return { message, outcome: { id: message.id, outcome: left ? 'left' : 'skipped', reason: parsed.reason } };
    }
    try {
      const items = GROUP_KINDS.has(parsed.event.type) ? classifier.classify(parsed.event) : [];
      return { message, event: parsed.event, items };
    } catch (error) {
      log.error({ sqsMessageId: message.id, err: error, type: parsed.event.type }, 'event processing failed: left for redelivery');
      bump(counters.left, 'processing-failed');
      return { message, outcome: { id: message.id, outcome: 'left', reason: 'processing-failed' } };
    }
  };

  const processBatch = async (messages: QueueMessage[]): Promise<BatchResult> => {
    const now = clock.now();
    counters.received += messages.length;
    const sent = messages.flatMap((m) => (m.sentAt ? [m.sentAt.getTime()] : []));
    if (sent.length > 0) oldestMessageAgeMs = Math.max(0, now.getTime() - Math.min(...sent));
    publisher.closed(grouper.closeExpired(now));

    const prepared = messages.map(prepare);
    const events = prepared.filter((p): p is Prepared & { event: SesEvent; items: WatchItem[] } => p.event !== undefined && p.items !== undefined);
    let fresh: Set<string>;
    try {
      fresh = await store.recordEvents(now, events.map((p) => ({ dedupeId: p.event.dedupeId, type: p.event.type })), DEDUPE_TTL_MS);
    } catch (error) {
      log.error({ err: error, events: events.length }, 'could not record events: left for redelivery');
      for (const p of events) {
        bump(counters.left, 'record-failed');
        p.outcome = { id: p.message.id, outcome: 'left', reason: 'record-failed' };
      }
      fresh = new Set();
    }
    const items: WatchItem[] = [];
    for (const p of events) {
      if (p.outcome) continue;
      if (fresh.delete(p.event.dedupeId)) {
        counters.processed += 1;
        items.push(...p.items);
        p.outcome = { id: p.message.id, outcome: 'processed' };
      } else {
        counters.duplicates += 1;
        log.debug({ sqsMessageId: p.message.id, dedupeId: p.event.dedupeId, receiveCount: p.message.receiveCount }, 'duplicate event delivery');
        p.outcome = { id: p.message.id, outcome: 'duplicate' };
      }
    }
    if (items.length > 0) {
      await seedCategories();
      publisher.changed(grouper.add(items, now));
      await store.rememberCategories(grouper.drainSeen()).catch((error: unknown) => log.warn({ err: error }, 'could not remember categories'));
    }

    const outcomes = prepared.map((p) => p.outcome ?? { id: p.message.id, outcome: 'left' as const, reason: 'processing-failed' as const });
    const toDelete = prepared.filter((p) => p.outcome && p.outcome.outcome !== 'left').map((p) => p.message);
    let deleteFailed = 0;
    if (toDelete.length > 0) {
      try {
        deleteFailed = (await queue.delete(toDelete)).length;
      } catch (error) {
        deleteFailed = toDelete.length;
        log.warn({ err: error, awsCode: awsErrorCode(error), messages: toDelete.length }, 'could not delete handled messages: they will be redelivered and de-duplicated');
      }
    }
    counters.deleteFailures += deleteFailed;
    const result: BatchResult = { received: messages.length, outcomes, deleted: toDelete.length - deleteFailed, deleteFailed };
    if (clock.now().getTime() - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = clock.now().getTime();
      await store.prune(clock.now(), KEEP_COUNTS_MS).catch((error: unknown) => log.warn({ err: error }, 'could not prune the watch store'));
    }
    deps.onBatch?.(result);
    return result;
  };

  const pollOnce = async (signal?: AbortSignal): Promise<BatchResult> => {
    const messages = await queue.receive({ maxMessages: 10, waitSeconds: deps.waitSeconds, ...(signal ? { signal } : {}) });
    lastReceiveAt = clock.now();
    consecutiveFailures = 0;
    return processBatch(messages);
  };

  const holdLease = async (): Promise<boolean> => {
    const now = clock.now();
    if (state !== 'standby' && now.getTime() - leaseRenewedAt < LEASE_RENEW_MS) return true;
    const held = await store.acquireLease(INTAKE_LEASE, deps.holder, now, LEASE_TTL_MS);
    if (held) leaseRenewedAt = now.getTime();
    if (held && state === 'standby') log.info({ holder: deps.holder }, 'event intake lease taken: consuming the queue');
    if (!held && state !== 'standby') log.info({ holder: deps.holder }, 'another replica consumes the event queue: standing by');
    return held;
  };

  const run = async (): Promise<void> => {
    log.info({ queue: queue.url, waitSeconds: deps.waitSeconds }, 'event intake started');
    while (!stopping) {
      try {
        if (!(await holdLease())) {
          state = 'standby';
          await sleep(STANDBY_RETRY_MS, abort.signal);
          continue;
        }
        state = 'polling';
        await pollOnce(abort.signal);
      } catch (error) {
        if (stopping) break;
        consecutiveFailures += 1;
        counters.queueErrors += 1;
        const code = awsErrorCode(error);
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 200);
        lastError = { at: clock.now(), code, message };
        const delay = backoffDelay(consecutiveFailures, random);
        state = 'backing-off';
        log.warn({ awsCode: code, err: error, consecutiveFailures, retryInMs: delay }, 'event queue error: backing off');
        await sleep(delay, abort.signal);
      }
    }
    state = 'stopped';
    await store.releaseLease(INTAKE_LEASE, deps.holder).catch(() => undefined);
    log.info(counters, 'event intake stopped');
  };

  return {
    start() {
      if (loop) return;
      loop = run();
    },
    async stop() {
      stopping = true;
      abort.abort();
      await loop;
      state = 'stopped';
    },
    pollOnce,
    health() {
      const pollBudgetMs = (deps.waitSeconds + 60) * 1_000;
      const fresh = lastReceiveAt !== undefined && clock.now().getTime() - lastReceiveAt.getTime() <= pollBudgetMs;
      return {
        state,
        healthy: (state === 'polling' && consecutiveFailures === 0 && fresh) || state === 'standby',
        lastReceiveAt,
        lastError,
        consecutiveFailures,
        oldestMessageAgeMs,
        counters: { ...counters, skipped: { ...counters.skipped }, left: { ...counters.left } },
      };
    },
  };
}
