/**
 * A running maildiag Slack app on loopback for tests and the benchmark: the real Bolt app
 * and HTTP receiver, the loopback DNS server with the canonical zones, the fake Slack Web
 * API, a signed-request sender, and pino lines captured as objects.
 */
import { EventEmitter } from 'node:events';
import { type AppConfig, loadAppConfig } from '../../src/config.js';
import type { LayerModule } from '../../src/core/engine.js';
import type { Report } from '../../src/core/report.js';
import { createLogger } from '../../src/log.js';
import { createMemoryOfferStore, type OfferStore } from '../../src/remediation/offers.js';
import type { DiagnosisServices } from '../../src/compose.js';
import { createSlackApp, type SlackAppDeps, type SlackAppHandle } from '../../src/slack/app.js';
import type { RunPlace } from '../../src/slack/deps.js';
import { createServices } from '../../src/compose.js';
import { createAwsGateways } from '../../src/io/aws.js';
import type { Metrics } from '../../src/metrics.js';
import { SCENARIO_NOW, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../support/aws-run.js';
import { startDnsServer, type TestDnsServer, type ZoneData } from '../support/dns-server.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack-api.js';
import { createSlackRequester, type SlackRequester } from '../support/slack-requests.js';
import type { TestSocketModeServer } from '../support/socket-mode-server.js';

export const SECRETS = {
  botToken: 'xoxb-1111111111-2222222222-SecretBotTokenValue',
  signingSecret: 'signing-secret-5f0c8e2d9a7b4c61',
  appToken: 'xapp-1-A0TEST-3333333333-SecretAppTokenValue',
} as const;
export const BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0BOT';
export const CHANNEL = 'C0SUPPORT';
export const USER = 'U0AGENT';

export interface LogLine {
  level: number;
  msg?: string;
  runId?: string;
  [key: string]: unknown;
}

export interface Harness {
  config: AppConfig;
  dns: TestDnsServer;
  slack: FakeSlackApi;
  handle: SlackAppHandle;
  offers: OfferStore;
  requests: SlackRequester;
  baseUrl: string;
  logs: { raw: string[]; lines: LogLine[]; waitFor(predicate: (line: LogLine) => boolean, description: string): Promise<LogLine> };
  /** Resolves with the next run that posted its whole report. */
  nextRun(): Promise<{ report: Report; place: RunPlace }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  zone?: ZoneData;
  /** Replace the layer modules (e.g. to add a check that echoes DNS text). */
  modules?: (defaults: readonly LayerModule[]) => readonly LayerModule[];
  deps?: Partial<SlackAppDeps>;
  /** Run the AWS layers against this loopback endpoint (the scenario's clock is used). */
  aws?: Pick<TestAwsEndpoint, 'url'>;
  /** Default debug (tests look at every line); the benchmark uses info. */
  logLevel?: 'debug' | 'info';
  /** Metrics for the diagnoses and the app (GET /metrics on the receiver). */
  metrics?: Metrics;
  /** Socket Mode instead of the HTTP receiver: the app connects to this loopback WebSocket server. */
  socketMode?: Pick<TestSocketModeServer, 'url'>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dns = await startDnsServer({ zone: options.zone ?? canonicalZones() });
  const slack = await startFakeSlackApi();
  if (options.socketMode) slack.setSocketModeUrl(options.socketMode.url);
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logEvents = new EventEmitter();
  const log = createLogger({
    level: options.logLevel ?? 'debug',
    destination: {
      write(line: string) {
        raw.push(line);
        const parsed = JSON.parse(line) as LogLine;
        lines.push(parsed);
        logEvents.emit('line', parsed);
      },
    },
  });
  const config = loadAppConfig({
    SLACK_BOT_TOKEN: SECRETS.botToken,
    SLACK_SIGNING_SECRET: SECRETS.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_BOT_USER_ID: BOT_USER_ID,
    SLACK_BOT_ID: BOT_ID,
    // auto: with the empty environment below no credentials are found, as on a bot without AWS.
    MAILDIAG_AWS: 'auto',
    MAILDIAG_DNS_SERVERS: dns.address,
    LOG_LEVEL: 'debug',
    ...(options.socketMode ? { SLACK_APP_TOKEN: SECRETS.appToken } : {}),
    ...options.env,
  });
  // An empty environment (and a home without ~/.aws): AWS availability never comes from the machine.
  const base = createServices(config, log, {}, { HOME: '/nonexistent-maildiag-test-home' });
  const aws = options.aws;
  const withAws: DiagnosisServices = aws
    ? {
        ...base,
        aws: (counters, signal) => createAwsGateways({ endpoint: aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }, counters, signal),
        clock: { now: () => SCENARIO_NOW },
      }
    : base;
  const withMetrics: DiagnosisServices = options.metrics ? { ...withAws, metrics: options.metrics.diagnosis } : withAws;
  const services: DiagnosisServices = options.modules ? { ...withMetrics, modules: options.modules(withMetrics.modules) } : withMetrics;
  const offers = createMemoryOfferStore();
  const runEvents = new EventEmitter();
  const handle = createSlackApp(config, {
    services,
    offers,
    log,
    progressIntervalMs: 0,
    // Pacing is unit-tested with an injected clock (test/slack/pacer.test.ts); runs here post at once.
    postIntervalMs: 0,
    // Failing calls end fast: few retries, no backoff (429s still wait Retry-After, 0 in tests).
    retryConfig: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 0 },
    onRunFinished: (report, place) => runEvents.emit('run', { report, place }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...options.deps,
  });
  const { port } = await handle.start({ port: 0 });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    config,
    dns,
    slack,
    handle,
    offers,
    requests: createSlackRequester({ url: `${baseUrl}/slack/events`, signingSecret: SECRETS.signingSecret }),
    baseUrl,
    logs: {
      raw,
      lines,
      waitFor(predicate, description) {
        const found = lines.find(predicate);
        if (found) return Promise.resolve(found);
        return new Promise((resolve, reject) => {
          const onLine = (line: LogLine): void => {
            if (!predicate(line)) return;
            clearTimeout(timer);
            logEvents.off('line', onLine);
            resolve(line);
          };
          const timer = setTimeout(() => {
            logEvents.off('line', onLine);
            reject(new Error(`timed out waiting for log line: ${description}`));
          }, 10_000);
          logEvents.on('line', onLine);
        });
      },
    },
    nextRun: () => new Promise((resolve) => runEvents.once('run', resolve)),
    async close() {
      await handle.stop({ drainMs: 5_000 });
      await slack.close();
      await dns.close();
    },
  };
}
