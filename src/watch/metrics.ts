/**
 * The watch's Prometheus instruments, on the app's registry (src/metrics.ts): read from the
 * intake's and the publisher's own counters at scrape time, so the hot path counts nothing
 * twice. Labels come from closed sets (outcome, reason, what was posted); never an identity,
 * a domain or an address.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Watch } from './index.js';

export function registerWatchMetrics(registry: Registry, watch: Watch): void {
  const registers = [registry];
  // Counters fed from cumulative totals: each scrape adds what is new since the last one.
  const seen = new Map<string, number>();
  const feed = (counter: Counter<string>, name: string, labels: Record<string, string>, total: number): void => {
    const key = `${name}${JSON.stringify(labels)}`;
    const delta = total - (seen.get(key) ?? 0);
    if (delta > 0) counter.inc(labels, delta);
    seen.set(key, total);
  };

  const events: Counter<'outcome' | 'reason'> = new Counter({
    name: 'maildiag_watch_events_total',
    help: 'SQS messages handled by the watch, by outcome (processed, duplicate, skipped, left for redelivery/DLQ) and reason.',
    labelNames: ['outcome', 'reason'] as const,
    registers,
    collect() {
      const health = watch.intake?.health();
      if (!health) return;
      const c = health.counters;
      feed(events, 'events', { outcome: 'processed', reason: 'ok' }, c.processed);
      feed(events, 'events', { outcome: 'duplicate', reason: 'duplicate' }, c.duplicates);
      for (const [reason, n] of Object.entries(c.skipped)) feed(events, 'events', { outcome: 'skipped', reason }, n ?? 0);
      for (const [reason, n] of Object.entries(c.left)) feed(events, 'events', { outcome: 'left', reason }, n ?? 0);
    },
  });
  const queueErrors: Counter<string> = new Counter({
    name: 'maildiag_watch_queue_errors_total',
    help: 'Failed queue polls (each followed by a backoff).',
    registers,
    collect() {
      const health = watch.intake?.health();
      if (health) feed(queueErrors, 'queueErrors', {}, health.counters.queueErrors);
    },
  });
  const slack: Counter<'what'> = new Counter({
    name: 'maildiag_watch_slack_messages_total',
    help: 'What the watch did in the events channel: group messages posted, updates, groups held back by the per-window budget, failed posts and updates.',
    labelNames: ['what'] as const,
    registers,
    collect() {
      const stats = watch.publisher?.stats;
      if (!stats) return;
      feed(slack, 'slack', { what: 'post' }, stats.posts);
      feed(slack, 'slack', { what: 'update' }, stats.updates);
      feed(slack, 'slack', { what: 'held_back' }, stats.heldBack);
      feed(slack, 'slack', { what: 'failed' }, stats.failedPosts + stats.failedUpdates);
    },
  });
  const healthy: Gauge<string> = new Gauge({
    name: 'maildiag_watch_intake_healthy',
    help: '1 when the event intake polls without errors (or stands by for another replica), else 0.',
    registers,
    collect() {
      const health = watch.intake?.health();
      if (health) healthy.set(health.healthy ? 1 : 0);
    },
  });
  const age: Gauge<string> = new Gauge({
    name: 'maildiag_watch_oldest_message_age_seconds',
    help: 'Age of the oldest message of the last non-empty batch when it was received (from SentTimestamp).',
    registers,
    collect() {
      const ms = watch.intake?.health().oldestMessageAgeMs;
      if (ms !== undefined) age.set(ms / 1000);
    },
  });
}
