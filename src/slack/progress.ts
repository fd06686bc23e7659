/**
 * Coalesced progress updates for one message: layers finish in bursts, and Slack allows
 * about one update per second per message, so at most one `chat.update` is in flight and
 * at most one is sent per `minIntervalMs`; the latest state always wins. The timer is
 * injectable so tests run with no delay and no sleeps.
 */
export interface Scheduler {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
}

export const realScheduler: Scheduler = {
  now: () => performance.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface CoalescedUpdater<T> {
  /** Records a new state; it is sent now or at the next allowed moment. */
  push(state: T): void;
  /** Drops any pending state, waits for the update in flight, then sends `final`. */
  finish(final: T): Promise<void>;
}

export function createCoalescedUpdater<T>(options: {
  send: (state: T) => Promise<void>;
  minIntervalMs: number;
  scheduler?: Scheduler;
  onError?: (error: unknown) => void;
}): CoalescedUpdater<T> {
  const scheduler = options.scheduler ?? realScheduler;
  let pending: { state: T } | undefined;
  let inFlight: Promise<void> | undefined;
  let cancelTimer: (() => void) | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let finished = false;

  const sendNow = (state: T): Promise<void> => {
    lastSentAt = scheduler.now();
    const sending = options
      .send(state)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
        pump();
      });
    inFlight = sending;
    return sending;
  };

  const pump = (): void => {
    if (finished || !pending || inFlight || cancelTimer) return;
    const wait = lastSentAt + options.minIntervalMs - scheduler.now();
    if (wait > 0) {
      cancelTimer = scheduler.schedule(() => {
        cancelTimer = undefined;
        pump();
      }, wait);
      return;
    }
    const { state } = pending;
    pending = undefined;
    void sendNow(state);
  };

  return {
    push(state) {
      if (finished) return;
      pending = { state };
      pump();
    },
    async finish(final) {
      finished = true;
      pending = undefined;
      cancelTimer?.();
      cancelTimer = undefined;
      while (inFlight) await inFlight;
      await options.send(final);
    },
  };
}
