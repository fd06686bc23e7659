/**
 * The run queue: accepted diagnoses run at most `maxConcurrent` at a time, the rest wait in
 * arrival order, and at most `maxQueued` wait; past that a request is refused (the caller
 * answers "busy"). Listeners only reserve a place and hand over a job, so an ack never waits
 * for parsing or diagnosis work, and a burst cannot starve the event loop that acks.
 *
 * Concurrency and FIFO order come from p-queue; this module adds the admission limit (with a
 * reservation, so a place checked before the ack is still there after it), "N ahead", the
 * counters /healthz shows, and a stop that drains what it can and cancels what never started.
 */
import PQueue from 'p-queue';

export interface RunJob {
  /** The run itself, started when a slot frees. A failure is logged and never stalls the queue. */
  run(): Promise<void>;
  /** The queue stopped before this run started: tell the requester. Never called after `run`. */
  cancelled(): Promise<void>;
}

export interface Admission {
  /** False: it waits; `ahead` runs wait before it (runs in progress are not counted). */
  startsNow: boolean;
  ahead: number;
}

/** A place in the queue, held between the admission check and the hand-over of the job. */
export interface Reservation {
  submit(job: RunJob): Admission;
  /** The request turned out to need no run (bad input): give the place back. */
  release(): void;
}

export interface RunQueueStats {
  active: number;
  queued: number;
  maxConcurrent: number;
  maxQueued: number;
  /** Requests refused since start because the queue was full. */
  refused: number;
  /** Threads still being posted by runs that have finished (detached work, holding no slot). */
  posting: number;
}

export interface RunQueueStopResult {
  /** True when every accepted run finished (or was told it was cancelled) in time. */
  drained: boolean;
  /** Runs that never started and were told so. */
  cancelled: number;
  /** Runs still going when the time was up. */
  stillActive: number;
}

export interface RunQueue {
  /** A place for one run, or undefined when `maxQueued` runs already wait (the refusal is counted). */
  reserve(): Reservation | undefined;
  stats(): RunQueueStats;
  /** Work a run handed off (posting its paced thread): it holds no slot, but stop waits for it. */
  detach(work: Promise<unknown>): void;
  /**
   * Background work that needs a run slot (the watch's scheduled audit): it waits behind every
   * waiting request, is never refused, and rejects with `RunCancelledError` if the queue stops
   * before it starts.
   */
  background<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Stops taking runs; lets queued runs start and finish until `drainMs` is up, then cancels
   * those that have not started (each is told) and waits up to `cancelMs` more for the
   * telling and for runs still in progress.
   */
  stop(options: { drainMs: number; cancelMs?: number }): Promise<RunQueueStopResult>;
}

export interface RunQueueOptions {
  maxConcurrent: number;
  maxQueued: number;
  /** Called with every run's unexpected failure (the job should handle its own). */
  onError?: (error: unknown) => void;
  /** Awaited before each run starts, holding its slot (the app waits for acks first: src/slack/ack-first.ts). */
  beforeRun?: () => Promise<void>;
}

const DEFAULT_CANCEL_MS = 5_000;
/** Requests run before background work that waits. */
const REQUEST_PRIORITY = 0;
const BACKGROUND_PRIORITY = -1;

/** Background work that never started because the queue stopped. */
export class RunCancelledError extends Error {
  constructor() {
    super('the run queue stopped before this work started');
    this.name = 'RunCancelledError';
  }
}

function sleep(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = sleep(ms);
  try {
    return await Promise.race([promise.then(() => true), timer.promise.then(() => false)]);
  } finally {
    timer.cancel();
  }
}

export function createRunQueue(options: RunQueueOptions): RunQueue {
  if (!(options.maxConcurrent >= 1) || !(options.maxQueued >= 0)) throw new RangeError('maxConcurrent must be >= 1 and maxQueued >= 0');
  const queue = new PQueue({ concurrency: options.maxConcurrent });
  let reserved = 0;
  let refused = 0;
  let stopping = false;
  /** Every accepted job's settlement (run, cancel or failure), so stop can wait for all of them. */
  const settlements = new Set<Promise<void>>();
  /** Cancellations in flight after a stop cleared the queue. */
  const cancellations = new Set<Promise<void>>();
  const onError = options.onError ?? (() => undefined);

  /** Requests waiting (and places reserved for them); background work waiting behind them is not counted. */
  const waiting = (): number => queue.sizeBy({ priority: REQUEST_PRIORITY }) + reserved;
  const hasFreeSlot = (): boolean => queue.pending < options.maxConcurrent && queue.size === 0;

  /** Detached work (paced thread posts) still in flight. */
  let posting = 0;
  const track = (promise: Promise<void>, set: Set<Promise<void>>): void => {
    set.add(promise);
    void promise.then(() => set.delete(promise));
  };

  const accept = (job: RunJob): Admission => {
    const startsNow = !stopping && hasFreeSlot();
    // Background work waiting behind this request is not ahead of it.
    const ahead = startsNow ? 0 : queue.sizeBy({ priority: REQUEST_PRIORITY });
    const ran = queue.add(async () => {
      try {
        await options.beforeRun?.();
        await job.run();
      } catch (error) {
        onError(error);
      }
    }, { priority: REQUEST_PRIORITY });
    track(
      ran.catch((error: unknown) => {
        // Only a stop's clear() rejects a waiting task: it never ran, so it is told.
        const told = job.cancelled().catch(onError);
        track(told, cancellations);
        if (!(error instanceof Error && error.name === 'AbortError')) onError(error);
        return told;
      }),
      settlements,
    );
    return { startsNow, ahead };
  };

  return {
    reserve() {
      // At most maxConcurrent running and maxQueued waiting (reservations count as waiting).
      if (stopping || queue.pending + waiting() >= options.maxConcurrent + options.maxQueued) {
        refused += 1;
        return undefined;
      }
      reserved += 1;
      let open = true;
      const close = (): boolean => {
        if (!open) return false;
        open = false;
        reserved -= 1;
        return true;
      };
      return {
        submit(job) {
          if (!close()) throw new Error('reservation already used');
          return accept(job);
        },
        release() {
          close();
        },
      };
    },
    detach(work) {
      posting += 1;
      track(
        work
          .then(
            () => undefined,
            (error: unknown) => onError(error),
          )
          .finally(() => {
            posting -= 1;
          }),
        settlements,
      );
    },
    background<T>(work: () => Promise<T>): Promise<T> {
      if (stopping) return Promise.reject(new RunCancelledError());
      let started = false;
      const ran = queue.add(
        async () => {
          started = true;
          await options.beforeRun?.();
          return work();
        },
        { priority: BACKGROUND_PRIORITY },
      ) as Promise<T>;
      // Stop waits for it like for any run; a clear() before it started is a cancellation.
      const settled = ran.then(
        () => undefined,
        () => undefined,
      );
      track(settled, settlements);
      return ran.catch((error: unknown) => {
        if (!started) throw new RunCancelledError();
        throw error;
      });
    },
    stats() {
      return { active: queue.pending, queued: waiting(), maxConcurrent: options.maxConcurrent, maxQueued: options.maxQueued, refused, posting };
    },
    async stop({ drainMs, cancelMs = DEFAULT_CANCEL_MS }) {
      stopping = true;
      const all = (): Promise<unknown> => Promise.all([...settlements]);
      const drained = await within(all(), drainMs);
      const cancelled = queue.size;
      if (!drained) queue.clear();
      const finished = drained || (await within(Promise.all([all(), ...cancellations]), cancelMs));
      return { drained: finished && drained, cancelled, stillActive: queue.pending };
    },
  };
}
