/** Acks first: work after an ack waits while requests arrive, then resumes one piece per turn, never longer than the cap. */
import { describe, expect, it } from 'vitest';
import { createAckFirst } from '../../src/slack/ack-first.js';
import { type ManualScheduler, manualScheduler } from '../support/manual-scheduler.js';

/** A manual clock and a manual event loop: timers fire and turns pass only when the test says so. */
function manualLoop(): ManualScheduler & { nextTurn(fn: () => void): void; turn(): number } {
  let turns: Array<() => void> = [];
  return {
    ...manualScheduler(),
    nextTurn(fn) {
      turns.push(fn);
    },
    /** Runs the callbacks queued for the next turn; returns how many ran. */
    turn() {
      const due = turns;
      turns = [];
      for (const fn of due) fn();
      return due.length;
    },
  };
}

/** Lets resolved promises run their handlers. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

function setup(options: { quietMs?: number; maxDeferMs?: number } = {}) {
  const loop = manualLoop();
  const gate = createAckFirst({ quietMs: 10, maxDeferMs: 100, ...options, scheduler: loop, nextTurn: (fn) => loop.nextTurn(fn) });
  const resumed: string[] = [];
  const piece = (name: string): void => {
    void gate.turn().then(() => resumed.push(name));
  };
  return { loop, gate, resumed, piece };
}

describe('acks first', () => {
  it('never waits when no request arrived recently', async () => {
    const { gate, resumed, piece } = setup();
    piece('a');
    await settle();
    expect(resumed).toEqual(['a']);
    expect(gate.waiting).toBe(0);
  });

  it('holds work while requests arrive, then resumes it in order, one piece per turn', async () => {
    const { loop, gate, resumed, piece } = setup();
    gate.requestArrived();
    piece('a');
    piece('b');
    piece('c');
    loop.turn();
    await settle();
    expect(resumed).toEqual([]);
    // More requests within the quiet window keep the work waiting.
    loop.advance(8);
    gate.requestArrived();
    loop.advance(8);
    loop.turn();
    await settle();
    expect(resumed).toEqual([]);
    // Quiet for 10 ms: one piece resumes, the next waits for the next turn.
    loop.advance(2);
    await settle();
    expect(resumed).toEqual(['a']);
    loop.turn();
    await settle();
    expect(resumed).toEqual(['a', 'b']);
    // A request between two pieces is served first: the rest waits for quiet again.
    gate.requestArrived();
    loop.turn();
    await settle();
    expect(resumed).toEqual(['a', 'b']);
    loop.advance(10);
    await settle();
    expect(resumed).toEqual(['a', 'b', 'c']);
    expect(gate.waiting).toBe(0);
  });

  it('a piece that arrives behind waiting work queues behind it, even when requests are quiet', async () => {
    const { loop, gate, resumed, piece } = setup();
    gate.requestArrived();
    piece('a');
    loop.advance(10);
    // Quiet now, but 'a' still waits for its turn: 'b' does not overtake it.
    piece('b');
    await settle();
    expect(resumed).toEqual([]);
    loop.turn();
    await settle();
    expect(resumed).toEqual(['a']);
    loop.turn();
    await settle();
    expect(resumed).toEqual(['a', 'b']);
  });

  it('a steady stream of requests cannot hold work longer than the cap', async () => {
    const { loop, gate, resumed, piece } = setup({ maxDeferMs: 100 });
    gate.requestArrived();
    piece('a');
    piece('b');
    loop.turn();
    for (let t = 0; t < 95; t += 5) {
      loop.advance(5);
      gate.requestArrived();
    }
    await settle();
    expect(resumed).toEqual([]);
    loop.advance(5);
    gate.requestArrived();
    await settle();
    expect(resumed).toEqual(['a']);
    // Past the cap, one piece per turn even while requests keep coming.
    loop.turn();
    await settle();
    expect(resumed).toEqual(['a', 'b']);
  });
});
