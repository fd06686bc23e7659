/**
 * The one composition place. Long-lived services are built here from configuration and
 * shared by both front ends:
 *
 * - `createServices` (CLI and app): layer modules, the DNS client, the SMTP prober and AWS
 *   access. AWS access is a lazy `await import(...)`: nothing loads the AWS SDK until a run
 *   that needs an AWS layer starts, so `classify` and `--layers dns` never load it.
 * - `diagnose` (CLI, app, re-checks): one run, with its own per-run context (DNS cache, AWS
 *   memo, counters) around those services.
 * - `composeApp` (app, demo, benchmark): the Slack product on top of the services: approval
 *   store, remediation gateways, the Bolt app. Bolt and the remediation modules are imported
 *   here lazily too, so the CLI, which imports this file, never loads Bolt.
 *
 * Tests build `DiagnosisServices` with loopback adapters instead.
 */
import type { Logger } from 'pino';
import { LAYER_MODULES } from './checks/index.js';
import type { AppConfig, EngineConfig } from './config.js';
import type { AwsGateways } from './core/aws-ports.js';
import { createRunContext, newCounters } from './core/context.js';
import { type LayerModule, needsAws, type RunOptions, runDiagnosis } from './core/engine.js';
import type { Clock, DnsClient, EngineSettings, RunCounters } from './core/ports.js';
import type { Report } from './core/report.js';
import { type SmtpProber, sesSmtpEndpoint } from './core/smtp-ports.js';
import type { Target } from './core/target.js';
import { capTarget } from './core/limits.js';
import { detectAwsCredentials } from './io/aws-credentials.js';
import { createDnsClient, createRunDns } from './io/dns.js';
import { createSmtpProber } from './io/smtp-probe.js';
import type { DiagnosisMetrics, DiagnosisTrigger, Metrics } from './metrics.js';
import type { RemediationStore } from './remediation/store.js';
import type { SlackAppDeps, SlackAppHandle } from './slack/app.js';
import type { Watch } from './watch/index.js';
import type { WatchComposeOptions } from './watch/compose.js';

// ---------- diagnosis services (CLI and app) ----------

/**
 * Builds one run's AWS gateways (their memo and counters are per run; SDK clients are not);
 * every request is cancelled by `signal` (the run's).
 */
export type AwsGatewayFactory = (counters: RunCounters, signal: AbortSignal) => AwsGateways | Promise<AwsGateways>;

export interface DiagnosisServices {
  modules: readonly LayerModule[];
  /** The shared, uncached DNS client; each run wraps it in its own cache. */
  dns: DnsClient;
  /** Undefined when AWS is not configured; called only by runs that select an AWS layer. */
  aws: AwsGatewayFactory | undefined;
  smtp: SmtpProber | undefined;
  /** True when AWS was switched off on purpose, so front ends need not point out its absence. */
  awsOffOnPurpose?: boolean;
  settings: EngineSettings;
  log: Logger;
  clock?: Clock;
  /** Prometheus hooks (src/metrics.ts); the Slack app sets them, the CLI does not. */
  metrics?: DiagnosisMetrics;
}

export interface ServiceOverrides {
  dnsServers?: string[];
  awsEndpoint?: string;
}

export interface AwsAvailability {
  available: boolean;
  /** Where credentials come from, or why there are none (never a secret). */
  source: string;
  /** True when AWS was switched off on purpose (MAILDIAG_AWS=off): nobody needs telling. */
  deliberate?: boolean;
}

/** Whether the AWS layers can run: MAILDIAG_AWS forces it; `auto` looks without calling IMDS. */
export function awsAvailability(config: EngineConfig, env: Record<string, string | undefined>): AwsAvailability {
  if (config.aws.mode === 'off') return { available: false, source: 'disabled by MAILDIAG_AWS=off', deliberate: true };
  if (config.aws.mode === 'on') return { available: true, source: 'MAILDIAG_AWS=on (the SDK default provider chain)' };
  return detectAwsCredentials(env as NodeJS.ProcessEnv);
}

/**
 * AWS access that loads the SDK on first use. The import is shared, so concurrent first runs
 * load it once.
 */
export function lazyAwsGateways(options: { endpoint?: string; logger?: Logger }): AwsGatewayFactory {
  return async (counters, signal) => {
    loadedAws ??= import('./io/aws.js');
    const { createAwsGateways } = await loadedAws;
    return createAwsGateways(options, counters, signal);
  };
}

let loadedAws: Promise<typeof import('./io/aws.js')> | undefined;

/** Closes the pooled AWS clients' sockets, if the SDK was ever loaded (app shutdown). */
export async function closeAwsClients(): Promise<void> {
  if (loadedAws) (await loadedAws).destroyAwsClients();
}

export type Services = DiagnosisServices & { awsSource: string };

