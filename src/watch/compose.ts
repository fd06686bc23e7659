/**
 * Builds the watch from the app's configuration and services (called once from
 * src/compose.ts): the SQS queue client, the identity lister and the audit's diagnosis,
 * the store on the app's database file, and the Slack gateway over the app's client and
 * channel pacer. Returns undefined when neither intake nor audit is configured.
 */
import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import type { Clock } from '../core/ports.js';
import { parseTargetText } from '../core/target.js';
import { diagnose, type DiagnosisServices } from '../service.js';
import type { SlackGateway } from '../slack/gateway.js';
import type { Scheduler } from '../slack/progress.js';
import { createAuditRunner } from './audit.js';
import { createIdentityLister } from './identities.js';
import { createWatch, type Watch, type WatchDeps } from './index.js';
import { createSqsQueue } from './sqs.js';
import { openSqliteWatchStore, type WatchStore } from './store.js';

export interface WatchComposeOptions {
  clock?: Clock;
  scheduler?: Scheduler;
  /** A store other than the SQLite file (tests, PostgreSQL). */
  store?: WatchStore;
  intake?: WatchDeps['intake'];
}

export function composeWatch(config: AppConfig, services: DiagnosisServices, slack: SlackGateway, log: Logger, options: WatchComposeOptions = {}): Watch | undefined {
  const watch = config.watch;
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
          listIdentities: createIdentityLister(endpoint ? { endpoint } : {}),
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
  return createWatch({
    config: watch,
    store,
    slack,
    log,
    clock,
    holder,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(watch.queueUrl ? { queue: createSqsQueue({ url: watch.queueUrl, region: watch.queueRegion, ...(endpoint ? { endpoint } : {}) }) } : {}),
    ...(audit ? { audit } : {}),
    ...(options.intake ? { intake: options.intake } : {}),
  });
}
