/**
 * A watch on loopback for tests: the real SQS SDK client against the loopback AWS endpoint's
 * queues, the fake Slack Web API through the real WebClient and gateway, the SQLite watch
 * store in memory, a hand-driven clock and scheduler, and pino lines captured as objects.
 */
import { EventEmitter } from 'node:events';
import { webApi } from '@slack/bolt';
import { createLogger } from '../../src/log.js';
import { createSlackGateway } from '../../src/slack/gateway.js';
import type { Scheduler } from '../../src/slack/progress.js';
import type { WatchConfig } from '../../src/watch/config.js';
import { createWatch, type Watch } from '../../src/watch/index.js';
import type { BatchResult } from '../../src/watch/intake.js';
import { createSqsQueue, type EventQueue } from '../../src/watch/sqs.js';
import { openSqliteWatchStore, type WatchStore } from '../../src/watch/store.js';
import { startAwsEndpoint, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../support/aws-run.js';
import { manualScheduler } from '../support/manual-scheduler.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack-api.js';

export const EVENTS_CHANNEL = 'C0EVENTS';
export const QUEUE = 'ses-events';
export const DLQ = 'ses-events-dlq';

/** A clock and a scheduler that move only when told. */
export function manualTime(startMs = Date.UTC(2026, 2, 2, 12)) {
  const scheduler = manualScheduler(startMs);
  return {
    clock: { now: () => new Date(scheduler.now()) },
    scheduler: scheduler as Scheduler,
    /** Moves time on and runs the timers that came due, in order. */
    advance: (ms: number) => scheduler.advance(ms),
    get ms() {
      return scheduler.now();
    },
  };
}

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export interface WatchRig {
  aws: TestAwsEndpoint;
  slack: FakeSlackApi;
  queue: EventQueue;
  store: WatchStore;
  watch: Watch;
  time: ReturnType<typeof manualTime>;
  logs: LogLine[];
  sleeps: number[];
  batches: BatchResult[];
  send(body: string): string;
  /** Resolves with the first batch (past or future) that matches. */
  waitForBatch(predicate: (batch: BatchResult) => boolean): Promise<BatchResult>;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
  /** Receives and processes until the queue has nothing visible, then lets Slack calls finish. */
  drain(maxPolls?: number): Promise<BatchResult[]>;
  close(): Promise<void>;
}

export interface RigOptions {
  config?: Partial<WatchConfig>;
  store?: WatchStore;
  queue?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number };
  random?: () => number;
}

export async function startWatchRig(options: RigOptions = {}): Promise<WatchRig> {
  const aws = await startAwsEndpoint();
  aws.sqs.createQueue(DLQ);
  const queueState = aws.sqs.createQueue(QUEUE, { visibilityTimeoutSeconds: options.queue?.visibilityTimeoutSeconds ?? 30, maxReceiveCount: options.queue?.maxReceiveCount ?? 3, deadLetterQueue: DLQ });
  const slack = await startFakeSlackApi();
  const logs: LogLine[] = [];
  const lines = new EventEmitter();
  const log = createLogger({
    level: 'debug',
    destination: {
      write(line: string) {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        lines.emit('line', parsed);
      },
    },
  });
  const time = manualTime(aws.sqs.now());
  const client = new webApi.WebClient('xoxb-test-watch-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const store = options.store ?? openSqliteWatchStore({ path: ':memory:' });
  const queue = createSqsQueue({ url: queueState.url, region: 'us-east-1', endpoint: aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 });
  const config: WatchConfig = {
    queueUrl: queueState.url,
    queueRegion: 'us-east-1',
    channel: EVENTS_CHANNEL,
    windowMs: 15 * 60_000,
    minBounces: 5,
    waitSeconds: 0,
    auditEveryMs: undefined,
    ...options.config,
  };
  const sleeps: number[] = [];
  const batches: BatchResult[] = [];
  const batchEvents = new EventEmitter();
  const watch = createWatch({
    config,
    store,
    slack: createSlackGateway(client),
    log,
    clock: time.clock,
    scheduler: time.scheduler,
    queue,
    holder: 'test-replica',
    intake: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: options.random ?? (() => 0.5),
      onBatch: (result) => {
        batches.push(result);
        batchEvents.emit('batch', result);
      },
    },
  });
  const rig: WatchRig = {
    aws,
    slack,
    queue,
    store,
    watch,
    time,
    logs,
    sleeps,
    batches,
    send: (body) => aws.sqs.send(QUEUE, body),
    waitForBatch: (predicate) => waitFor(batches, batchEvents, 'batch', predicate),
    waitForLog: (predicate) => waitFor(logs, lines, 'line', predicate),
    async drain(maxPolls = 5_000) {
      const results: BatchResult[] = [];
      for (let i = 0; i < maxPolls; i += 1) {
        const result = await watch.intake!.pollOnce();
        results.push(result);
        if (result.received === 0) break;
      }
      await watch.publisher?.flush();
      return results;
    },
    async close() {
      await watch.stop();
      if (!options.store) await store.close();
      await slack.close();
      await aws.close();
    },
  };
  return rig;
}

function waitFor<T>(past: readonly T[], emitter: EventEmitter, event: string, predicate: (item: T) => boolean): Promise<T> {
  const found = past.find(predicate);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const listener = (item: T): void => {
      if (!predicate(item)) return;
      emitter.off(event, listener);
      resolve(item);
    };
    emitter.on(event, listener);
  });
}

export const posts = (slack: FakeSlackApi) => slack.calls.filter((c) => c.method === 'chat.postMessage');
export const updates = (slack: FakeSlackApi) => slack.calls.filter((c) => c.method === 'chat.update');
