/**
 * A burst through the real Bolt app and HTTP receiver: every ack comes back while every
 * diagnosis is still held (the ack never waits for diagnosis work), runs past the concurrency
 * limit post a "queued" summary that turns into the report, and past the queue limit the
 * request gets the private busy answer and no run starts. Held diagnoses, not timings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Check, LayerModule } from '../../src/core/engine.js';
import { makeFinding } from '../../src/core/finding.js';
import { SUMMARY_BLOCK_FINAL, SUMMARY_BLOCK_QUEUED } from '../../src/slack/ids.js';
import type { Block } from '../../src/slack/render/blocks.js';
import type { RecordedCall } from '../support/slack-api.js';
import { appMentionEnvelope, commandFields } from '../support/slack-requests.js';
import { type Harness, startHarness, USER } from './harness.js';

const firstBlockId = (call: RecordedCall): string | undefined => (call.args.blocks as Block[] | undefined)?.[0]?.block_id;

/** A DNS-layer check that holds every diagnosis until the test releases it. */
function heldDiagnosis() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const counts = { started: 0, finished: 0 };
  const check: Check = {
    id: 'held',
    layer: 'dns',
    title: 'Held check',
    async run() {
      counts.started += 1;
      await released;
      counts.finished += 1;
      return [makeFinding('dns', 'held', { status: 'pass', title: 'Held check', summary: 'released' })];
    },
  };
  const modules = (defaults: readonly LayerModule[]): LayerModule[] =>
    defaults.map((module) => (module.layer === 'dns' ? { ...module, checks: [...module.checks, check] } : module));
  return { modules, release, counts };
}

