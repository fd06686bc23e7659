/**
 * The Slack app's entry: configuration from the environment (and `.env` for local runs),
 * validated once; the HTTP receiver (with GET /healthz) or Socket Mode; graceful shutdown
 * on SIGTERM/SIGINT (stop taking requests, let runs in flight post their reports, tell queued
 * runs that cannot start in time that they were cancelled).
 */
import { config as loadDotenv } from 'dotenv';
import { type AppConfig, loadAppConfig } from './config.js';
import { ConfigError } from './core/errors.js';
import { createLogger } from './log.js';
import { composeApp } from './compose.js';
import { StoreSchemaError, StoreUnavailableError } from './store/errors.js';

/** Within a 30 s grace period: queued runs may still start for 20 s, then are told they were cancelled. */
const SHUTDOWN_DRAIN_MS = 20_000;
const SHUTDOWN_CANCEL_MS = 5_000;

loadDotenv({ quiet: true });

let config: AppConfig;
try {
  config = loadAppConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Names the variable; never echoes a value.
  process.stderr.write(`maildiag: ${error.message}\nSee .env.example for every variable.\n`);
  process.exit(1);
}

const log = createLogger({ level: config.logLevel });
let composed: Awaited<ReturnType<typeof composeApp>>;
try {
  composed = await composeApp(config, log);
} catch (error) {
  if (!(error instanceof StoreUnavailableError || error instanceof StoreSchemaError)) throw error;
  // Names MAILDIAG_DATABASE_URL (or MAILDIAG_DB) and the host; never the password.
  process.stderr.write(`maildiag: ${error.message}${error.hint ? `\n${error.hint}` : ''}\n`);
  process.exit(1);
}
const { services, slack } = composed;

if (config.allowedChannels.length === 0) {
  log.warn('MAILDIAG_ALLOWED_CHANNELS is unset: the bot answers in every channel it is in, and its reports show account details there');
}

const { port, metricsPort } = await composed.start();
log.info({ mode: slack.mode, port, metricsPort, aws: services.awsSource, allowedChannels: config.allowedChannels.length }, 'maildiag started');

let stopping = false;
const shutdown = (signal: NodeJS.Signals | 'uncaughtException', exitCode = 0): void => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  composed.stop({ drainMs: SHUTDOWN_DRAIN_MS, cancelMs: SHUTDOWN_CANCEL_MS }).then(
    () => process.exit(exitCode),
    (error: unknown) => {
      log.error({ err: error }, 'error while shutting down');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));

// Last line of defence (the receiver guard and app.error come first). A stray rejection is
// logged and the app keeps serving its runs; an uncaught exception leaves unknown state, so
// the app stops taking requests, lets runs in flight finish, and exits 1 for the supervisor.
process.on('unhandledRejection', (reason: unknown) => {
  log.error({ err: reason }, 'unhandled promise rejection (kept serving)');
});
process.on('uncaughtException', (error: Error) => {
  log.fatal({ err: error }, 'uncaught exception: draining runs in flight, then exiting');
  shutdown('uncaughtException', 1);
});
