/**
 * The Bolt app factory: Socket Mode when an app token is configured, the HTTP receiver
 * (with `GET /healthz`) otherwise. Receivers do transport only; listeners hold the logic.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type Receiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import { newRunId } from '../core/context.js';
import type { OfferStore } from '../remediation/offers.js';
import type { DiagnosisServices } from '../compose.js';
import { type Metrics, METRICS_PATH, metricsHandler } from '../metrics.js';
import { type AckFirst, createAckFirst, noAckFirst } from './ack-first.js';
import type { ApprovalSlackDeps } from './approval-adapters.js';
import { boltLogger } from './bolt-logger.js';
import { type ChannelPacer, createChannelPacer, SLACK_POST_INTERVAL_MS } from './pacer.js';
import type { SlackDeps } from './deps.js';
import { createEventDeduper, type EventDeduper } from './event-dedupe.js';
import { registerListeners } from './listeners/index.js';
import { createSlashFastAck } from './fast-ack.js';
import { createHttpFetch } from './http-fetch.js';
import { guardHttpReceiver } from './receiver-guard.js';
import { guardSocketModeReceiver } from './socket-guard.js';
import { realScheduler, type Scheduler } from './progress.js';
import { createMemoryRateLimits, type RateLimits } from './rate-limit.js';
import { createRunQueue, type RunQueue } from './run-queue.js';
import { createWorkerThreadExtractor, defaultThreadExtractor, type ThreadExtractor } from './thread-extraction.js';

export interface SlackAppDeps {
  services: DiagnosisServices;
  offers: OfferStore;
  log: Logger;
  /** Defaults to src/knowledge/ticket-text's `extractFromThread`, long threads in a worker thread. */
  extractThread?: ThreadExtractor;
  dedupe?: EventDeduper;
  /** Defaults to limits in this process's memory; the composed app keeps them in the shared store. */
  rateLimits?: RateLimits;
  progressIntervalMs?: number;
  scheduler?: Scheduler;
  newRunId?: () => string;
  onRunFinished?: SlackDeps['onRunFinished'];
  /** Web client retry policy; tests shorten it. The 429 handling stays on either way. */
  retryConfig?: webApi.RetryOptions;
  /** Minimum time between two posts in one channel (default 1 s; tests use 0). */
  postIntervalMs?: number;
  /** Defaults to a queue with the configured limits (MAILDIAG_MAX_CONCURRENT_RUNS, MAILDIAG_MAX_QUEUED_RUNS). */
  runQueue?: RunQueue;
  /** Resolves when the shared store answers (GET /healthz turns 503 when it throws). */
  storeHealth?: () => Promise<void>;
  /** Builds the approval flow over the app's Web API client (it posts and opens modals). */
  approval?: (client: webApi.WebClient, log: Logger, pacer: ChannelPacer) => ApprovalSlackDeps;
  /** Counts Slack API calls and runs; served at GET /metrics by the HTTP receiver unless MAILDIAG_METRICS_PORT is set. */
  metrics?: Metrics;
  /** Defaults to acks first (src/slack/ack-first.ts) with the HTTP receiver, never waiting in Socket Mode. */
  ackFirst?: AckFirst;
}

export interface SlackAppHandle {
  app: App;
  mode: 'http' | 'socket';
  deps: SlackDeps;
  /** Starts the receiver; `port` overrides the configured one (0 = any free port). */
  start(options?: { port?: number }): Promise<{ port: number | undefined }>;
  /**
   * Stops accepting requests (health turns 503), lets queued runs start and finish for up to
   * `drainMs`, then tells the runs that never started that they were cancelled (up to `cancelMs`).
   */
  stop(options?: { drainMs?: number; cancelMs?: number }): Promise<void>;
}

export const HEALTH_PATH = '/healthz';
const DEFAULT_PROGRESS_INTERVAL_MS = 1000;
/** Production: a few quick retries; 429s wait for Retry-After and count as one attempt each. */
/** The Web API client's retries (429s and network errors); the benchmarks build their clients with it too. */
export const DEFAULT_RETRY: webApi.RetryOptions = { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 10_000, randomize: true };

