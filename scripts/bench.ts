/**
 * `npm run bench`: every benchmark side by side in one run, printed and written as JSON to
 * bench-results/ so later changes can be compared run against run. Everything runs on
 * loopback; the whole run stays around a minute on two cores.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { benchCli, formatCliBench } from './bench-cli.js';
import { benchBlocking, formatBlockingBench } from './bench-blocking.js';
import { benchBurst, formatBurstBench } from './bench-burst.js';
import { benchDnsLayer, formatDnsBench } from './bench-dns.js';
import { benchE2e, formatE2eBench } from './bench-e2e.js';
import { benchEvents, formatEventsBench } from './bench-events.js';
import { benchFloor, formatFloorBench } from './bench-floor.js';
import { benchSlackCanonical, formatSlackBench, type SlackBenchRow } from './bench-slack.js';
import { benchStore, formatStoreBench } from './bench-store.js';

const DNS_LATENCY_MS = 20;
const verbose = process.argv.includes('--verbose');
/** `--only <section>` (or `--only=<section>`): run one section, e.g. `burst`. Default: all of them. */
const onlyIndex = process.argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
const only = onlyIndex < 0 ? undefined : process.argv[onlyIndex]?.startsWith('--only=') ? process.argv[onlyIndex]?.slice('--only='.length) : process.argv[onlyIndex + 1];

const results: Record<string, unknown> = { startedAt: new Date().toISOString(), node: process.version };
const section = async <T>(name: string, run: () => Promise<T>, format: (value: T) => string): Promise<void> => {
  if (only !== undefined && only !== name) return;
  const started = performance.now();
  const value = await run();
  results[name] = value;
  process.stdout.write(`${format(value)}\n(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)\n\n`);
};

// Issue 2: the DNS layer alone.
await section(
  'dnsLayer',
  async () => ({ latencyMs: DNS_LATENCY_MS, rows: await benchDnsLayer(DNS_LATENCY_MS) }),
  (value) => formatDnsBench(value.rows, DNS_LATENCY_MS),
);

// Issue 5: ack and final summary through the Bolt app (DNS only, AWS off).
await section(
  'slack',
  async () => {
    const rows: SlackBenchRow[] = [];
    for (const dnsLatencyMs of [0, DNS_LATENCY_MS]) rows.push(await benchSlackCanonical({ dnsLatencyMs, runs: 10, warmup: 1 }));
    return { rows };
  },
  (value) => formatSlackBench(value.rows),
);

// Issue 7: the whole product end to end with every layer, the sequential baseline, 50 at once.
await section('endToEnd', () => benchE2e({ runs: 5, fleetSize: 50 }), (value) => formatE2eBench(value, { verbose }));

// Issue 16: the watch, 10,000 mixed SES events from a preloaded queue, and the Slack posts they make.
await section('watchEvents', () => benchEvents(), formatEventsBench);

// Issue 14: 1,000 approve/claim cycles raced by two processes, SQLite file and PostgreSQL.
await section('storeClaims', () => benchStore(1_000), formatStoreBench);

// Issue 13: how long the CPU-heavy steps hold the thread that acks (long threads, wide SPF trees).
await section('mainThreadHolds', () => benchBlocking(), formatBlockingBench);

// Issue 13: 50 then 200 signed commands at once; the app and every peer in its own process.
await section('burst', () => benchBurst({ sizes: [50, 200] }), formatBurstBench);
// Sizing MAILDIAG_MAX_CONCURRENT_RUNS: 200 at once with 2, the default (2 per CPU) and 8 runs, side by side.
await section('burstConcurrency', () => benchBurst({ sizes: [200], maxConcurrent: [2, 'default', 8] }), formatBurstBench);

// Issue 13: the CPU floor: the app's own wire calls for one diagnosis, replayed through the same clients with nothing around them, beside the app.
await section('cpuFloor', () => benchFloor(), formatFloorBench);

// Issue 15: process starts of the built CLI beside `node -e 0`.
await section('cliStart', () => benchCli(), formatCliBench);

await mkdir('bench-results', { recursive: true });
const file = `bench-results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
await writeFile('bench-results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`Results written to ${file} (and bench-results/latest.json)\n`);
