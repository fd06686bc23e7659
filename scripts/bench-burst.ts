/**
 * Burst benchmark (issue 13): the app as a deployment runs it, `node dist/index.js` in HTTP
 * mode in a child process, with the DNS, AWS, SMTP and Slack peers each in a child process of
 * its own (scripts/bench-peer.ts), and this process only signing and sending. N signed
 * `/maildiag` commands for the canonical scenario go out at once, one channel each.
 *
 * Reported per burst: ack p50/p95/max, refusals ("busy"), commands answered (report or busy),
 * time to the last final summary, the app's CPU per diagnosis (from /proc/<pid>/stat, the app
 * alone, including acks, Slack rendering and posting) and the app's peak RSS (VmHWM).
 *
 * Run alone: `tsx scripts/bench-burst.ts [--sizes=50,200] [--cpu-prof=DIR] [--concurrent=N[,M,default]]`
 * (several values: each size at each value, side by side). `BURST_APP_NODE_ARGS` adds node
 * options to the app (e.g. `--import` of a tracer); `BURST_TRACE_DIR` writes each request's
 * send time and ack time there; `BURST_WARMUP=N` sets how many commands warm each app before its
 * measured burst (default 2: a freshly started app; a larger N shows a long-running one).
 * Builds dist/ first. Linux only (/proc).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SUMMARY_BLOCK_FINAL } from '../src/slack/ids.js';
import { RECIPIENT, ROTATED_KEY_ID, SENDER, SMTP_USER } from '../test/support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../test/support/aws-run.js';
import { commandFields, signSlackRequest } from '../test/support/slack-requests.js';
import type { PeerKind, PeerMessage } from './bench-peer.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SIGNING_SECRET = 'bench-signing-secret-loopback-only';
export const BENCH_BOT_TOKEN = 'xoxb-1111111111-2222222222-BenchBotTokenValue';
/** Same latencies as the end-to-end section: DNS per query, AWS per call, SMTP per round trip. */
export const BURST_LATENCY = { dns: 20, aws: 40, smtp: 50 } as const;
export const CANONICAL_COMMAND = `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`;
const WARMUP_RUNS = Number(process.env.BURST_WARMUP ?? 2);
/** The Docker image's NODE_OPTIONS (Dockerfile): a young generation of 8 MB semi-spaces. */
export const APP_NODE_OPTIONS = '--max-semi-space-size=8';

export interface BurstRow {
  atOnce: number;
  /** MAILDIAG_MAX_CONCURRENT_RUNS as the app reported it (/healthz). */
  maxConcurrentRuns: number;
  /** From the request written to the socket to the whole response read. */
  ackMs: { p50: number; p95: number; max: number };
  /** The same from this process's call (includes the sender's own work for the other requests). */
  ackFromCallMs: { p95: number; max: number };
  refused: number;
  /** Commands that ended in a final summary or the busy answer. */
  answered: number;
  reported: number;
  /** From the first command sent to the last final summary. */
  lastFinalSummaryMs: number;
  /** The app's CPU (user + system) for the burst divided by the diagnoses it ran. */
  cpuMsPerDiagnosis: number;
  peakRssMb: number;
  loadAverage1m: number;
}

export interface BurstResult {
  cpus: number;
  latencyMs: typeof BURST_LATENCY;
  /** The values measured, in order ('default': the app's own default for the CPU count). */
  maxConcurrentRuns: Array<number | 'default'>;
  rows: BurstRow[];
  loadAverageBefore: number[];
  cpuProfiles?: string;
}

interface Peers {
  dns: string;
  aws: string;
  smtp: { host: string; port: number; ca: string };
  slack: { apiUrl: string; responseUrlBase: string };
  calls: Extract<PeerMessage, { type: 'slack-call' }>[];
  onCall: Set<(call: Extract<PeerMessage, { type: 'slack-call' }>) => void>;
  children: ChildProcess[];
}

function startPeer(kind: PeerKind, latency: number): Promise<{ child: ChildProcess; ready: Extract<PeerMessage, { type: 'ready' }> }> {
  const child = fork(join(ROOT, 'scripts', 'bench-peer.ts'), [kind, String(latency)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`peer ${kind} exited (${code})`)));
    const onMessage = (message: PeerMessage): void => {
      if (message.type !== 'ready') return;
      child.off('message', onMessage);
      child.removeAllListeners('exit');
      resolve({ child, ready: message });
    };
    child.on('message', onMessage);
  });
}

