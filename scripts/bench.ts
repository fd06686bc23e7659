/**
 * `npm run bench`: every benchmark side by side in one run, printed and written as JSON to
 * bench-results/ so later changes can be compared run against run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { benchDnsLayer, formatDnsBench } from './bench-dns.js';

const DNS_LATENCY_MS = 20;

const results: Record<string, unknown> = { startedAt: new Date().toISOString(), node: process.version };

const dnsRows = await benchDnsLayer(DNS_LATENCY_MS);
results.dnsLayer = { latencyMs: DNS_LATENCY_MS, rows: dnsRows };
process.stdout.write(`${formatDnsBench(dnsRows, DNS_LATENCY_MS)}\n`);

await mkdir('bench-results', { recursive: true });
const file = `bench-results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
await writeFile('bench-results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nResults written to ${file} (and bench-results/latest.json)\n`);
