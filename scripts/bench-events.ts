/**
 * The watch's throughput (issue 16): a queue preloaded with 10,000 mixed, real-looking SES
 * events (deliveries, sends, bounces at Exchange Online and Gmail, complaints, delays,
 * rejects; half in the SNS envelope, both SES formats), consumed by the real intake: the
 * real SQS SDK client against the loopback endpoint, the SQLite watch store in a file, the
 * grouping and the Slack posts (fake Web API through the real WebClient).
 *
 * Two figures, both on one Node thread (one core):
 * - end to end: receive (batches of 10), parse, record, group, post, delete. The loopback
 *   SQS endpoint runs in the same thread, so this is pessimistic (the thread also plays SQS);
 * - processing only: the same bodies through parse → classify → record → group → publish,
 *   without the queue: what one core spends per event in maildiag itself.
 * And the Slack posts this makes (bounded by the groups, not the events).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { createLogger } from '../src/log.js';
import { createSlackGateway, type SlackGateway } from '../src/slack/gateway.js';
import { createClassifier, GROUP_KINDS } from '../src/watch/classify.js';
import type { WatchConfig } from '../src/watch/config.js';
import { createGrouper } from '../src/watch/groups.js';
import { createWatch } from '../src/watch/index.js';
import { DEDUPE_TTL_MS } from '../src/watch/intake.js';
import { createPublisher } from '../src/watch/publisher.js';
import { parseSesMessage } from '../src/watch/ses-events.js';
import { createSqsQueue } from '../src/watch/sqs.js';
import { openSqliteWatchStore } from '../src/watch/store.js';
import type { Scheduler } from '../src/slack/progress.js';
import { startAwsEndpoint } from '../test/support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../test/support/aws-run.js';
import { mixedEvents } from '../test/support/ses-events.js';
import { startFakeSlackApi } from '../test/support/slack-api.js';

export interface EventsBenchResult {
  events: number;
  /** Wall time and CPU time (user + system of this process): on a shared machine the CPU figure is the one-core rate. */
  endToEnd: { ms: number; perSecond: number; cpuMs: number; perCpuSecond: number; receives: number; deletes: number };
  processingOnly: { ms: number; perSecond: number; cpuMs: number; perCpuSecond: number };
  loadAverage: number;
  byType: Record<string, number>;
  groups: { posted: number; heldBack: number };
  slack: { posts: number; updates: number };
  outcomes: Record<string, number>;
}

const CHANNEL = 'C0EVENTS';

