/**
 * Claim micro-benchmark (issue 14): 1,000 approve/claim cycles raced by two OS processes on
 * one store, both walking the same requests in the same order, so every claim is contested.
 * Reports p50/p99 per claim call and checks zero double executions (each request won once,
 * one `executed` audit row each). Run on the embedded SQLite file and on PostgreSQL (a
 * throwaway local cluster; the section says why when none can be started).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore, type RemediationStore } from '../src/remediation/store.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../src/store/postgres/url.js';
import { startTestPostgres } from '../test/support/postgres.js';

export interface StoreBenchRow {
  store: 'sqlite' | 'postgres';
  cycles: number;
  processes: number;
  claimCalls: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  wallMs: number;
  /** Requests won by more than one claim, or with more than one `executed` audit row. */
  doubleExecutions: number;
  /** Requests nobody won (must be 0). */
  unclaimed: number;
}

export interface StoreBench {
  rows: StoreBenchRow[];
  skipped?: string;
}

const WORKER = fileURLToPath(new URL('./bench-store-worker.ts', import.meta.url));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function race(kind: 'sqlite' | 'postgres', store: RemediationStore, spec: string, cycles: number): Promise<StoreBenchRow> {
  const ids: string[] = [];
  const now = Date.now();
  for (let i = 0; i < cycles; i += 1) {
    const request = await store.createRequest({
      step: 1,
      origin: { kind: 'remove-suppression', email: `r${i}@bench.example`, region: 'us-east-1' },
      action: { kind: 'remove-suppression', email: `r${i}@bench.example`, region: 'us-east-1' },
      offerId: `offer-${i}`,
      findingId: 'f',
      runId: 'bench',
      channel: 'C0BENCH',
      threadTs: '1.1',
      requestedBy: 'U0REQ',
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      warnings: [],
    });
    ids.push(request.id);
  }
  const workers = ['A', 'B'].map((name) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, spec, JSON.stringify(ids), name], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      }),
    );
    const done = new Promise<{ latencies: number[]; won: string[] }>((resolve, reject) =>
      child.on('exit', (code) => {
        const line = output.split('\n').find((l) => l.startsWith('{'));
        if (code !== 0 || !line) reject(new Error(`bench worker ${name} exited ${code}`));
        else resolve(JSON.parse(line) as { latencies: number[]; won: string[] });
      }),
    );
    return { child, ready, done };
  });
  await Promise.all(workers.map((w) => w.ready));
  const started = performance.now();
  for (const w of workers) w.child.stdin.write('go\n');
  const results = await Promise.all(workers.map((w) => w.done));
  const wallMs = performance.now() - started;

  const wins = new Map<string, number>();
  for (const id of results.flatMap((r) => r.won)) wins.set(id, (wins.get(id) ?? 0) + 1);
  const executed = new Map<string, number>();
  for (const entry of await store.listAudit()) if (entry.event === 'executed') executed.set(entry.requestId, (executed.get(entry.requestId) ?? 0) + 1);
  const doubleExecutions = ids.filter((id) => (wins.get(id) ?? 0) > 1 || (executed.get(id) ?? 0) > 1).length;
  const unclaimed = ids.filter((id) => !wins.has(id)).length;
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    store: kind,
    cycles,
    processes: 2,
    claimCalls: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? 0,
    wallMs,
    doubleExecutions,
    unclaimed,
  };
}

export async function benchStore(cycles = 1_000): Promise<StoreBench> {
  const rows: StoreBenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'maildiag-bench-store-'));
  try {
    const path = join(dir, 'bench.db');
    const sqlite = openSqliteStore({ path });
    try {
      rows.push(await race('sqlite', sqlite, JSON.stringify({ kind: 'sqlite', path }), cycles));
    } finally {
      await sqlite.shutdown();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const cluster = await startTestPostgres();
  if (!cluster.ok) return { rows, skipped: `PostgreSQL section skipped: ${cluster.reason}` };
  try {
    const database = await cluster.pg.createDatabase('bench');
    const url = cluster.pg.url(database);
    const pg = await openPostgresStore({ settings: parseDatabaseUrl(url) });
    try {
      rows.push(await race('postgres', pg, JSON.stringify({ kind: 'postgres', url }), cycles));
    } finally {
      await pg.shutdown();
    }
  } finally {
    await cluster.pg.destroy();
  }
  return { rows };
}

export function formatStoreBench(bench: StoreBench): string {
  const lines = [
    'Claim micro-benchmark: approve/claim cycles raced by 2 processes on one store (every claim contested)',
    'store     cycles  claim calls  p50 ms  p99 ms  max ms  wall s  double executions  unclaimed',
  ];
  for (const r of bench.rows) {
    lines.push(
      `${r.store.padEnd(8)}  ${String(r.cycles).padStart(6)}  ${String(r.claimCalls).padStart(11)}  ${r.p50Ms.toFixed(2).padStart(6)}  ${r.p99Ms.toFixed(2).padStart(6)}  ${r.maxMs.toFixed(1).padStart(6)}  ${(r.wallMs / 1000).toFixed(1).padStart(6)}  ${String(r.doubleExecutions).padStart(17)}  ${String(r.unclaimed).padStart(9)}`,
    );
  }
  if (bench.skipped) lines.push(bench.skipped);
  return lines.join('\n');
}

// `npx tsx scripts/bench-store.ts` runs this section alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${formatStoreBench(await benchStore())}\n`);
}
