/** The run queue: order, the limit, draining, cancel on stop, and failures that do not stall it. */
import { describe, expect, it } from 'vitest';
import { createRunQueue, type RunJob, type RunQueue, RunCancelledError } from '../../src/slack/run-queue.js';

interface Gate {
  promise: Promise<void>;
  open(): void;
  fail(error: Error): void;
}

function gate(): Gate {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** A job that records when it starts and finishes, and waits for its gate. */
function job(name: string, events: string[], g: Gate = gate()): RunJob & { gate: Gate } {
  return {
    gate: g,
    async run() {
      events.push(`start ${name}`);
      await g.promise;
      events.push(`end ${name}`);
    },
    async cancelled() {
      events.push(`cancelled ${name}`);
    },
  };
}

function submit(queue: RunQueue, j: RunJob) {
  const reservation = queue.reserve();
  if (!reservation) throw new Error('refused');
  return reservation.submit(j);
}

/** Lets queued microtasks (p-queue's hand-over to the next job) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

describe('run queue', () => {
  it('runs at most maxConcurrent at once and starts waiting runs in arrival order', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 2, maxQueued: 10 });
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((name) => job(name, events));
    const admissions = jobs.map((j) => submit(queue, j));
    expect(admissions).toEqual([
      { startsNow: true, ahead: 0 },
      { startsNow: true, ahead: 0 },
      { startsNow: false, ahead: 0 },
      { startsNow: false, ahead: 1 },
      { startsNow: false, ahead: 2 },
    ]);
    await settle();
    expect(events).toEqual(['start a', 'start b']);
    expect(queue.stats()).toMatchObject({ active: 2, queued: 3 });
    jobs[1]!.gate.open();
    await settle();
    expect(events).toEqual(['start a', 'start b', 'end b', 'start c']);
    jobs[0]!.gate.open();
    await settle();
    expect(events.slice(-2)).toEqual(['end a', 'start d']);
    for (const j of jobs) j.gate.open();
    await queue.stop({ drainMs: 10_000 });
    expect(events.filter((e) => e.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d', 'start e']);
  });

  it('refuses past maxQueued waiting runs, counts the refusals, and never starts a refused run', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 2 });
    const jobs = ['a', 'b', 'c'].map((name) => job(name, events));
    for (const j of jobs) submit(queue, j);
    expect(queue.reserve()).toBeUndefined();
    expect(queue.reserve()).toBeUndefined();
    expect(queue.stats()).toEqual({ active: 1, queued: 2, maxConcurrent: 1, maxQueued: 2, refused: 2, posting: 0 });
    // A place frees when a run finishes.
    jobs[0]!.gate.open();
    await settle();
    const again = queue.reserve();
    expect(again).toBeDefined();
    again?.release();
    for (const j of jobs) j.gate.open();
    await queue.stop({ drainMs: 10_000 });
    expect(events.filter((e) => e.startsWith('start'))).toEqual(['start a', 'start b', 'start c']);
  });

  it('a reservation holds its place until it is submitted or released', () => {
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 1 });
    const first = queue.reserve();
    const second = queue.reserve();
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(queue.reserve()).toBeUndefined();
    second?.release();
    second?.release(); // twice is harmless
    const third = queue.reserve();
    expect(third).toBeDefined();
    expect(() => {
      const events: string[] = [];
      const j = job('x', events);
      first?.submit(j);
      first?.submit(j);
    }).toThrow(/already used/);
  });

  it('a failed run frees its slot and the next run starts', async () => {
    const events: string[] = [];
    const errors: unknown[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 5, onError: (error) => errors.push(error) });
    const failing = job('bad', events);
    const next = job('next', events);
    submit(queue, failing);
    submit(queue, next);
    failing.gate.fail(new Error('boom'));
    await settle();
    expect(events).toEqual(['start bad', 'start next']);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
    next.gate.open();
    const result = await queue.stop({ drainMs: 10_000 });
    expect(result).toEqual({ drained: true, cancelled: 0, stillActive: 0 });
  });

  it('stop drains: waiting runs still start and finish while time allows', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 5 });
    const jobs = ['a', 'b'].map((name) => job(name, events));
    for (const j of jobs) submit(queue, j);
    const stopping = queue.stop({ drainMs: 60_000 });
    expect(queue.reserve()).toBeUndefined();
    jobs[0]!.gate.open();
    await settle();
    jobs[1]!.gate.open();
    expect(await stopping).toEqual({ drained: true, cancelled: 0, stillActive: 0 });
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('stop without time to drain tells every waiting run it was cancelled, and never starts it', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 5 });
    const told = gate();
    const jobs = ['a', 'b', 'c'].map((name) => {
      const j = job(name, events);
      return {
        ...j,
        async cancelled() {
          await j.cancelled();
          if (events.filter((e) => e.startsWith('cancelled')).length === 2) told.open();
        },
      };
    });
    for (const j of jobs) submit(queue, j);
    const stopping = queue.stop({ drainMs: 0, cancelMs: 60_000 });
    await told.promise;
    // The running run keeps its slot until it ends; stop waits for it.
    jobs[0]!.gate.open();
    const result = await stopping;
    expect(result).toEqual({ drained: false, cancelled: 2, stillActive: 0 });
    expect(events).toEqual(['start a', 'cancelled b', 'cancelled c', 'end a']);
    for (const j of jobs) j.gate.open();
    await settle();
    expect(events.filter((e) => e.startsWith('start'))).toEqual(['start a']);
  });
});

describe('run queue: detached work', () => {
  it('work a run hands off frees its slot at once, and stop still waits for it', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 5 });
    const tail = gate();
    submit(queue, {
      async run() {
        events.push('start a');
        queue.detach(tail.promise.then(() => events.push('tail a done')));
      },
      async cancelled() {},
    });
    const b = job('b', events);
    submit(queue, b);
    await settle();
    // b started although a's tail is still going; the tail is counted as posting, not as a run.
    expect(events).toEqual(['start a', 'start b']);
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0, posting: 1 });
    b.gate.open();
    const stopping = queue.stop({ drainMs: 60_000 });
    await settle();
    expect(events).not.toContain('tail a done');
    tail.open();
    expect(await stopping).toEqual({ drained: true, cancelled: 0, stillActive: 0 });
    expect(events).toContain('tail a done');
    expect(queue.stats()).toMatchObject({ active: 0, posting: 0 });
  });

  it('detached work that fails is reported once and no longer counted as posting', async () => {
    const errors: unknown[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 1, onError: (error) => errors.push(error) });
    const tail = gate();
    queue.detach(tail.promise.then(() => Promise.reject(new Error('thread post failed'))));
    expect(queue.stats().posting).toBe(1);
    tail.open();
    await settle();
    expect(queue.stats().posting).toBe(0);
    expect(errors).toEqual([new Error('thread post failed')]);
  });
});

describe('background work (the scheduled audit)', () => {
  it('waits behind waiting requests, holds a slot while it runs, is never refused, and is not counted ahead of requests', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 1 });
    const a = job('a', events);
    submit(queue, a);
    let releaseAudit!: () => void;
    const audit = queue.background(async () => {
      events.push('start audit');
      await new Promise<void>((resolve) => {
        releaseAudit = resolve;
      });
      events.push('end audit');
      return 'audited';
    });
    const b = job('b', events);
    // The waiting audit is not ahead of a request that arrives after it.
    expect(submit(queue, b)).toEqual({ startsNow: false, ahead: 0 });
    await settle();
    a.gate.open();
    await settle();
    b.gate.open();
    await settle();
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start audit']);
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0 });
    releaseAudit();
    await expect(audit).resolves.toBe('audited');
    expect(queue.stats().refused).toBe(0);
  });

  it('is told it was cancelled when the queue stops before it starts', async () => {
    const events: string[] = [];
    const queue = createRunQueue({ maxConcurrent: 1, maxQueued: 5 });
    const a = job('a', events);
    submit(queue, a);
    const audit = queue.background(async () => 'never');
    const stopped = queue.stop({ drainMs: 0, cancelMs: 1_000 });
    await expect(audit).rejects.toBeInstanceOf(RunCancelledError);
    a.gate.open();
    await stopped;
    await expect(queue.background(async () => 'late')).rejects.toBeInstanceOf(RunCancelledError);
  });
});
