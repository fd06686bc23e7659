/**
 * DNS-layer benchmark (issue 2): each fixture domain against the loopback DNS server with a
 * fixed latency per query. Reports wall time, the critical-path bound, their ratio, queries
 * sent vs distinct, and the same for a sequential, uncached baseline (the manual runbook).
 */
import pino from 'pino';
import { dnsLayer } from '../src/checks/dns/index.js';
import { createRunContext, newCounters } from '../src/core/context.js';
import { invokeCheck } from '../src/core/engine.js';
import { emptyTarget } from '../src/core/target.js';
import { createDnsClient } from '../src/io/dns.js';
import { diagnose } from '../src/compose.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { ATERMS_DOMAIN, benchZones, DEEP_DOMAIN, WIDE_DOMAIN } from '../test/support/scenarios/bench-dns.js';
import { canonicalZones, MAIL_FROM_DOMAIN, SENDER_DOMAIN } from '../test/support/scenarios/canonical-dns.js';
import { criticalPath, Timeline } from '../test/support/timeline.js';

export interface DnsBenchRow {
  domain: string;
  wallMs: number;
  boundMs: number;
  ratio: number;
  sent: number;
  distinct: number;
  baselineMs: number;
  baselineSent: number;
  baselineDistinct: number;
  speedup: number;
  chain: string[];
}

const RUNS = 5;

export async function benchDnsLayer(latencyMs = 20): Promise<DnsBenchRow[]> {
  const server = await startDnsServer({ zone: { ...canonicalZones(), ...benchZones() }, latencyMs });
  const base = createDnsClient({ servers: [server.address], timeoutMs: 2_000, tries: 1 });
  const log = pino({ level: 'silent' });
  const rows: DnsBenchRow[] = [];
  try {
    for (const domain of [SENDER_DOMAIN, DEEP_DOMAIN, WIDE_DOMAIN, ATERMS_DOMAIN]) {
      const target = { ...emptyTarget(domain), ...(domain === SENDER_DOMAIN ? { mailFromDomain: MAIL_FROM_DOMAIN } : {}) };
      // The product's way: concurrent checks over one per-run cache. The first run warms the
      // JIT and is discarded; the median of the next runs is reported.
      const services = { modules: [dnsLayer], aws: undefined, smtp: undefined, settings: { regions: ['us-east-1'], smtpUsers: [], keyMaxAgeDays: 90, checkTimeoutMs: 30_000 }, log };
      const runs: Array<{ wallMs: number; timeline: Timeline }> = [];
      for (let i = 0; i <= RUNS; i++) {
        const timeline = new Timeline();
        const started = performance.now();
        await diagnose(target, { ...services, dns: timeline.wrapDns(base) });
        if (i > 0) runs.push({ wallMs: performance.now() - started, timeline });
      }
      runs.sort((a, b) => a.wallMs - b.wallMs);
      const { wallMs, timeline } = runs[Math.floor(runs.length / 2)]!;
      const { boundMs, chain } = criticalPath(timeline.events, { dns: latencyMs, aws: 0, smtp: 0 });
      // Baseline: the same checks one after another, with no cache between them.
      const baselineTimeline = new Timeline();
      const ctx = createRunContext({ target, dns: baselineTimeline.wrapDns(base), counters: newCounters(), log, settings: { checkTimeoutMs: 60_000 } });
      const baselineStarted = performance.now();
      for (const check of dnsLayer.checks) await invokeCheck(check, ctx).catch(() => []);
      const baselineMs = performance.now() - baselineStarted;
      const counts = timeline.count('dns');
      const baselineCounts = baselineTimeline.count('dns');
      rows.push({
        domain,
        wallMs: Math.round(wallMs),
        boundMs,
        ratio: Number((wallMs / boundMs).toFixed(2)),
        sent: counts.sent,
        distinct: counts.distinct,
        baselineMs: Math.round(baselineMs),
        baselineSent: baselineCounts.sent,
        baselineDistinct: baselineCounts.distinct,
        speedup: Number((baselineMs / wallMs).toFixed(1)),
        chain,
      });
    }
  } finally {
    await server.close();
  }
  return rows;
}

export function formatDnsBench(rows: DnsBenchRow[], latencyMs: number): string {
  const lines = [
    `DNS layer, ${latencyMs} ms per query (loopback server; median of ${RUNS} runs after a warm-up)`,
    'domain              wall ms  bound ms  ratio  sent/distinct  | sequential uncached: ms  sent/distinct  speed-up',
  ];
  for (const r of rows) {
    lines.push(
      `${r.domain.padEnd(19)} ${String(r.wallMs).padStart(7)}  ${String(r.boundMs).padStart(8)}  ${r.ratio.toFixed(2).padStart(5)}  ${`${r.sent}/${r.distinct}`.padStart(13)}  | ${String(r.baselineMs).padStart(23)}  ${`${r.baselineSent}/${r.baselineDistinct}`.padStart(13)}  ${`${r.speedup}x`.padStart(8)}`,
    );
  }
  for (const r of rows) lines.push(`critical path for ${r.domain}: ${r.chain.join(' → ')}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchDnsLayer(20);
  process.stdout.write(`${formatDnsBench(rows, 20)}\n`);
}
