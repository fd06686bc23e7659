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
import { detectAwsCredentials } from './io/aws-credentials.js';
import { createDnsClient, createRunDns } from './io/dns.js';
import { createSmtpProber } from './io/smtp-probe.js';
import type { RemediationStore } from './remediation/store.js';
import type { SlackAppDeps, SlackAppHandle } from './slack/app.js';

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
}

export async function diagnose(target: Target, services: DiagnosisServices, options: DiagnoseOptions = {}): Promise<Report> {
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
  const report = await runDiagnosis(services.modules, ctx, options).finally(() => run.abort(new Error('the run has finished')));
  ctx.log.info({ verdict: report.verdict, stats: report.stats }, 'diagnosis finished');
  return report;
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
}

export interface ComposedApp {
  slack: SlackAppHandle;
  services: Services;
  store: RemediationStore;
  /** Starts the receiver and the expiry sweeper. */
  start(options?: { port?: number }): Promise<{ port: number | undefined }>;
  stop(options?: { drainMs?: number; cancelMs?: number }): Promise<void>;
}

const realDelay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function composeApp(config: AppConfig, log: Logger, options: ComposeOptions = {}): Promise<ComposedApp> {
  const [{ createSlackApp }, { approvalFactory, startExpirySweeper }, { openSqliteStore }, { createLayerRechecker }, { createSmtpCredentialTester }] =
    await Promise.all([
      import('./slack/app.js'),
      import('./slack/approval-adapters.js'),
      import('./remediation/store.js'),
      import('./remediation/recheck.js'),
      import('./io/smtp-credential-tester.js'),
    ]);
  const env = options.env ?? process.env;
  const baseServices = createServices(config, log, {}, env);
  const services: Services = { ...baseServices, ...(options.clock ? { clock: options.clock } : {}) };
  const clock = options.clock ?? { now: () => new Date() };
  const store = openSqliteStore({ path: config.store.path, now: () => clock.now() });
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
    ...options.slack,
    approval: approvalFactory({
      store,
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

  let stopSweeper: (() => void) | undefined;
  return {
    slack,
    services,
    store,
    async start(startOptions) {
      const started = await slack.start(startOptions);
      const approval = slack.deps.approval;
      if (approval) stopSweeper = startExpirySweeper(approval.service, log);
      return started;
    },
    async stop(stopOptions) {
      stopSweeper?.();
      await slack.stop(stopOptions);
      // After the drain: close the pooled AWS clients' sockets.
      await closeAwsClients();
    },
  };
}