async function health(h: Harness): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.baseUrl}/healthz`);
  return (await response.json()) as Record<string, unknown>;
}

describe('a burst of commands', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('acks 30 commands before any diagnosis finishes; runs past the limit say "queued" and end in a report', async () => {
    const held = heldDiagnosis();
    const concurrent = 4;
    let reported = 0;
    let allReported!: () => void;
    const everyReport = new Promise<void>((resolve) => {
      allReported = resolve;
    });
    h = await startHarness({
      modules: held.modules,
      env: { MAILDIAG_MAX_CONCURRENT_RUNS: String(concurrent), MAILDIAG_MAX_QUEUED_RUNS: '100' },
      logLevel: 'info',
      deps: {
        onRunFinished: () => {
          reported += 1;
          if (reported === 30) allReported();
        },
      },
    });
    const harness = h;
    const channels = Array.from({ length: 30 }, (_, i) => `C0BURST${String(i).padStart(2, '0')}`);
    const acks = await Promise.all(
      channels.map((channel) =>
        harness.requests.command(commandFields({ text: 'admin@customer.example to=alice@recipient.example', channel, user: USER, responseUrl: harness.slack.responseUrl(channel) })),
      ),
    );
    expect(held.counts.finished).toBe(0);
    expect(acks.map((a) => a.status)).toEqual(channels.map(() => 200));
    expect(acks.every((a) => a.body === '')).toBe(true);

    // 4 run, 26 wait; each waiting run posted a "queued, N ahead" summary, the others a progress summary.
    const firstPosts = await Promise.all(
      channels.map((channel) =>
        harness.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.args.thread_ts === undefined, `the summary in ${channel}`),
      ),
    );
    const queuedPosts = firstPosts.filter((c) => firstBlockId(c) === SUMMARY_BLOCK_QUEUED);
    expect(queuedPosts).toHaveLength(30 - concurrent);
    for (const post of queuedPosts) expect(String(post.args.text)).toMatch(/^maildiag queued, \d+ ahead: will check admin@customer\.example → alice@recipient\.example$/);
    expect(new Set(queuedPosts.map((p) => String(p.args.text).match(/queued, (\d+) ahead/)?.[1]))).toEqual(new Set(Array.from({ length: 26 }, (_, i) => String(i))));
    expect(await health(harness)).toMatchObject({ ok: true, activeRuns: concurrent, queuedRuns: 30 - concurrent, maxConcurrentRuns: concurrent });
    expect(held.counts.started).toBe(concurrent);

    const finals = Promise.all(
      channels.map((channel) =>
        harness.slack.waitFor((c) => c.method === 'chat.update' && c.args.channel === channel && firstBlockId(c) === SUMMARY_BLOCK_FINAL, `final summary in ${channel}`),
      ),
    );
    held.release();
    const finalUpdates = await finals;
    await everyReport;
    expect(held.counts.finished).toBe(30);
    // A queued run's summary message itself became the report: same ts, no second summary.
    for (const post of queuedPosts) {
      const ts = post.result?.ts;
      expect(finalUpdates.find((u) => u.args.channel === post.args.channel)?.args.ts).toBe(ts);
      const roots = harness.slack.ok('chat.postMessage').filter((c) => c.args.channel === post.args.channel && c.args.thread_ts === undefined);
      expect(roots).toHaveLength(1);
    }
    expect(await health(harness)).toMatchObject({ activeRuns: 0, queuedRuns: 0, refusedRuns: 0, postingThreads: 0 });
  });

  it('past the queue limit answers "busy" privately, counts and logs the refusal, and starts no run for it', async () => {
    const held = heldDiagnosis();
    h = await startHarness({ modules: held.modules, env: { MAILDIAG_MAX_CONCURRENT_RUNS: '1', MAILDIAG_MAX_QUEUED_RUNS: '2' } });
    const harness = h;
    const send = (channel: string) =>
      harness.requests.command(commandFields({ text: 'example.com', channel, user: USER, responseUrl: harness.slack.responseUrl(channel) }));
    // One by one, so which three are accepted is known.
    for (const channel of ['C0A', 'C0B', 'C0C']) expect((await send(channel)).body).toBe('');
    // Joining the queue follows the ack (after the replay check): wait until all three have joined.
    for (const channel of ['C0A', 'C0B', 'C0C']) await harness.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === channel, `the summary in ${channel}`);
    const refused = await send('C0D');
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ response_type: 'ephemeral', text: ':no_entry: busy: 2 diagnoses queued, try again in a minute.' });
    // A mention past the limit gets the same answer as an ephemeral message.
    await harness.requests.event(appMentionEnvelope({ eventId: 'Ev0BUSY', channel: 'C0E', user: USER, text: '<@U0BOT> diagnose', ts: '1700000000.000100' }));
    const ephemeral = await harness.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.channel === 'C0E', 'the busy answer to the mention');
    expect(String(ephemeral.args.text)).toContain('busy: 2 diagnoses queued');

    const refusals = harness.logs.lines.filter((l) => l.msg === 'refused: run queue full');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ level: 40, queued: 2, maxQueued: 2, channel: 'C0D' });
    expect(await health(harness)).toMatchObject({ activeRuns: 1, queuedRuns: 2, refusedRuns: 2 });

    const finals = Promise.all(
      ['C0A', 'C0B', 'C0C'].map((channel) =>
        harness.slack.waitFor((c) => c.method === 'chat.update' && c.args.channel === channel && firstBlockId(c) === SUMMARY_BLOCK_FINAL, `report in ${channel}`),
      ),
    );
    held.release();
    await finals;
    expect(held.counts.started).toBe(3);
    expect(harness.slack.calls.filter((c) => c.method === 'chat.postMessage' && (c.args.channel === 'C0D' || c.args.channel === 'C0E'))).toEqual([]);
  });

  it('on stop, runs that never started are told they were cancelled, in the channel and privately', async () => {
    const held = heldDiagnosis();
    h = await startHarness({ modules: held.modules, env: { MAILDIAG_MAX_CONCURRENT_RUNS: '1', MAILDIAG_MAX_QUEUED_RUNS: '5' } });
    const harness = h;
    for (const channel of ['C0A', 'C0B']) {
      await harness.requests.command(commandFields({ text: 'example.com', channel, user: USER, responseUrl: harness.slack.responseUrl(channel) }));
    }
    const queued = await harness.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0B' && firstBlockId(c) === SUMMARY_BLOCK_QUEUED, 'the queued summary');
    const stopping = harness.handle.stop({ drainMs: 0, cancelMs: 10_000 });
    const cancelled = await harness.slack.waitFor((c) => c.method === 'chat.update' && c.args.channel === 'C0B', 'the cancelled summary');
    expect(cancelled.args.ts).toBe(queued.result?.ts);
    expect(String(cancelled.args.text)).toContain('cancelled');
    const told = await harness.slack.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('cancelled before it started'), 'the private notice');
    expect(told.args.response_type).toBe('ephemeral');
    held.release();
    await stopping;
    expect(held.counts.started).toBe(1);
    expect(harness.logs.lines.some((l) => l.msg === 'queued runs cancelled at shutdown; their requesters were told' && l.cancelledRuns === 1)).toBe(true);
  });
});
