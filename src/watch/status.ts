/** The private answer to `/maildiag watch`: queue lag, events in the last hour, the last audit, intake health. */
import { escapeMrkdwn } from '../slack/render/mrkdwn.js';
import type { AuditRunnerState } from './audit.js';
import type { WatchConfig } from './config.js';
import type { IntakeHealth } from './intake.js';
import type { PublisherStats } from './publisher.js';
import type { QueueAttributes } from './sqs.js';
import type { AuditRecord } from './store.js';

export interface WatchStatusInput {
  now: Date;
  config: WatchConfig;
  intake: IntakeHealth | undefined;
  publisher: PublisherStats | undefined;
  openGroups: number;
  counts: Record<string, number> | undefined;
  attributes: { ok: true; value: QueueAttributes } | { ok: false; error: string } | undefined;
  lastAudit: AuditRecord | undefined;
  auditState: AuditRunnerState | undefined;
}

function ago(now: Date, then: Date | string | undefined): string {
  if (then === undefined) return 'never';
  const ms = now.getTime() - new Date(then).getTime();
  if (ms < 90_000) return `${Math.max(0, Math.round(ms / 1000))} s ago`;
  if (ms < 5_400_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}

function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

const list = (record: Partial<Record<string, number>>): string =>
  Object.entries(record)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${escapeMrkdwn(k)} ${n}`)
    .join(', ') || 'none';

export function renderWatchStatus(input: WatchStatusInput): string {
  const { now, config, intake } = input;
  const lines: string[] = ['*maildiag watch*'];
  if (!config.queueUrl) {
    lines.push('*Event intake:* off (set `MAILDIAG_EVENTS_QUEUE_URL` to an SQS queue subscribed to the SES notifications topic).');
  } else {
    const health = intake;
    const verdict = health?.healthy ? ':large_green_circle: healthy' : ':red_circle: not healthy';
    lines.push(`*Event intake:* ${verdict} (${health?.state ?? 'not started'}) · queue \`${escapeMrkdwn(config.queueUrl)}\` → <#${config.channel ?? ''}>`);
    if (health) {
      lines.push(`• last receive ${ago(now, health.lastReceiveAt)}${health.consecutiveFailures > 0 ? ` · *${health.consecutiveFailures} failures in a row*, backing off` : ''}`);
      if (health.lastError) lines.push(`• last queue error ${ago(now, health.lastError.at)}: \`${escapeMrkdwn(health.lastError.code)}\` ${escapeMrkdwn(health.lastError.message)}`);
      const c = health.counters;
      lines.push(`• since start: ${c.received} received, ${c.processed} processed, ${c.duplicates} duplicates, skipped: ${list(c.skipped)}, left for the DLQ: ${list(c.left)}, queue errors ${c.queueErrors}, delete failures ${c.deleteFailures}`);
    }
    const attributes = input.attributes;
    if (attributes?.ok) {
      const age = intake?.oldestMessageAgeMs;
      lines.push(`*Queue lag:* ${attributes.value.visible} waiting, ${attributes.value.inFlight} in flight, ${attributes.value.delayed} delayed${age !== undefined ? ` · oldest message of the last batch was ${duration(age)} old when received` : ''}`);
    } else if (attributes) {
      lines.push(`*Queue lag:* could not read the queue attributes: ${escapeMrkdwn(attributes.error)}`);
    }
    if (input.publisher) {
      const p = input.publisher;
      const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
      lines.push(`*Posts:* ${plural(p.posts, 'group message')}, ${plural(p.updates, 'update')}, ${plural(input.openGroups, 'group')} open${p.heldBack > 0 ? `, *${p.heldBack} held back* (post budget per window used up)` : ''}${p.failedPosts + p.failedUpdates > 0 ? `, ${p.failedPosts} failed posts, ${p.failedUpdates} failed updates` : ''} · window ${duration(config.windowMs)}, bounce threshold ${config.minBounces}`);
    }
  }
  const counts = input.counts;
  lines.push(`*Events in the last hour:* ${counts === undefined ? 'could not read the store' : list(counts)}`);

  if (config.auditEveryMs === undefined) {
    lines.push('*Scheduled audit:* off (set `MAILDIAG_AUDIT_EVERY`, e.g. `24h`).');
  } else {
    const audit = input.lastAudit;
    const state = input.auditState;
    lines.push(`*Scheduled audit:* every ${duration(config.auditEveryMs)}${state?.running ? ' · running now' : ''}${state?.nextAt ? ` · next ${state.nextAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''}`);
    if (audit) {
      const changes = audit.changes;
      const counted = (kind: string) => changes.filter((c) => c.kind === kind).length;
      lines.push(`• last audit ${ago(now, audit.finishedAt)}: ${audit.identities} identities, ${Object.keys(audit.findings).length} open warnings or failures; changes: ${counted('new')} new, ${counted('worse')} worse, ${counted('fixed')} fixed`);
      for (const change of changes.slice(0, 5)) lines.push(`   ◦ ${change.kind}: ${escapeMrkdwn(change.finding.identity)} (${escapeMrkdwn(change.finding.region)}) ${escapeMrkdwn(change.finding.title)}: ${change.finding.status}`);
      if (audit.errors.length > 0) lines.push(`• could not audit: ${audit.errors.slice(0, 3).map((e) => escapeMrkdwn(e)).join('; ')}`);
    } else lines.push('• no audit has run yet');
    if (state?.lastError) lines.push(`• last audit error: ${escapeMrkdwn(state.lastError)}`);
  }
  return lines.join('\n');
}
