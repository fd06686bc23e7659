/** What the listeners need, injected once by `createSlackApp` (tests pass their own). */
import type { Logger } from 'pino';
import type { Report } from '../core/report.js';
import type { OfferStore } from '../remediation/offers.js';
import type { DiagnosisServices } from '../compose.js';
import type { AckFirst } from './ack-first.js';
import type { ApprovalSlackDeps } from './approval-adapters.js';
import type { EventDeduper } from './event-dedupe.js';
import type { PreAckedCommands } from './fast-ack.js';
import type { ChannelPacer } from './pacer.js';
import type { RateLimits } from './rate-limit.js';
import type { Scheduler } from './progress.js';
import type { RunQueue } from './run-queue.js';
import type { ThreadExtractor } from './thread-extraction.js';

export interface RunPlace {
  channel: string;
  /** The thread the findings went to (the summary's ts for a slash command). */
  threadTs: string;
  summaryTs: string;
}

export interface SlackDeps {
  services: DiagnosisServices;
  offers: OfferStore;
  log: Logger;
  /** Channel ids where the bot answers; empty = everywhere. */
  allowedChannels: readonly string[];
  extractThread: ThreadExtractor;
  dedupe: EventDeduper;
  /** Sliding-window limits ("Test a credential"): in the shared store in the app, so replicas share them. */
  rateLimits: RateLimits;
  /** Minimum time between two progress updates of one summary (Slack: ~1/s per message). */
  progressIntervalMs: number;
  scheduler: Scheduler;
  newRunId: () => string;
  /** Spaces the bot's posts per channel (Slack: about one message per second per channel). */
  pacer: ChannelPacer;
  /** Every accepted run goes through the queue (bounded concurrency); shutdown drains it. */
  runs: RunQueue;
  /** Work after an ack waits while requests keep arriving (src/slack/ack-first.ts); absent: never waits. */
  ackFirst?: AckFirst;
  /** Slash commands the HTTP fast path acked before Bolt saw them (src/slack/fast-ack.ts); absent in Socket Mode. */
  preAcked?: PreAckedCommands;
  /** Observers (tests, benchmark): called after a report's last message was posted. */
  onRunFinished?: (report: Report, place: RunPlace) => void;
  /** The approval flow (issue 6); without it "Request fix" answers that approval is not configured. */
  approval?: ApprovalSlackDeps;
  /** The watch (issue 16): `/maildiag watch` and the Diagnose button under event groups. */
  watch?: WatchSlackDeps;
}

export interface WatchSlackDeps {
  /** The events channel (Diagnose is always allowed there). */
  channel: string | undefined;
  statusText(): Promise<string>;
}
