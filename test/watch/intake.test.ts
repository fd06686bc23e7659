import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { OTHER_AWS_ACTIONS } from '../../src/io/aws.js';
import { registerWatchMetrics } from '../../src/watch/metrics.js';
import { MAX_BODY_BYTES } from '../../src/watch/ses-events.js';
import { openSqliteWatchStore, type WatchStore } from '../../src/watch/store.js';
import { blocksToText } from '../support/blockkit-text.js';
import { bounceEvent, complaintEvent, deliveryEvent, EXO_UNKNOWN_RECIPIENT, GMAIL_NO_SUCH_USER, MAILBOX_FULL, snsEnvelope } from '../support/ses-events.js';
import { DLQ, EVENTS_CHANNEL, posts, QUEUE, startWatchRig, updates, type WatchRig } from './support.js';

let rig: WatchRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const textOf = (call: { args: Record<string, unknown> }): string => blocksToText((call.args.blocks ?? []) as Array<Record<string, unknown>>, String(call.args.text ?? ''));

describe('SES event intake from SQS (real SDK client, loopback queue)', () => {
  it('diagnoses the canonical bounce, posts one group message with a Diagnose button, and deletes the message after recording it', async () => {
    rig = await startWatchRig();
    rig.send(snsEnvelope(bounceEvent([{ emailAddress: 'alice@recipient.example', diagnosticCode: EXO_UNKNOWN_RECIPIENT }])));
    const [batch] = await rig.drain();
    expect(batch?.outcomes).toEqual([{ id: expect.any(String), outcome: 'processed' }]);
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(0);
    expect(rig.aws.callsOf('ReceiveMessage')[0]?.params).toMatchObject({ MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
    expect(rig.aws.callsOf('DeleteMessageBatch')).toHaveLength(1);

    const [post] = posts(rig.slack);
    expect(post?.args.channel).toBe(EVENTS_CHANNEL);
    const text = textOf(post!);
    expect(text).toContain('1 bounce from customer.example to recipient.example');
    expect(text).toContain('recipient-unknown');
    expect(text).toContain('Exchange Online');
    expect(text).toContain('alice@recipient.example');
    expect(text).toMatch(/Now suppressed/);
    const button = JSON.stringify(post!.args.blocks);
    expect(button).toContain('maildiag.watch_diagnose');
    expect(await rig.store.eventCountsSince(new Date(0))).toEqual({ Bounce: 1 });

    // Every call the intake and /maildiag watch send is in the watch policy.
    expect(await rig.watch.statusText()).toContain('0 waiting');
    const policy = JSON.parse(readFileSync(new URL('../../docs/iam-policy.json', import.meta.url), 'utf8')) as { watch: { Statement: Array<{ Action: string[] }> } };
    const allowed = new Set(policy.watch.Statement.flatMap((s) => s.Action));
    const sent = new Set(rig.aws.calls.filter((c) => c.service === 'sqs').map((c) => c.operation));
    expect([...sent].sort()).toEqual(['DeleteMessageBatch', 'GetQueueAttributes', 'ReceiveMessage']);
    for (const operation of sent) expect(allowed).toContain(OTHER_AWS_ACTIONS[operation]);
  });

  it('counts a duplicate delivery (same SNS MessageId) once and deletes both copies', async () => {
    rig = await startWatchRig({ config: { minBounces: 1 } });
    const body = snsEnvelope(bounceEvent([{ emailAddress: 'bob@recipient.example', diagnosticCode: EXO_UNKNOWN_RECIPIENT }]), 'sns-dup-1');
    rig.send(body);
    rig.send(body);
    const results = await rig.drain();
    expect(results.flatMap((r) => r.outcomes.map((o) => o.outcome)).sort()).toEqual(['duplicate', 'processed']);
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(0);
    expect(await rig.store.eventCountsSince(new Date(0))).toEqual({ Bounce: 1 });
    await rig.watch.publisher?.flush();
    expect(textOf(posts(rig.slack)[0]!)).toContain('1 bounce from');
    expect(rig.watch.intake?.health().counters.duplicates).toBe(1);
  });

  it('leaves malformed, oversized and garbage bodies for redelivery and, after maxReceiveCount, the dead-letter queue; never posts them', async () => {
    rig = await startWatchRig({ queue: { maxReceiveCount: 2, visibilityTimeoutSeconds: 30 } });
    rig.send('{"notificationType": "Bounce", "mail": ');
    rig.send(JSON.stringify({ Type: 'Notification', MessageId: 'sns-garbage', Message: 'not json at all' }));
    rig.send(JSON.stringify({ Type: 'Notification', MessageId: 'sns-garbage-2', Message: JSON.stringify({ hello: 'world' }) }));
    rig.send(JSON.stringify(bounceEvent([{ emailAddress: 'x@recipient.example' }])).replace('"bounceType":"Permanent"', '"bounceType":42'));
    rig.send(`{"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`);
    const first = await rig.drain();
    const reasons = first.flatMap((r) => r.outcomes.map((o) => o.reason)).sort();
    expect(reasons).toEqual(['invalid-event', 'not-json', 'sns-not-json', 'sns-not-ses', 'too-large']);
    expect(first.every((r) => r.deleted === 0)).toBe(true);
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(5);

    // Visibility timeout passes: SQS delivers them again (receive count 2), still left.
    rig.aws.sqs.advance(31_000);
    const second = await rig.drain();
    expect(second.flatMap((r) => r.outcomes).filter((o) => o.outcome === 'left')).toHaveLength(5);
    // Past maxReceiveCount the queue's redrive moves them to the DLQ.
    rig.aws.sqs.advance(31_000);
    await rig.drain();
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(0);
    expect(rig.aws.sqs.queue(DLQ).messages).toHaveLength(5);
    expect(posts(rig.slack)).toHaveLength(0);
    // Warned once per message (first delivery), not on every redelivery.
    expect(rig.logs.filter((l) => l.msg === 'event left for the dead-letter queue')).toHaveLength(5);
    expect(rig.watch.intake?.health().counters.left).toMatchObject({ 'not-json': 2, 'too-large': 2 });
  });

  it('skips (and deletes) unknown event types and SNS control messages, counting them', async () => {
    rig = await startWatchRig();
    rig.send(JSON.stringify({ ...deliveryEvent(['a@b.example']), eventType: 'Teleport' }));
    rig.send(JSON.stringify({ Type: 'SubscriptionConfirmation', MessageId: 'sub-1', Message: 'You have chosen to subscribe', Token: 'x' }));
    const [batch] = await rig.drain();
    expect(batch?.outcomes.map((o) => [o.outcome, o.reason]).sort()).toEqual([
      ['skipped', 'sns-control'],
      ['skipped', 'unknown-type'],
    ]);
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(0);
    expect(rig.watch.intake?.health().counters.skipped).toEqual({ 'unknown-type': 1, 'sns-control': 1 });
  });

  it('remembers categories in the store: after a restart a known category is quiet again below the threshold', async () => {
    const store = openSqliteWatchStore({ path: ':memory:' });
    try {
      const before = await startWatchRig({ store });
      before.send(snsEnvelope(bounceEvent([{ emailAddress: 'a@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])));
      await before.drain();
      expect(posts(before.slack)).toHaveLength(1);
      await before.close();
      expect((await store.knownCategories(new Date(0))).map((c) => c.key.split('\u0000'))).toEqual([['customer.example', 'Bounce', 'recipient-unknown']]);

      rig = await startWatchRig({ store });
      rig.send(snsEnvelope(bounceEvent([{ emailAddress: 'b@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])));
      rig.send(snsEnvelope(bounceEvent([{ emailAddress: 'c@gmail.com', diagnosticCode: MAILBOX_FULL }], { bounceType: 'Transient', bounceSubType: 'MailboxFull' })));
      await rig.drain();
      // The known category stays quiet; the new one (mailbox-full) posts.
      expect(posts(rig.slack).map((p) => textOf(p))).toEqual([expect.stringContaining('mailbox-full')]);
    } finally {
      await rig?.close();
      rig = undefined;
      await store.close();
    }
  });

  it('leaves the batch for redelivery when recording fails, and processes it on the next delivery', async () => {
    const real = openSqliteWatchStore({ path: ':memory:' });
    let failures = 1;
    const flaky: WatchStore = {
      ...real,
      async recordEvents(now, entries, ttl) {
        if (failures > 0) {
          failures -= 1;
          throw new Error('database is locked');
        }
        return real.recordEvents(now, entries, ttl);
      },
    };
    rig = await startWatchRig({ store: flaky });
    rig.send(snsEnvelope(complaintEvent(['carol@recipient.example'])));
    const [first] = await rig.drain();
    expect(first?.outcomes[0]).toMatchObject({ outcome: 'left', reason: 'record-failed' });
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(1);
    rig.aws.sqs.advance(31_000);
    const [second] = await rig.drain();
    expect(second?.outcomes[0]).toMatchObject({ outcome: 'processed' });
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(0);
    expect(posts(rig.slack)).toHaveLength(1);
  });

  it('turns 10,000 bounces for one domain in a minute into one message and a bounded number of updates', async () => {
    rig = await startWatchRig();
    for (let i = 0; i < 10_000; i += 1) {
      rig.send(JSON.stringify(bounceEvent([{ emailAddress: `user${i}@gmail.com`, diagnosticCode: GMAIL_NO_SUCH_USER }], { messageId: `msg-${i}` })));
    }
    let polls = 0;
    for (;;) {
      const result = await rig.watch.intake!.pollOnce();
      polls += 1;
      // A minute of events: 60 ms of clock per batch of 10.
      rig.time.advance(60);
      if (result.received === 0) break;
    }
    await rig.watch.publisher?.flush();
    expect(polls).toBe(1_001);
    expect(await rig.store.eventCountsSince(new Date(0))).toEqual({ Bounce: 10_000 });
    expect(posts(rig.slack)).toHaveLength(1);
    // Updates are coalesced: at most one per 10 s over the minute.
    expect(updates(rig.slack).length).toBeGreaterThan(0);
    expect(updates(rig.slack).length).toBeLessThanOrEqual(7);
    await rig.watch.stop();
    const last = updates(rig.slack).at(-1);
    expect(textOf(last!)).toContain('10000 bounces from customer.example to gmail.com');
    expect(textOf(last!)).toContain('and 9990 more');
    // 1,000 real SQS round trips: allow for a loaded machine (no timing is asserted).
  }, 180_000);

  it('never floods the channel: past the per-window budget, groups are listed in one held-back message', async () => {
    rig = await startWatchRig();
    for (let i = 0; i < 40; i += 1) rig.send(snsEnvelope(complaintEvent([`someone@d${i}.example`])));
    await rig.drain();
    const all = posts(rig.slack);
    // 25 group messages, then one message for the other 15 groups.
    expect(all).toHaveLength(26);
    const heldTs = all.at(-1)!.result?.ts;
    const latest = () => [all.at(-1)!, ...updates(rig!.slack).filter((u) => u.args.ts === heldTs)].at(-1)!;
    expect(textOf(all.at(-1)!)).toMatch(/\d+ more event groups? this window/);
    const held = textOf(latest());
    expect(held).toContain('15 more event groups this window');
    expect(held).toContain('d39.example');
    expect(rig.watch.publisher?.stats.heldBack).toBe(15);
    expect(await rig.watch.statusText()).toContain('15 held back');
    // More groups past the budget update that message; they post nothing new.
    for (let i = 40; i < 45; i += 1) rig.send(snsEnvelope(complaintEvent([`someone@d${i}.example`])));
    await rig.drain();
    rig.time.advance(10_000);
    await rig.watch.publisher?.flush();
    expect(posts(rig.slack)).toHaveLength(26);
    expect(textOf(latest())).toContain('20 more event groups this window');
  });

  it('exposes its counters as Prometheus metrics without identities, domains or addresses', async () => {
    rig = await startWatchRig();
    const registry = new Registry();
    registerWatchMetrics(registry, rig.watch);
    rig.send(snsEnvelope(complaintEvent(['frank@recipient.example'])));
    rig.send('garbage');
    rig.send(JSON.stringify({ ...deliveryEvent(['a@b.example']), eventType: 'Teleport' }));
    await rig.drain();
    const text = await registry.metrics();
    expect(text).toContain('maildiag_watch_events_total{outcome="processed",reason="ok"} 1');
    expect(text).toContain('maildiag_watch_events_total{outcome="left",reason="not-json"} 1');
    expect(text).toContain('maildiag_watch_events_total{outcome="skipped",reason="unknown-type"} 1');
    expect(text).toContain('maildiag_watch_slack_messages_total{what="post"} 1');
    expect(text).toContain('maildiag_watch_intake_healthy 0');
    // A second scrape adds nothing that did not happen.
    expect(await registry.metrics()).toContain('maildiag_watch_events_total{outcome="processed",reason="ok"} 1');
    expect(text).not.toMatch(/recipient\.example|customer\.example|frank/);
  });

  it('backs off with jitter on queue errors, shows them in the health, and recovers', async () => {
    const randoms = [0, 1, 0.5];
    rig = await startWatchRig({ random: () => randoms.shift() ?? 0.5 });
    rig.aws.sqs.failNext('ReceiveMessage', 3, { status: 403, code: 'AccessDenied', queryCode: 'AccessDenied', message: 'not authorized to perform: sqs:ReceiveMessage' });
    rig.send(snsEnvelope(complaintEvent(['dave@recipient.example'])));
    rig.watch.intake!.start();
    const processed = await rig.waitForBatch((b) => b.outcomes.some((o) => o.outcome === 'processed'));
    expect(processed.deleted).toBe(1);
    // Equal jitter: half of 1 s, 2 s, 4 s fixed, the other half random (0, 1, 0.5 here).
    expect(rig.sleeps.slice(0, 3)).toEqual([500, 2_000, 3_000]);
    const health = rig.watch.intake!.health();
    expect(health.counters.queueErrors).toBe(3);
    expect(health.lastError?.code).toBe('AccessDenied');
    expect(health.consecutiveFailures).toBe(0);
    expect(rig.logs.filter((l) => l.msg === 'event queue error: backing off')).toHaveLength(3);
    expect(await rig.watch.statusText()).toContain('AccessDenied');
  });

  it('on stop (SIGTERM) cuts the long poll short and finishes the batch in hand', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const real = openSqliteWatchStore({ path: ':memory:' });
    let entered: (() => void) | undefined;
    const inHand = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow: WatchStore = {
      ...real,
      async recordEvents(now, entries, ttl) {
        entered?.();
        await gate;
        return real.recordEvents(now, entries, ttl);
      },
    };
    rig = await startWatchRig({ store: slow, config: { waitSeconds: 20 } });
    rig.send(snsEnvelope(complaintEvent(['erin@recipient.example'])));
    rig.watch.intake!.start();
    await inHand;
    const stopping = rig.watch.stop();
    release?.();
    await stopping;
    expect(rig.batches[0]?.outcomes[0]?.outcome).toBe('processed');
    expect(rig.aws.sqs.queue(QUEUE).messages).toHaveLength(0);
    expect(posts(rig.slack)).toHaveLength(1);
    expect(rig.watch.intake!.health().state).toBe('stopped');

    // A stop while the long poll (20 s) waits returns without waiting it out.
    const idle = await startWatchRig({ config: { waitSeconds: 20 } });
    idle.watch.intake!.start();
    await idle.waitForLog((l) => l.msg === 'event intake started');
    await idle.watch.stop();
    expect(idle.watch.intake!.health().state).toBe('stopped');
    await idle.close();
  });
});
