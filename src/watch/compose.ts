/**
 * Builds the watch from the app's configuration and services (called once from
 * src/compose.ts): the SQS queue client, the identity lister and the audit's diagnosis,
 * the store (the app's PostgreSQL database when MAILDIAG_DATABASE_URL is set, else its SQLite
 * file), and the Slack gateway over the app's client and channel pacer. Returns undefined when neither intake nor audit is configured.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../config.js';
import type { Clock } from '../core/ports.js';
import { parseTargetText } from '../core/target.js';
import { diagnose, type DiagnosisServices } from '../compose.js';
import type { SlackAppHandle } from '../slack/app.js';
import { createSlackGateway } from '../slack/gateway.js';
import type { Scheduler } from '../slack/progress.js';
import { createAuditRunner } from './audit.js';
import { createIdentityLister } from './identities.js';
import { createWatch, type Watch, type WatchDeps } from './index.js';
import { registerWatchMetrics } from './metrics.js';
import { createSqsQueue } from './sqs.js';
import { openSqliteWatchStore, type WatchStore } from './store.js';

export interface WatchComposeOptions {
  clock?: Clock;
  scheduler?: Scheduler;
  /** A store other than the SQLite file (tests, PostgreSQL). */
  store?: WatchStore;
  intake?: WatchDeps['intake'];
  /** The app's Prometheus registry: the watch's instruments are added to it. */
  registry?: Registry;
}

/** The watch's own pool on the app's PostgreSQL database (the same settings as the remediation store's). */
async function openPostgres(settings: NonNullable<AppConfig['store']['postgres']>, log: Logger): Promise<WatchStore> {
  const [{ default: pg }, { openPostgresWatchStore }] = await Promise.all([import('pg'), import('./store-postgres.js')]);
  const pool = new pg.Pool({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    database: settings.database,
    ssl: settings.ssl,
    application_name: `${settings.applicationName} watch`,
    max: 3,
    connectionTimeoutMillis: 5_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle connection that dies (database restarted) must not crash the process.
  pool.on('error', (error) => log.warn({ err: { message: error.message }, database: settings.description }, 'watch store: database connection lost'));
  // As the app's role: no DDL when the schema is current; StoreSchemaError naming `npm run db:migrate`
  // when it is behind and the role may not migrate (src/index.ts turns it into an exit message).
  return openPostgresWatchStore({ pool, ownsPool: true, where: settings.description, log });
}

/** The watch store the configuration asks for: PostgreSQL when MAILDIAG_DATABASE_URL is set, else the SQLite file MAILDIAG_DB. */
export async function openWatchStore(config: AppConfig, log: Logger): Promise<WatchStore> {
  return config.store.postgres ? openPostgres(config.store.postgres, log) : openSqliteWatchStore({ path: config.store.path });
}

/** Builds the watch and hands `/maildiag watch` and the Diagnose button their dependencies. */
export async function composeWatch(config: AppConfig, services: DiagnosisServices, app: SlackAppHandle, log: Logger, options: WatchComposeOptions = {}): Promise<Watch | undefined> {
  const watch = config.watch;
  // Posts share the app's Web API client and its per-channel pacing.
  const slack = createSlackGateway(app.app.client, app.deps.pacer);
  if (!watch.channel || (!watch.queueUrl && watch.auditEveryMs === undefined)) return undefined;
  const endpoint = config.aws.endpoint;
  // The app's store decides: PostgreSQL when MAILDIAG_DATABASE_URL is set (replicas on several hosts), else the SQLite file.
  const store = options.store ?? (await openWatchStore(config, log));
  const clock = options.clock ?? { now: () => new Date() };
  const holder = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const channel = watch.channel;
  const audit =
    watch.auditEveryMs !== undefined && services.aws
      ? createAuditRunner({
          everyMs: watch.auditEveryMs,
          regions: config.engine.regions,
          listIdentities: createIdentityLister({ ...(endpoint ? { endpoint } : {}), logger: log }),
          // Through the app's run queue, behind waiting requests: an audit never adds runs past MAILDIAG_MAX_CONCURRENT_RUNS.
          diagnose: (identity, region) => app.deps.runs.background(() => diagnose(parseTargetText(`${identity} region=${region}`), services, { layers: ['ses', 'dns'] })),
          store,
          slack,
          channel,
          clock,
          log,
          holder,
        })
      : undefined;
  if (watch.auditEveryMs !== undefined && !audit) log.warn('MAILDIAG_AUDIT_EVERY is set but AWS is not configured: the scheduled audit is off');
  const composed = createWatch({
    config: watch,
    store,
    slack,
    log,
    clock,
    holder,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(watch.queueUrl ? { queue: createSqsQueue({ url: watch.queueUrl, region: watch.queueRegion, ...(endpoint ? { endpoint } : {}), logger: log }) } : {}),
    ...(audit ? { audit } : {}),
    ...(options.intake ? { intake: options.intake } : {}),
  });
  app.deps.watch = { channel, statusText: () => composed.statusText() };
  const stop = composed.stop;
  composed.stop = async () => {
    await stop();
    if (!options.store) await store.close();
  };
  if (options.registry) registerWatchMetrics(options.registry, composed);
  return composed;
}