export function createServices(
  config: EngineConfig,
  log: Logger,
  overrides: ServiceOverrides = {},
  env: Record<string, string | undefined> = process.env,
): Services {
  const servers = overrides.dnsServers && overrides.dnsServers.length > 0 ? overrides.dnsServers : config.dns.servers;
  const aws = awsAvailability(config, env);
  const endpoint = overrides.awsEndpoint ?? config.aws.endpoint;
  log.debug({ aws: aws.source }, 'AWS credentials');
  return {
    modules: LAYER_MODULES,
    dns: createDnsClient({ servers, timeoutMs: config.dns.timeoutMs, tries: 2 }),
    // Clients come from the process-wide pool (one per region); the SDK logs through pino.
    aws: aws.available ? lazyAwsGateways({ ...(endpoint ? { endpoint } : {}), logger: log }) : undefined,
    awsSource: aws.source,
    awsOffOnPurpose: aws.deliberate === true,
    smtp: createSmtpProber({ timeoutMs: config.smtp.timeoutMs, ...(config.smtp.ca ? { tls: { ca: config.smtp.ca } } : {}) }),
    settings: config.engine,
    log,
  };
}

// ---------- one run ----------

export interface DiagnoseOptions extends RunOptions {
  runId?: string;
  signal?: AbortSignal;
  /** What asked for this run (a metrics label). Default `other`. */
  trigger?: DiagnosisTrigger;
}

export async function diagnose(input: Target, services: DiagnosisServices, options: DiagnoseOptions = {}): Promise<Report> {
  // The one place every input path's caps are applied (see core/limits.ts).
  const target = capTarget(input);
  const counters = newCounters();
  // Ends with the run: no AWS request outlives the report.
  const run = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, run.signal]) : run.signal;
  // AWS gateways only for runs that select an AWS layer: `--layers dns` never loads the SDK.
  const aws = services.aws && needsAws(services.modules, options.layers) ? await services.aws(counters, signal) : undefined;
  const ctx = createRunContext({
    target,
    dns: createRunDns(services.dns, counters),
    counters,
    aws,
    smtp: services.smtp,
    settings: services.settings,
    log: services.log,
    ...(services.clock ? { clock: services.clock } : {}),
    signal,
    ...(options.runId ? { runId: options.runId } : {}),
  });
  ctx.log.info({ target: { sender: target.senderDomain, recipients: target.recipients.length } }, 'diagnosis started');
  const report = await runDiagnosis(services.modules, ctx, services.metrics ? measured(services.metrics, options) : options).finally(() =>
    run.abort(new Error('the run has finished')),
  );
  services.metrics?.diagnosisFinished(options.trigger ?? 'other', report);
  ctx.log.info({ verdict: report.verdict, stats: report.stats }, 'diagnosis finished');
  return report;
}

/** Times each check and layer through the engine's progress events, for the metrics. */
function measured(metrics: DiagnosisMetrics, options: DiagnoseOptions): DiagnoseOptions {
  const started = performance.now();
  const checkStarts = new Map<string, number>();
  const seconds = (since: number): number => (performance.now() - since) / 1000;
  return {
    ...options,
    onProgress(event) {
      if (event.type === 'check-started') checkStarts.set(`${event.layer}.${event.check}`, performance.now());
      else if (event.type === 'check-finished') {
        const key = `${event.layer}.${event.check}`;
        metrics.checkFinished(event.layer, event.check, seconds(checkStarts.get(key) ?? started), event.findings);
        checkStarts.delete(key);
      } else metrics.layerFinished(event.layer, seconds(started));
      options.onProgress?.(event);
    },
  };
}

// ---------- the Slack product (app, demo, benchmark) ----------

/** SMTP AUTH retries while a new IAM key propagates to SES (seconds to a few minutes). */
const SMTP_VERIFY_ATTEMPTS = 8;
const SMTP_VERIFY_INITIAL_DELAY_MS = 5_000;
const SMTP_VERIFY_MAX_DELAY_MS = 60_000;

export interface ComposeOptions {
  env?: Record<string, string | undefined>;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Waits between SMTP verification attempts; defaults to a real timer. */
  delay?: (ms: number) => Promise<void>;
  /** Passed to the Slack app (tests and benchmarks observe runs, shorten retries). */
  slack?: Pick<SlackAppDeps, 'onRunFinished' | 'retryConfig' | 'progressIntervalMs' | 'postIntervalMs' | 'scheduler'>;
  /** Defaults to a new registry with process metrics. */
  metrics?: Metrics;
  /** The watch's clock, scheduler, store or intake hooks (tests, demo). */
  watch?: WatchComposeOptions;
}

export interface ComposedApp {
  slack: SlackAppHandle;
  services: Services;
  store: RemediationStore;
  metrics: Metrics;
  /** SES event intake and scheduled audit (src/watch); undefined when not configured. */
  watch: Watch | undefined;
  /** Starts the receiver, the metrics listener (MAILDIAG_METRICS_PORT) and the expiry sweeper. */
  start(options?: { port?: number }): Promise<{ port: number | undefined; metricsPort?: number }>;
  stop(options?: { drainMs?: number; cancelMs?: number }): Promise<void>;
}

