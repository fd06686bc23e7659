/**
 * Composes the whole Slack product from configuration: diagnosis services, the approval store,
 * the remediation gateways and the Slack app. src/index.ts runs it; the offline demo and the
 * benchmark run the very same composition against loopback peers (configured through the same
 * environment variables), so nothing in src/ knows about demos.
 */
import type { Logger } from 'pino';
import type { AppConfig } from './config.js';
import type { Clock } from './core/ports.js';
import { sesSmtpEndpoint } from './core/smtp-ports.js';
import { createRemediationGateways } from './io/aws-remediation.js';
import { createSmtpCredentialTester } from './io/smtp-credential-tester.js';
import { createSmtpProber } from './io/smtp-probe.js';
import { createLayerRechecker } from './remediation/recheck.js';
import { openSqliteStore, type RemediationStore } from './remediation/store.js';
import { approvalFactory, startExpirySweeper } from './slack/approval-adapters.js';
import { createSlackApp, type SlackAppDeps, type SlackAppHandle } from './slack/app.js';
import type { DiagnosisServices } from './service.js';
import { createServices } from './wiring.js';
import { createSlackGateway } from './slack/gateway.js';
import type { Watch } from './watch/index.js';
import { composeWatch, type WatchComposeOptions } from './watch/compose.js';

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
  /** The watch's clock, scheduler, store or intake hooks (tests, demo). */
  watch?: WatchComposeOptions;
}

export interface ComposedApp {
  slack: SlackAppHandle;
  services: DiagnosisServices & { awsSource: string };
  store: RemediationStore;
  /** SES event intake and scheduled audit; undefined when not configured. */
  watch: Watch | undefined;
  /** Starts the receiver and the expiry sweeper. */
  start(options?: { port?: number }): Promise<{ port: number | undefined }>;
  stop(options?: { drainMs?: number }): Promise<void>;
}

const realDelay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function composeApp(config: AppConfig, log: Logger, options: ComposeOptions = {}): ComposedApp {
  const env = options.env ?? process.env;
  const baseServices = createServices(config, log, {}, env);
  const services = { ...baseServices, ...(options.clock ? { clock: options.clock } : {}) };
  const clock = options.clock ?? { now: () => new Date() };
  const store = openSqliteStore({ path: config.store.path, now: () => clock.now() });
  const tls = config.smtp.ca ? { ca: config.smtp.ca } : undefined;
  const prober = createSmtpProber({ timeoutMs: config.smtp.timeoutMs, ...(tls ? { tls } : {}) });
  const endpoint = config.aws.endpoint;

  const slack = createSlackApp(config, {
    services,
    offers: store,
    log,
    ...options.slack,
    approval: approvalFactory({
      store,
      policy: config.approval,
      // Without AWS access every request is refused, saying so.
      gateways: services.aws ? createRemediationGateways({ ...(endpoint ? { endpoint } : {}), ...(config.remediationRoleArn ? { roleArn: config.remediationRoleArn } : {}) }) : undefined,
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

  const watch = composeWatch(config, services, createSlackGateway(slack.app.client, slack.deps.pacer), log, options.watch);
  if (watch) slack.deps.watch = { channel: config.watch.channel, statusText: () => watch.statusText() };

  let stopSweeper: (() => void) | undefined;
  return {
    slack,
    services,
    store,
    watch,
    async start(startOptions) {
      const started = await slack.start(startOptions);
      const approval = slack.deps.approval;
      if (approval) stopSweeper = startExpirySweeper(approval.service, log);
      watch?.start();
      return started;
    },
    async stop(stopOptions) {
      stopSweeper?.();
      // SIGTERM: stop polling and finish the events in hand before the app stops.
      await watch?.stop();
      await slack.stop(stopOptions);
    },
  };
}
