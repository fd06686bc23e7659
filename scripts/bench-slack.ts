/**
 * Slack benchmark: the canonical scenario through the real Bolt app and HTTP receiver on
 * loopback (signed slash command in, fake Slack Web API out, loopback DNS with the scenario's
 * zones; AWS off). Measures, per run: request → ack (HTTP response), request → final summary
 * update (the chat.update with the final state reaching the Slack API), and request → last
 * thread message. Run alone with `tsx scripts/bench-slack.ts`; bench.ts can import it.
 */
import { pathToFileURL } from 'node:url';
import { SUMMARY_BLOCK_FINAL } from '../src/slack/ids.js';
import type { Block } from '../src/slack/render/blocks.js';
import { RECIPIENT_ADDRESS, SENDER_ADDRESS } from '../test/support/scenarios/canonical-dns.js';
import { commandFields } from '../test/support/slack-requests.js';
import { CHANNEL, startHarness, USER } from '../test/slack/harness.js';

export interface SlackBenchRow {
  dnsLatencyMs: number;
  runs: number;
  ackMs: Stats;
  finalSummaryMs: Stats;
  reportCompleteMs: Stats;
  slackCallsPerRun: number;
  paceViolations: number;
}

interface Stats {
  p50: number;
  p95: number;
  max: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const round = (n: number): number => Math.round(n * 10) / 10;
  return { p50: round(pick(0.5)), p95: round(pick(0.95)), max: round(sorted.at(-1) ?? Number.NaN) };
}

export async function benchSlackCanonical(options: { dnsLatencyMs: number; runs: number; warmup?: number }): Promise<SlackBenchRow> {
  const h = await startHarness({ logLevel: 'info' });
  h.dns.setLatency(options.dnsLatencyMs);
  const ack: number[] = [];
  const final: number[] = [];
  const complete: number[] = [];
  let calls = 0;
  try {
    const warmup = options.warmup ?? 2;
    for (let i = 0; i < warmup + options.runs; i += 1) {
      const firstCall = h.slack.calls.length;
      const finished = h.nextRun();
      const started = performance.now();
      const response = await h.requests.command(
        commandFields({ text: `${SENDER_ADDRESS} to=${RECIPIENT_ADDRESS}`, channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl(`bench-${i}`) }),
      );
      const ackedAt = performance.now();
      if (response.status !== 200) throw new Error(`ack status ${response.status}`);
      const { place } = await finished;
      const completedAt = performance.now();
      const runCalls = h.slack.calls.slice(firstCall);
      const finalUpdate = runCalls.find(
        (c) => c.method === 'chat.update' && c.args.ts === place.summaryTs && (c.args.blocks as Block[])[0]?.block_id === SUMMARY_BLOCK_FINAL,
      );
      if (!finalUpdate) throw new Error('no final summary update recorded');
      if (i < warmup) continue;
      ack.push(ackedAt - started);
      final.push(finalUpdate.at - started);
      complete.push(completedAt - started);
      calls += runCalls.length;
    }
    return {
      dnsLatencyMs: options.dnsLatencyMs,
      runs: options.runs,
      ackMs: stats(ack),
      finalSummaryMs: stats(final),
      reportCompleteMs: stats(complete),
      slackCallsPerRun: Math.round((calls / options.runs) * 10) / 10,
      paceViolations: h.slack.paceViolations,
    };
  } finally {
    await h.close();
  }
}

export function formatSlackBench(rows: readonly SlackBenchRow[]): string {
  const lines = [
    'Slack app, canonical scenario on loopback (real Bolt HTTP receiver, fake Web API, AWS off)',
    'DNS latency | runs | ack p50/p95/max ms | final summary p50/p95/max ms | report complete p50/p95/max ms | Slack calls/run',
  ];
  const fmt = (s: Stats): string => `${s.p50} / ${s.p95} / ${s.max}`;
  for (const row of rows) {
    lines.push(`${row.dnsLatencyMs} ms | ${row.runs} | ${fmt(row.ackMs)} | ${fmt(row.finalSummaryMs)} | ${fmt(row.reportCompleteMs)} | ${row.slackCallsPerRun}`);
  }
  lines.push('(this section runs the test harness with post pacing off, to time the report itself; the end-to-end section runs the real one-per-second pacing)');
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows: SlackBenchRow[] = [];
  for (const dnsLatencyMs of [0, 20]) rows.push(await benchSlackCanonical({ dnsLatencyMs, runs: 20 }));
  process.stdout.write(`${formatSlackBench(rows)}\n`);
}
