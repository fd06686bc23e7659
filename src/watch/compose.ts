/**
 * Builds the watch from the app's configuration and services (called once from
 * src/compose.ts): the SQS queue client, the identity lister and the audit's diagnosis,
 * the store on the app's database file, and the Slack gateway over the app's client and
 * channel pacer. Returns undefined when neither intake nor audit is configured.
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

/** Builds the watch and hands `/maildiag watch` and the Diagnose button their dependencies. */
export function composeWatch(config: AppConfig, services: DiagnosisServices, app: SlackAppHandle, log: Logger, options: WatchComposeOptions = {}): Watch | undefined {
  const watch = config.watch;
  // Posts share the app's Web API client and its per-channel pacing.
  const slack = createSlackGateway(app.app.client, app.deps.pacer);
  if (!watch.channel || (!watch.queueUrl && watch.auditEveryMs === undefined)) return undefined;
  const endpoint = config.aws.endpoint;
  const store = options.store ?? openSqliteWatchStore({ path: config.store.path });
  const clock = options.clock ?? { now: () => new Date() };
  const holder = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const channel = watch.channel;
  const audit =
    watch.auditEveryMs !== undefined && services.aws
      ? createAuditRunner({
          everyMs: watch.auditEveryMs,
          regions: config.engine.regions,
          listIdentities: createIdentityLister({ ...(endpoint ? { endpoint } : {}), logger: log }),
          diagnose: (identity, region) => diagnose(parseTargetText(`${identity} region=${region}`), services, { layers: ['ses', 'dns'] }),
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
  if (options.registry) registerWatchMetrics(options.registry, composed);
  return composed;
}
