/**
 * The watch, composed: SES event intake from SQS (grouped, diagnosed posts to the events
 * channel) and the scheduled audit, both optional, plus what `/maildiag watch` shows.
 * src/compose.ts builds it from configuration; tests and the demo build it the same way.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import type { SlackGateway } from '../slack/gateway.js';
import { realScheduler, type Scheduler } from '../slack/progress.js';
import type { AuditRunner } from './audit.js';
import { createClassifier } from './classify.js';
import type { WatchConfig } from './config.js';
import { createGrouper } from './groups.js';
import { createIntake, type Intake } from './intake.js';
import { createPublisher, type Publisher } from './publisher.js';
import type { EventQueue } from './sqs.js';
import { renderWatchStatus } from './status.js';
import type { WatchStore } from './store.js';

/** How long `/maildiag watch` waits for the queue's attributes. */
const STATUS_QUEUE_TIMEOUT_MS = 5_000;

export interface WatchDeps {
  config: WatchConfig;
  store: WatchStore;
  /** Posts to the events channel (the app's client, through its channel pacer). */
  slack: SlackGateway;
  log: Logger;
  clock?: Clock;
  scheduler?: Scheduler;
  /** The event queue; absent = intake off. */
  queue?: EventQueue;
  /** The audit; absent = audit off. */
  audit?: AuditRunner;
  /** This replica's name in leases (default: host name and process id). */
  holder?: string;
  /** Intake options for tests (sleep, random, observers). */
  intake?: Pick<Parameters<typeof createIntake>[0], 'sleep' | 'random' | 'onBatch'>;
}

export interface Watch {
  intake: Intake | undefined;
  publisher: Publisher | undefined;
  audit: AuditRunner | undefined;
  /** The private `/maildiag watch` answer (mrkdwn). */
  statusText(): Promise<string>;
  start(): void;
  stop(): Promise<void>;
}

export function createWatch(deps: WatchDeps): Watch {
  const clock = deps.clock ?? { now: () => new Date() };
  const scheduler = deps.scheduler ?? realScheduler;
  const holder = deps.holder ?? `${hostname()}:${process.pid}`;
  const log = deps.log.child({ component: 'watch' });
  const { config } = deps;
  let intake: Intake | undefined;
  let publisher: Publisher | undefined;
  const grouper = createGrouper({ windowMs: config.windowMs, minBounces: config.minBounces });
  if (deps.queue && config.channel) {
    publisher = createPublisher({ slack: deps.slack, channel: config.channel, windowMs: config.windowMs, scheduler, log });
    intake = createIntake({
      queue: deps.queue,
      store: deps.store,
      classifier: createClassifier(),
      grouper,
      publisher,
      clock,
      log,
      waitSeconds: config.waitSeconds,
      holder,
      ...deps.intake,
    });
  }
  const audit = deps.audit;
  return {
    intake,
    publisher,
    audit,
    async statusText() {
      const now = clock.now();
      const [counts, lastAudit, attributes] = await Promise.all([
        deps.store.eventCountsSince(new Date(now.getTime() - 3_600_000)).catch(() => undefined),
        deps.store.lastAudit().catch(() => undefined),
        deps.queue
          ? // A private answer should not wait on a slow queue API.
            deps.queue.attributes(AbortSignal.timeout(STATUS_QUEUE_TIMEOUT_MS)).then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message.slice(0, 200) : String(error) }),
            )
          : Promise.resolve(undefined),
      ]);
      return renderWatchStatus({
        now,
        config,
        intake: intake?.health(),
        publisher: publisher?.stats,
        openGroups: grouper.open,
        counts,
        attributes,
        lastAudit,
        auditState: audit?.state(),
      });
    },
    start() {
      intake?.start();
      audit?.start();
      log.info({ intake: intake !== undefined, audit: audit !== undefined, channel: config.channel, windowMs: config.windowMs }, 'watch started');
    },
    async stop() {
      await Promise.all([intake?.stop(), audit?.stop()]);
      if (publisher) {
        // Messages in hand are done; give every posted group its last update.
        publisher.closed(grouper.closeExpired(new Date(8.64e15)));
        await publisher.flush();
      }
    },
  };
}
