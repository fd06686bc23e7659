import { describe, expect, it } from 'vitest';
import { createChannelPacer } from '../../src/slack/pacer.js';

/** A clock the test moves by hand; sleeping advances it, so no real time passes. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

describe('channel pacer', () => {
  it('spaces posts in one channel one interval apart', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(1_000, time.now, time.sleep);
    await pacer.wait('C1');
    await pacer.wait('C1');
    await pacer.wait('C1');
    expect(time.sleeps).toEqual([1_000, 1_000]);
  });

  it('queues concurrent posts in order, each a full interval after the previous one', async () => {
    const time = fakeTime();
    const requested: number[] = [];
    const pacer = createChannelPacer(1_000, time.now, async (ms) => {
      requested.push(ms);
    });
    await Promise.all([pacer.wait('C1'), pacer.wait('C1'), pacer.wait('C1')]);
    expect(requested).toEqual([1_000, 2_000]);
  });

  it('does not hold back other channels or a channel that has been quiet', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(1_000, time.now, time.sleep);
    await pacer.wait('C1');
    await pacer.wait('C2');
    time.advance(1_500);
    await pacer.wait('C1');
    expect(time.sleeps).toEqual([]);
  });

  it('with interval 0 never waits', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(0, time.now, time.sleep);
    await Promise.all([pacer.wait('C1'), pacer.wait('C1')]);
    expect(time.sleeps).toEqual([]);
  });
});
