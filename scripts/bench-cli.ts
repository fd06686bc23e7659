/**
 * CLI start-up benchmark (issue 15): process starts of the package's bin, the bundled CLI
 * (`node dist/cli-bundle/main.js`, scripts/bundle-cli.mjs), with the unbundled tsc output
 * (`dist/cli/main.js`) beside it for comparison,
 * median of 10 each after one unmeasured start, beside `node -e 0` on the same machine:
 * `--help`, `classify FILE`, and a DNS-only diagnosis (`--layers dns`) against the loopback DNS
 * server. Each start is timed from spawn to exit. Targets: 150, 300 and 400 ms. Builds dist/
 * first. Run alone with `tsx scripts/bench-cli.ts`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDnsServer } from '../test/support/dns-server.js';
import { canonicalZones, SENDER_ADDRESS } from '../test/support/scenarios/canonical-dns.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli-bundle', 'main.js');
const UNBUNDLED = join(ROOT, 'dist', 'cli', 'main.js');
const RUNS = 10;

export interface CliBenchRow {
  name: string;
  command: string;
  targetMs: number | undefined;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** The unmeasured first start (it may fill Node's compile cache). */
  firstMs: number;
  /** Median minus the median of `node -e 0`: what maildiag itself costs. */
  overNodeMs: number;
  /** Median CPU time (user + system) of the process, from /usr/bin/time: steadier than wall time on a busy machine. */
  cpuMedianMs: number | undefined;
  ok: boolean | undefined;
}

const TIME = '/usr/bin/time';
const CPU_LINE = /^maildiag-cpu (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/m;

function timedStart(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ wallMs: number; cpuMs: number | undefined }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Through /usr/bin/time when there is one, for the CPU time; its own cost is a fork and an exec.
    const [command, commandArgs] = existsSync(TIME) ? [TIME, ['-f', 'maildiag-cpu %U %S', process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const elapsed = performance.now() - started;
      // classify and --help exit 0; the DNS diagnosis exits 0 (nothing fails in the canonical zones).
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      const cpu = CPU_LINE.exec(stderr);
      resolve({ wallMs: elapsed, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined });
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export interface CliBenchResult {
  node: string;
  runs: number;
  /** The 1-minute load average before and after: wall times mean little on a busy machine. */
  load: { before: number; after: number };
  rows: CliBenchRow[];
}

export async function benchCli(runs = RUNS): Promise<CliBenchResult> {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const dns = await startDnsServer({ zone: canonicalZones() });
  // A clean directory (no .env) and environment: what a user's shell would give.
  const cwd = mkdtempSync(join(tmpdir(), 'maildiag-bench-cli-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: cwd, MAILDIAG_AWS: 'off' };
  const cases: Array<{ name: string; args: string[]; targetMs: number | undefined }> = [
    { name: 'node -e 0', args: ['-e', '0'], targetMs: undefined },
    { name: 'maildiag --help', args: [CLI, '--help'], targetMs: 150 },
    { name: 'maildiag classify FILE', args: [CLI, 'classify', join(ROOT, 'test', 'fixtures', 'exchange-ndr.eml')], targetMs: 300 },
    {
      name: 'maildiag (DNS only, loopback)',
      args: [CLI, SENDER_ADDRESS, '--layers', 'dns', '--dns-server', dns.address, '--json'],
      targetMs: 400,
    },
    // The same two commands from the unbundled tsc output: what bundling saves.
    { name: 'unbundled classify FILE', args: [UNBUNDLED, 'classify', join(ROOT, 'test', 'fixtures', 'exchange-ndr.eml')], targetMs: undefined },
    { name: 'unbundled (DNS only, loopback)', args: [UNBUNDLED, SENDER_ADDRESS, '--layers', 'dns', '--dns-server', dns.address, '--json'], targetMs: undefined },
  ];
  const rows: CliBenchRow[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  try {
    let nodeMedian = 0;
    for (const entry of cases) {
      const firstMs = (await timedStart(entry.args, cwd, env)).wallMs;
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        const { wallMs, cpuMs } = await timedStart(entry.args, cwd, env);
        times.push(wallMs);
        if (cpuMs !== undefined) cpu.push(cpuMs);
      }
      const medianMs = median(times);
      if (entry.targetMs === undefined) nodeMedian = medianMs;
      rows.push({
        name: entry.name,
        command: entry.args.map((a) => a.replace(ROOT, '.').replace(dns.address, '<loopback-dns>')).join(' '),
        targetMs: entry.targetMs,
        medianMs: Math.round(medianMs),
        minMs: Math.round(Math.min(...times)),
        maxMs: Math.round(Math.max(...times)),
        firstMs: Math.round(firstMs),
        overNodeMs: Math.round(medianMs - nodeMedian),
        cpuMedianMs: cpu.length > 0 ? Math.round(median(cpu)) : undefined,
        ok: entry.targetMs === undefined ? undefined : medianMs <= entry.targetMs,
      });
    }
  } finally {
    await dns.close();
    rmSync(cwd, { recursive: true, force: true });
  }
  return { node: process.version, runs, load: { before: round1(loadBefore), after: round1(loadavg()[0] ?? 0) }, rows };
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

export function formatCliBench(result: CliBenchResult): string {
  const lines = [
    `CLI start (the bin, bundled: dist/cli-bundle/main.js, Node ${result.node}, median of ${result.runs} process starts after one unmeasured start; load average ${result.load.before} → ${result.load.after})`,
    '| command | median | min | max | first | over node -e 0 | CPU (median) | target |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of result.rows) {
    const target = row.targetMs === undefined ? '—' : `≤ ${row.targetMs} ms ${row.ok ? 'met' : 'MISSED'}`;
    const cpu = row.cpuMedianMs === undefined ? '—' : `${row.cpuMedianMs} ms`;
    lines.push(`| ${row.name} | ${row.medianMs} ms | ${row.minMs} ms | ${row.maxMs} ms | ${row.firstMs} ms | ${row.targetMs === undefined ? '—' : `${row.overNodeMs} ms`} | ${cpu} | ${target} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${formatCliBench(await benchCli())}\n`);
}