async function startPeers(): Promise<Peers> {
  const [dns, aws, smtp, slack] = await Promise.all([
    startPeer('dns', BURST_LATENCY.dns),
    startPeer('aws', BURST_LATENCY.aws),
    startPeer('smtp', BURST_LATENCY.smtp),
    startPeer('slack', 0),
  ]);
  const peers: Peers = {
    dns: dns.ready.kind === 'dns' ? dns.ready.address : '',
    aws: aws.ready.kind === 'aws' ? aws.ready.url : '',
    smtp: smtp.ready.kind === 'smtp' ? { host: smtp.ready.host, port: smtp.ready.port, ca: smtp.ready.ca } : { host: '', port: 0, ca: '' },
    slack: slack.ready.kind === 'slack' ? { apiUrl: slack.ready.apiUrl, responseUrlBase: slack.ready.responseUrlBase } : { apiUrl: '', responseUrlBase: '' },
    calls: [],
    onCall: new Set(),
    children: [dns.child, aws.child, smtp.child, slack.child],
  };
  slack.child.on('message', (message: PeerMessage) => {
    if (message.type !== 'slack-call') return;
    peers.calls.push(message);
    for (const listener of peers.onCall) listener(message);
  });
  return peers;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU of one process, in ms (clock-tick resolution). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** CPU per thread name (main thread, V8 workers, libuv pool), in ms: where the app's CPU goes (BURST_THREADS=1). */
async function cpuByThread(pid: number): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, 'N');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return byName;
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? '0');
  return Math.round(kb / 1024);
}

export interface App {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  health(): Promise<{ activeRuns: number; queuedRuns: number; maxConcurrentRuns: number; postingThreads: number }>;
  stop(): Promise<void>;
}

