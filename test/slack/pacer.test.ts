import { describe, expect, it } from 'vitest';
import { createChannelPacer } from '../../src/slack/pacer.js';

/** A clock the test moves by hand: sleeping advances it, so no real time passes. */
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
  it('spaces posts in one channel an interval after the previous post finished', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(1_000, time.now, time.sleep);
    const posted: number[] = [];
    const post = (duration: number) => async () => {
      posted.push(time.now());
      time.advance(duration);
    };
    await Promise.all([pacer.run('C1', post(300)), pacer.run('C1', post(50)), pacer.run('C1', post(0))]);
    // Each post starts 1 s after the previous one ended (a slow post pushes the next one back).
    expect(posted).toEqual([0, 1_300, 2_350]);
    expect(time.sleeps).toEqual([1_000, 1_000]);
  });

  it('does not hold back other channels, or a channel that has been quiet', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(1_000, time.now, time.sleep);
    await pacer.run('C1', async () => undefined);
    await pacer.run('C2', async () => undefined);
    time.advance(1_500);
    await pacer.run('C1', async () => undefined);
    expect(time.sleeps).toEqual([]);
  });

  it('keeps the queue moving after a failed post, and returns each post its own result', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(1_000, time.now, time.sleep);
    const failing = pacer.run('C1', async () => {
      throw new Error('not_in_channel');
    });
    const next = pacer.run('C1', async () => 'ok');
    await expect(failing).rejects.toThrow('not_in_channel');
    await expect(next).resolves.toBe('ok');
    expect(time.sleeps).toEqual([1_000]);
  });

  it('with interval 0 never waits', async () => {
    const time = fakeTime();
    const pacer = createChannelPacer(0, time.now, time.sleep);
    await Promise.all([pacer.run('C1', async () => 1), pacer.run('C1', async () => 2)]);
    expect(time.sleeps).toEqual([]);
  });
});
