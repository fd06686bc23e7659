/** A clock and timers that move only when a test says so: no sleeps, no real time. */
import type { Scheduler } from '../../src/slack/progress.js';

export interface ManualScheduler extends Scheduler {
  /** Moves time on and runs the timers that came due, in the order they were due. */
  advance(ms: number): void;
}

export function manualScheduler(startMs = 0): ManualScheduler {
  let now = startMs;
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    schedule(fn, ms) {
      const timer = { at: now + ms, fn, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    advance(ms) {
      now += ms;
      for (;;) {
        const due = timers.filter((t) => !t.cancelled && t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        due.cancelled = true;
        due.fn();
      }
    },
  };
}