const realDelay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function composeApp(config: AppConfig, log: Logger, options: ComposeOptions = {}): Promise<ComposedApp> {
  const [{ createSlackApp }, { approvalFactory, startExpirySweeper }, { openStore }, { createLayerRechecker }, { createSmtpCredentialTester }, { createMetrics, startMetricsServer }, dedupe, { createStoreRateLimits }] =
    await Promise.all([
      import('./slack/app.js'),
      import('./slack/approval-adapters.js'),
      import('./store/open.js'),
      import('./remediation/recheck.js'),
      import('./io/smtp-credential-tester.js'),
      import('./metrics.js'),
      import('./slack/event-dedupe.js'),
      import('./slack/rate-limit.js'),
      // The MIME parser loads on first use in the CLI (src/knowledge/bounce/parse.ts); the app loads
      // it at start, so no run pays for it while other runs wait on DNS answers.
      import('mailparser'),
    ]);
  const metrics = options.metrics ?? createMetrics();
  const env = options.env ?? process.env;
  const baseServices = createServices(config, log, {}, env);
  const services: Services = { ...baseServices, metrics: metrics.diagnosis, ...(options.clock ? { clock: options.clock } : {}) };
  const clock = options.clock ?? { now: () => new Date() };
  // SQLite file by default; PostgreSQL with MAILDIAG_DATABASE_URL. Throws StoreUnavailableError
  // or StoreSchemaError at start (src/index.ts turns them into an exit message).
  const store = await openStore(config.store, { now: () => clock.now(), log });
  const tls = config.smtp.ca ? { ca: config.smtp.ca } : undefined;
  const prober = services.smtp ?? createSmtpProber({ timeoutMs: config.smtp.timeoutMs, ...(tls ? { tls } : {}) });
  const endpoint = config.aws.endpoint;
  // Without AWS access every remediation request is refused, saying so.
  const remediationGateways = services.aws
    ? (await import('./io/aws-remediation.js')).createRemediationGateways({
        ...(endpoint ? { endpoint } : {}),
        ...(config.remediationRoleArn ? { roleArn: config.remediationRoleArn } : {}),
        logger: log,
      })
    : undefined;

  const slack = createSlackApp(config, {
    services,
    offers: store,
    log,
    metrics,
    dedupe: dedupe.createStoreDeduper(store, { now: () => clock.now() }),
    // "Test a credential" limits in the same store: replicas share them.
    rateLimits: createStoreRateLimits(store, { now: () => clock.now() }),
    storeHealth: () => store.ping(),
    ...options.slack,
    approval: approvalFactory({
      store,
      metrics,
      policy: config.approval,
      gateways: remediationGateways,
      smtp: {
        tester: createSmtpCredentialTester({ prober, timeoutMs: config.smtp.timeoutMs, ...(tls ? { tls } : {}) }),
        endpointFor: (region) => config.engine.smtpEndpoint ?? sesSmtpEndpoint(region),
        attempts: SMTP_VERIFY_ATTEMPTS,
        initialDelayMs: SMTP_VERIFY_INITIAL_DELAY_MS,
        maxDelayMs: SMTP_VERIFY_MAX_DELAY_MS,
        delay: options.delay ?? realDelay,
      },
      secretArn: config.secretArn,
      recheckLayers: createLayerRechecker(services),
      clock,
    }),
  });

  // The watch (and the SQS SDK) load only when it is configured.
  const watch = config.watch.channel ? await (await import('./watch/compose.js')).composeWatch(config, services, slack, log, { ...options.watch, registry: metrics.registry }) : undefined;

  const stoppers: Array<() => void> = [];
  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  return {
    slack,
    services,
    store,
    metrics,
    watch,
    async start(startOptions) {
      if (config.metrics.port !== undefined) metricsServer = await startMetricsServer(metrics, { port: config.metrics.port, log });
      const started = await slack.start(startOptions);
      const approval = slack.deps.approval;
      // A lapsed lease is noticed within half a lease (at most a minute).
      if (approval) stoppers.push(startExpirySweeper(approval.service, log, Math.min(60_000, Math.max(500, Math.floor(store.leaseMs / 2)))));
      stoppers.push(dedupe.startDedupeSweeper(store, log, { now: () => clock.now() }));
      watch?.start();
      return { ...started, ...(metricsServer ? { metricsPort: metricsServer.port } : {}) };
    },
    async stop(stopOptions) {
      for (const stop of stoppers.splice(0)) stop();
      // SIGTERM: stop polling and finish the events in hand first.
      await watch?.stop();
      await slack.stop(stopOptions);
      await metricsServer?.close();
      // After the drain: close the pooled AWS clients' sockets and the store.
      await closeAwsClients();
      await store.shutdown();
    },
  };
}