/** Starts `node dist/index.js` in HTTP mode against these peers; `execArgv` and `env` add to what a deployment sets (scripts/bench-floor.ts records calls with them). */
export async function startApp(
  peers: Pick<Peers, 'dns' | 'aws' | 'smtp' | 'slack'>,
  dir: string,
  options: { maxConcurrent?: number; cpuProfDir?: string; label: string; execArgv?: string[]; env?: Record<string, string> },
): Promise<App> {
  const caFile = join(dir, 'smtp-ca.pem');
  await writeFile(caFile, peers.smtp.ca);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    NODE_ENV: 'production',
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: peers.slack.apiUrl,
    SLACK_BOT_USER_ID: 'U0BOT',
    SLACK_BOT_ID: 'B0BOT',
    PORT: String(port),
    MAILDIAG_AWS: 'on',
    AWS_ACCESS_KEY_ID: BOT_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BOT_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: peers.aws,
    MAILDIAG_DNS_SERVERS: peers.dns,
    MAILDIAG_SMTP_ENDPOINT: `${peers.smtp.host}:${peers.smtp.port}`,
    MAILDIAG_SMTP_CA: caFile,
    MAILDIAG_SMTP_USERS: SMTP_USER,
    MAILDIAG_DB: join(dir, `maildiag-${options.label}.db`),
    // Room for the whole burst: the refusal path has its own test; here every command should run.
    MAILDIAG_MAX_QUEUED_RUNS: '1000',
    // As the Docker image runs it (Dockerfile ENV NODE_OPTIONS); BURST_APP_NODE_OPTIONS overrides ('' for Node's defaults).
    NODE_OPTIONS: process.env.BURST_APP_NODE_OPTIONS ?? APP_NODE_OPTIONS,
    LOG_LEVEL: 'info',
    ...(options.maxConcurrent ? { MAILDIAG_MAX_CONCURRENT_RUNS: String(options.maxConcurrent) } : {}),
    ...options.env,
  };
  const execArgv = [...(process.env.BURST_APP_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(options.execArgv ?? []), ...(options.cpuProfDir ? [`--cpu-prof`, `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=app-${options.label}.cpuprofile`] : [])];
  // Logs go to /dev/null: formatting costs stay in, the benchmark's terminal stays clean.
  const child = spawn(process.execPath, [...execArgv, join(ROOT, 'dist', 'index.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const health = async (): Promise<{ activeRuns: number; queuedRuns: number; maxConcurrentRuns: number; postingThreads: number }> =>
    (await (await fetch(`${baseUrl}/healthz`)).json()) as { activeRuns: number; queuedRuns: number; maxConcurrentRuns: number; postingThreads: number };
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}): ${stderr}`);
    try {
      await health();
      break;
    } catch {
      if (attempt > 300) throw new Error(`the app did not answer /healthz: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    child,
    pid: child.pid ?? 0,
    baseUrl,
    health,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One POST on a fresh connection; times when the request was fully written and when the response ended. */
export function post(port: number, body: string, headers: Record<string, string>): Promise<{ status: number; body: string; writtenAt: number; ackedAt: number }> {
  return new Promise((resolve, reject) => {
    let writtenAt = 0;
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/slack/events', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, writtenAt, ackedAt: performance.now() }));
        res.on('error', reject);
      },
    );
    req.on('finish', () => {
      writtenAt = performance.now();
    });
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Until no run is active or queued and every thread is posted (the CPU measured covers whole reports). */
export async function waitIdle(app: App): Promise<void> {
  for (;;) {
    const h = await app.health();
    if (h.activeRuns === 0 && h.queuedRuns === 0 && h.postingThreads === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Sends `size` commands at once and waits until every one is answered and the app is idle. */
async function burst(peers: Peers, app: App, size: number, prefix: string): Promise<Omit<BurstRow, 'peakRssMb' | 'loadAverage1m' | 'cpuMsPerDiagnosis' | 'maxConcurrentRuns'> & { diagnoses: number }> {
  const channels = Array.from({ length: size }, (_, i) => `C0${prefix}${String(i).padStart(4, '0')}`);
  const pending = new Set(channels);
  const finals = new Map<string, number>();
  let resolveAll!: () => void;
  const allFinal = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const listener = (call: Extract<PeerMessage, { type: 'slack-call' }>): void => {
    if (call.method !== 'chat.update' || call.blockId !== SUMMARY_BLOCK_FINAL || !call.channel || !pending.has(call.channel)) return;
    finals.set(call.channel, call.epochMs);
    pending.delete(call.channel);
    if (pending.size === 0) resolveAll();
  };
  peers.onCall.add(listener);
  // Signed before the clock starts: Slack's many senders do not share one process's CPU.
  const timestamp = Math.floor(Date.now() / 1000);
  const bodies = channels.map((channel, i) =>
    new URLSearchParams({
      ...commandFields({ text: CANONICAL_COMMAND, channel, user: 'U0AGENT', responseUrl: `${peers.slack.responseUrlBase}${channel}` }),
      trigger_id: `${prefix}.${i}`,
    }).toString(),
  );
  const signatures = bodies.map((body) => signSlackRequest(SIGNING_SECRET, timestamp, body));
  const { port } = new URL(app.baseUrl);
  const startedAt = performance.timeOrigin + performance.now();
  const acks = await Promise.all(
    channels.map(async (channel, i) => {
      const body = bodies[i] ?? '';
      const sent = performance.now();
      const response = await post(Number(port), body, { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signatures[i] ?? '' });
      const busy = response.body.includes('busy:');
      if (busy) pending.delete(channel);
      // The ack is timed from the moment the request was on the wire (as Slack times it), not from
      // the call here: one process issuing 200 requests spends a few hundred ms before the last connects.
      return { ackMs: response.ackedAt - response.writtenAt, fromCallMs: response.ackedAt - sent, busy, status: response.status, sentAt: performance.timeOrigin + sent };
    }),
  );
  if (pending.size === 0) resolveAll();
  const timeout = setTimeout(() => resolveAll(), 180_000);
  await allFinal;
  clearTimeout(timeout);
  peers.onCall.delete(listener);
  await waitIdle(app);
  if (process.env.BURST_TRACE_DIR) await writeFile(join(process.env.BURST_TRACE_DIR, `sender-${prefix}.json`), JSON.stringify(acks));
  const sorted = acks.map((a) => a.ackMs).sort((a, b) => a - b);
  const fromCall = acks.map((a) => a.fromCallMs).sort((a, b) => a - b);
  const refused = acks.filter((a) => a.busy).length;
  return {
    atOnce: size,
    ackMs: { p50: round1(percentile(sorted, 50)), p95: round1(percentile(sorted, 95)), max: round1(sorted.at(-1) ?? 0) },
    ackFromCallMs: { p95: round1(percentile(fromCall, 95)), max: round1(fromCall.at(-1) ?? 0) },
    refused,
    answered: refused + finals.size,
    reported: finals.size,
    lastFinalSummaryMs: Math.round(Math.max(0, ...finals.values()) - startedAt),
    diagnoses: finals.size,
  };
}

export async function benchBurst(options: { sizes?: number[]; maxConcurrent?: Array<number | 'default'>; cpuProfDir?: string } = {}): Promise<BurstResult> {
  const sizes = options.sizes ?? [50, 200];
  const concurrencies = options.maxConcurrent ?? ['default'];
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'maildiag-burst-'));
  const peers = await startPeers();
  const loadAverageBefore = loadavg().map((l) => round1(l));
  const rows: BurstRow[] = [];
  try {
    for (const concurrent of concurrencies)
    for (const size of sizes) {
      // A fresh app per burst, so its peak RSS belongs to that burst.
      const label = `b${size}-c${concurrent}`;
      const app = await startApp(peers, dir, { label, ...(concurrent !== 'default' ? { maxConcurrent: concurrent } : {}), ...(options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {}) });
      try {
        // Warm-up: JIT, the AWS SDK's first load, connections. Not measured.
        await burst(peers, app, WARMUP_RUNS, `W${size}`);
        const cpuBefore = await cpuMs(app.pid);
        const threadsBefore = process.env.BURST_THREADS ? await cpuByThread(app.pid) : undefined;
        const result = await burst(peers, app, size, `B${size}`);
        const cpuAfter = await cpuMs(app.pid);
        if (threadsBefore) {
          const after = await cpuByThread(app.pid);
          const perDiagnosis = [...after].map(([name, ms]) => `${name} ${round1((ms - (threadsBefore.get(name) ?? 0)) / Math.max(1, result.diagnoses))}`);
          process.stderr.write(`  CPU per diagnosis by thread (${label}): ${perDiagnosis.join(', ')} ms\n`);
        }
        const { diagnoses, ...row } = result;
        rows.push({
          ...row,
          maxConcurrentRuns: (await app.health()).maxConcurrentRuns,
          cpuMsPerDiagnosis: diagnoses > 0 ? round1((cpuAfter - cpuBefore) / diagnoses) : 0,
          peakRssMb: await peakRssMb(app.pid),
          loadAverage1m: round1(loadavg()[0] ?? 0),
        });
      } finally {
        await app.stop();
      }
    }
  } finally {
    for (const child of peers.children) child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
  return {
    cpus: availableParallelism(),
    latencyMs: BURST_LATENCY,
    maxConcurrentRuns: concurrencies,
    rows,
    loadAverageBefore,
    ...(options.cpuProfDir ? { cpuProfiles: options.cpuProfDir } : {}),
  };
}

export function formatBurstBench(r: BurstResult): string {
  const lines = [
    `Burst: the app as a child process (node dist/index.js, HTTP receiver), DNS/AWS/SMTP/Slack peers in their own processes; canonical scenario, latency DNS ${r.latencyMs.dns} ms/query, AWS ${r.latencyMs.aws} ms/call, SMTP ${r.latencyMs.smtp} ms/round trip; MAILDIAG_MAX_CONCURRENT_RUNS ${r.maxConcurrentRuns.join(', ')} on ${r.cpus} CPUs`,
    `  machine load average before: ${r.loadAverageBefore.join(' / ')} (1/5/15 min; other work on the machine makes these figures pessimistic)`,
    '  at once | runs | ack p50 | ack p95 | ack max | (from the call: p95 / max) | refused | answered | last final summary | app CPU/diagnosis | app peak RSS | load 1m',
  ];
  for (const row of r.rows) {
    lines.push(
      `  ${String(row.atOnce).padStart(7)} | ${String(row.maxConcurrentRuns).padStart(4)} | ${`${row.ackMs.p50} ms`.padStart(7)} | ${`${row.ackMs.p95} ms`.padStart(7)} | ${`${row.ackMs.max} ms`.padStart(7)} | ${`${row.ackFromCallMs.p95} / ${row.ackFromCallMs.max} ms`.padStart(26)} | ${String(row.refused).padStart(7)} | ${`${row.answered}/${row.atOnce}`.padStart(8)} | ${`${row.lastFinalSummaryMs} ms`.padStart(18)} | ${`${row.cpuMsPerDiagnosis} ms`.padStart(17)} | ${`${row.peakRssMb} MB`.padStart(12)} | ${row.loadAverage1m}`,
    );
  }
  lines.push('  targets: 50 at once ack p95 ≤ 100 ms, max ≤ 250 ms, all reported; 200 at once no ack over 1 s, every command answered; RSS ≤ 300 MB; CPU ≤ 20 ms/diagnosis');
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = arg('sizes')?.split(',').map(Number);
  const concurrent = arg('concurrent');
  const cpuProfDir = arg('cpu-prof');
  const maxConcurrent = concurrent?.split(',').map((value) => (value === 'default' ? ('default' as const) : Number(value)));
  const result = await benchBurst({ ...(sizes ? { sizes } : {}), ...(maxConcurrent ? { maxConcurrent } : {}), ...(cpuProfDir ? { cpuProfDir } : {}) });
  process.stdout.write(`${formatBurstBench(result)}\n`);
}