export function createSlackApp(config: AppConfig, input: SlackAppDeps): SlackAppHandle {
  const log = input.log.child({ component: 'slack' });
  const mode = config.slack.mode;
  const http = !(mode === 'socket' && config.slack.appToken);
  // Over HTTP a burst of requests is acked before the work that follows the acks goes on.
  const ackFirst = input.ackFirst ?? (http ? createAckFirst() : noAckFirst);
  // Long threads are read in a worker thread, away from the acks (src/slack/thread-extraction.ts).
  const threadReader = input.extractThread ? undefined : createWorkerThreadExtractor({ log });
  const deps: SlackDeps = {
    services: input.services,
    offers: input.offers,
    log,
    allowedChannels: config.allowedChannels,
    extractThread: input.extractThread ?? threadReader?.extract ?? defaultThreadExtractor,
    dedupe: input.dedupe ?? createEventDeduper(),
    rateLimits: input.rateLimits ?? createMemoryRateLimits(),
    progressIntervalMs: input.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
    scheduler: input.scheduler ?? realScheduler,
    newRunId: input.newRunId ?? newRunId,
    runs:
      input.runQueue ??
      createRunQueue({
        maxConcurrent: config.runs.maxConcurrent,
        maxQueued: config.runs.maxQueued,
        beforeRun: () => ackFirst.turn(),
        onError: (error) => log.error({ err: error }, 'run queue: a run failed unexpectedly'),
      }),
    pacer: createChannelPacer(input.postIntervalMs ?? SLACK_POST_INTERVAL_MS),
    ackFirst,
    ...(input.onRunFinished ? { onRunFinished: input.onRunFinished } : {}),
  };

  let draining = false;
  const health = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // 503 while draining, and while the store cannot be reached (a replica that cannot record decisions).
    const store = draining || !input.storeHealth ? undefined : await input.storeHealth().then(() => true, () => false);
    const ok = !draining && store !== false;
    const runs = deps.runs.stats();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ok,
        activeRuns: runs.active,
        queuedRuns: runs.queued,
        maxConcurrentRuns: runs.maxConcurrent,
        maxQueuedRuns: runs.maxQueued,
        refusedRuns: runs.refused,
        postingThreads: runs.posting,
        ...(store === undefined ? {} : { store: store ? 'ok' : 'unreachable' }),
      }),
    );
  };
  const logger = boltLogger(input.log);
  let receiver: Receiver;
  let httpReceiver: HTTPReceiver | undefined;
  const apiUrl = config.slack.apiUrl ? (config.slack.apiUrl.endsWith('/') ? config.slack.apiUrl : `${config.slack.apiUrl}/`) : undefined;
  if (!http && config.slack.appToken) {
    const socketReceiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger,
      // SLACK_API_URL applies to the connection's apps.connections.open too (tests, proxies).
      ...(apiUrl ? { installerOptions: { clientOptions: { slackApiUrl: apiUrl } } } : {}),
    });
    // Envelopes that are not objects, or whose payload is not, never reach the client or Bolt.
    guardSocketModeReceiver(socketReceiver, { log });
    receiver = socketReceiver;
  } else {
    if (!config.slack.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required for the HTTP receiver');
    httpReceiver = new HTTPReceiver({
      signingSecret: config.slack.signingSecret,
      logger,
      customRoutes: [
        { path: HEALTH_PATH, method: ['GET'], handler: health },
        ...(input.metrics && config.metrics.port === undefined ? [{ path: METRICS_PATH, method: ['GET'], handler: metricsHandler(input.metrics, log) }] : []),
      ],
    });
    // Slash commands are acked before Bolt (src/slack/fast-ack.ts); Bolt's listeners run after
    // the burst's acks, with the decision the ack was made on.
    const fastAck = createSlashFastAck({
      deps,
      signingSecret: config.slack.signingSecret,
      ackFirst,
      log,
      dispatch: (body) => app.processEvent({ body, ack: async () => undefined }),
    });
    deps.preAcked = fastAck.preAcked;
    // Bodies that are not JSON objects and timestamps from the future never reach Bolt.
    guardHttpReceiver(httpReceiver, { log, onRequest: () => ackFirst.requestArrived(), fastPath: fastAck.handle });
    receiver = httpReceiver;
  }

  const slackFetch = createHttpFetch();
  const app = new App({
    token: config.slack.botToken,
    receiver,
    logger,
    // No listener keeps conversation state: Bolt's default store would be one more async
    // middleware step before every ack.
    convoStore: false,
    // With both ids known, Bolt does not call auth.test at start.
    ...(config.slack.botId ? { botId: config.slack.botId } : {}),
    ...(config.slack.botUserId ? { botUserId: config.slack.botUserId } : {}),
    clientOptions: {
      ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
      retryConfig: input.retryConfig ?? DEFAULT_RETRY,
      rejectRateLimitedCalls: false,
      // A plain node:http transport: most of a Web API call's CPU was undici's fetch (src/slack/http-fetch.ts).
      fetch: input.metrics ? input.metrics.countingFetch(slackFetch) : slackFetch,
    },
  });
  app.error(async (error) => {
    log.error({ err: error }, 'unhandled error in a listener');
  });
  input.metrics?.watchRuns({ active: () => deps.runs.stats().active, queued: () => deps.runs.stats().queued, refused: () => deps.runs.stats().refused });
  if (input.approval) deps.approval = input.approval(app.client, log, deps.pacer);
  registerListeners(app, deps);

  let stopped: Promise<void> | undefined;
  return {
    app,
    mode: httpReceiver ? 'http' : 'socket',
    deps,
    async start(options = {}) {
      if (httpReceiver) {
        const server = await app.start(options.port ?? config.slack.port);
        // Under a burst a new connection is taken once per turn of the event loop: its arrival counts.
        server.on('connection', () => ackFirst.requestArrived());
        const port = (server.address() as AddressInfo | null)?.port;
        log.info({ mode: 'http', port }, 'slack app listening');
        return { port };
      }
      await app.start();
      log.info({ mode: 'socket' }, 'slack app connected (Socket Mode)');
      return { port: undefined };
    },
    stop(options = {}) {
      // Once: a second SIGTERM (or a test's clean-up after a stop) waits for the first stop.
      stopped ??= (async () => {
        draining = true;
        // Stop taking requests first; runs already acked finish over the Web API.
        await app.stop();
        const result = await deps.runs.stop({ drainMs: options.drainMs ?? 20_000, ...(options.cancelMs !== undefined ? { cancelMs: options.cancelMs } : {}) });
        if (result.cancelled > 0) log.warn({ cancelledRuns: result.cancelled }, 'queued runs cancelled at shutdown; their requesters were told');
        if (result.stillActive > 0) log.warn({ activeRuns: result.stillActive }, 'stopped with runs still in flight');
        await threadReader?.close();
        log.info('slack app stopped');
      })();
      return stopped;
    },
  };
}