export async function benchEvents(options: { events?: number } = {}): Promise<EventsBenchResult> {
  const count = options.events ?? 10_000;
  const bodies = mixedEvents(count);
  const work = mkdtempSync(join(tmpdir(), 'maildiag-bench-events-'));
  const aws = await startAwsEndpoint();
  const slackApi = await startFakeSlackApi();
  const log = createLogger({ level: 'silent' });
  const client = new webApi.WebClient('xoxb-bench', { slackApiUrl: slackApi.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
  const slack = createSlackGateway(client);
  const config: WatchConfig = { queueUrl: '', queueRegion: 'us-east-1', channel: CHANNEL, windowMs: 15 * 60_000, minBounces: 5, waitSeconds: 0, auditEveryMs: undefined };
  try {
    // ---- end to end through the queue ----
    const queueState = aws.sqs.createQueue('bench-events', { visibilityTimeoutSeconds: 300 });
    for (const body of bodies) aws.sqs.send('bench-events', body);
    const store = openSqliteWatchStore({ path: join(work, 'e2e.db') });
    const outcomes: Record<string, number> = {};
    const watch = createWatch({
      config: { ...config, queueUrl: queueState.url },
      store,
      slack,
      log,
      queue: createSqsQueue({ url: queueState.url, region: 'us-east-1', endpoint: aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }),
      holder: 'bench',
      intake: {
        onBatch: (batch) => {
          for (const o of batch.outcomes) outcomes[o.reason ?? o.outcome] = (outcomes[o.reason ?? o.outcome] ?? 0) + 1;
        },
      },
    });
    const intake = watch.intake;
    if (!intake) throw new Error('intake not configured');
    // Warm-up: the SDK's first request builds its middleware, the classifier's first replies.
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (;;) {
      const batch = await intake.pollOnce();
      if (batch.received === 0) break;
    }
    const endMs = performance.now() - started;
    const endCpu = process.cpuUsage(cpuStarted);
    await watch.stop();
    const byType = await store.eventCountsSince(new Date(0));
    await store.close();
    const posts = slackApi.calls.filter((c) => c.method === 'chat.postMessage').length;
    const updates = slackApi.calls.filter((c) => c.method === 'chat.update').length;
    const publisher = watch.publisher?.stats;

    // ---- processing only ----
    const store2 = openSqliteWatchStore({ path: join(work, 'proc.db') });
    const classifier = createClassifier();
    const grouper = createGrouper({ windowMs: config.windowMs, minBounces: config.minBounces });
    // Posts counted, not sent; updates never come due (the figure is the per-event work).
    const counting: SlackGateway = {
      postMessage: async () => ({ ts: '1.0' }),
      update: async () => undefined,
      postEphemeral: async () => undefined,
      threadMessages: async () => [],
    };
    const never: Scheduler = { now: () => performance.now(), schedule: () => () => undefined };
    const publisher2 = createPublisher({ slack: counting, channel: 'C0EVENTS2', windowMs: config.windowMs, scheduler: never, log });
    const procStarted = performance.now();
    const procCpuStarted = process.cpuUsage();
    for (let start = 0; start < bodies.length; start += 10) {
      const now = new Date();
      const parsed = bodies.slice(start, start + 10).map(parseSesMessage);
      const events = parsed.flatMap((p) => (p.ok ? [p.event] : []));
      const items = events.map((event) => (GROUP_KINDS.has(event.type) ? classifier.classify(event) : []));
      const fresh = await store2.recordEvents(now, events.map((e) => ({ dedupeId: e.dedupeId, type: e.type })), DEDUPE_TTL_MS);
      publisher2.changed(grouper.add(items.filter((_, i) => fresh.has(events[i]?.dedupeId ?? '')).flat(), now));
    }
    const procMs = performance.now() - procStarted;
    const procCpu = process.cpuUsage(procCpuStarted);
    const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
    await publisher2.flush();
    await store2.close();

    return {
      events: count,
      endToEnd: {
        ms: endMs,
        perSecond: (count / endMs) * 1000,
        cpuMs: cpuMs(endCpu),
        perCpuSecond: (count / cpuMs(endCpu)) * 1000,
        receives: aws.callsOf('ReceiveMessage').length,
        deletes: aws.callsOf('DeleteMessageBatch').length,
      },
      processingOnly: { ms: procMs, perSecond: (count / procMs) * 1000, cpuMs: cpuMs(procCpu), perCpuSecond: (count / cpuMs(procCpu)) * 1000 },
      loadAverage: loadavg()[0] ?? 0,
      byType,
      groups: { posted: publisher?.posts ?? 0, heldBack: publisher?.heldBack ?? 0 },
      slack: { posts, updates },
      outcomes,
    };
  } finally {
    await slackApi.close();
    await aws.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatEventsBench(result: EventsBenchResult): string {
  const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} events/s`;
  const types = Object.entries(result.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  return [
    `Watch: ${result.events.toLocaleString('en-US')} mixed SES events from a preloaded queue (one Node thread)`,
    '| measure | value |',
    '|---|---|',
    `| end to end (real SQS client, loopback SQS in the same thread), per CPU second | ${rate(result.endToEnd.perCpuSecond)} (${Math.round(result.endToEnd.cpuMs)} ms of CPU) |`,
    `| end to end, wall clock | ${rate(result.endToEnd.perSecond)} (${Math.round(result.endToEnd.ms)} ms; ${result.endToEnd.receives} receives, ${result.endToEnd.deletes} batch deletes; load average ${result.loadAverage.toFixed(1)}) |`,
    `| processing only (parse, classify, record, group, publish), per CPU second | ${rate(result.processingOnly.perCpuSecond)} (${Math.round(result.processingOnly.cpuMs)} ms of CPU; wall ${rate(result.processingOnly.perSecond)}) |`,
    `| events by type | ${types} |`,
    `| outcomes | ${Object.entries(result.outcomes).map(([k, n]) => `${k} ${n}`).join(', ')} |`,
    `| Slack | ${result.slack.posts} posts (one per group that asked to be posted; ${result.groups.heldBack} held back by the per-window budget), ${result.slack.updates} updates |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchEvents();
  process.stdout.write(`${formatEventsBench(result)}\n`);
}
