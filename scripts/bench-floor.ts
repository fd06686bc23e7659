/**
 * CPU floor of a canonical diagnosis (issue 13's "≤ 20 ms of CPU per diagnosis"): how much of
 * the app's CPU the wire calls themselves cost through the libraries the design requires.
 *
 * 1. The app (`node dist/index.js`, HTTP mode) runs one canonical diagnosis with
 *    scripts/bench-floor-recorder.mjs loaded, which records every AWS SDK command and Slack Web
 *    API call it makes; the DNS server records the queries, the SMTP server the probes.
 * 2. A child process (scripts/bench-floor-child.ts) replays exactly those calls, per diagnosis,
 *    through the same clients and settings, with nothing of the diagnosis around them, for the
 *    whole set and for each part alone. Its CPU per diagnosis is the floor.
 * 3. Side by side, a fresh app runs 50 commands at once against the same peers: its CPU per
 *    diagnosis (until every thread is posted) after a warm-up of 2, as the burst section, and
 *    for a second 50 (warm).
 *
 * Peers live in this process (the child and the app measure only their own CPU), with the burst
 * section's latencies. Run alone: `tsx scripts/bench-floor.ts [--runs=50]`. Linux only (/proc).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SUMMARY_BLOCK_FINAL } from '../src/slack/ids.js';
import { canonicalScenario, startAwsEndpoint } from '../test/support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../test/support/aws-run.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { canonicalZones } from '../test/support/scenarios/canonical-dns.js';
import { startFakeSlackApi } from '../test/support/slack-api.js';
import { commandFields, signSlackRequest } from '../test/support/slack-requests.js';
import { startSmtpServer } from '../test/support/smtp-server.js';
import { type App, BURST_LATENCY, CANONICAL_COMMAND, cpuMs, post, SIGNING_SECRET, startApp, waitIdle } from './bench-burst.js';
import type { FloorOps, FloorPart } from './bench-floor-child.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PARTS: FloorPart[] = ['all', 'aws', 'slack', 'dns', 'smtp'];
/** As the burst section: two commands warm the app before it is measured. */
const WARMUP = 2;

export interface FloorResult {
  runs: number;
  /** Wire calls per canonical diagnosis, as the app made them. */
  calls: { aws: number; slack: number; dns: number; smtpProbes: number };
  /** CPU per replayed diagnosis, ms: after the warm-up, and for a second set of runs. */
  floor: Array<{ part: FloorPart; coldMs: number; warmMs: number }>;
  /** The app's CPU per diagnosis on the same peers, ms. */
  app: { coldMs: number; warmMs: number };
}

type SlackRecord = Awaited<ReturnType<typeof startFakeSlackApi>>['calls'][number];
const isFinal = (call: SlackRecord): boolean => call.method === 'chat.update' && (call.args.blocks as Array<{ block_id?: string }> | undefined)?.[0]?.block_id === SUMMARY_BLOCK_FINAL;

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function benchFloor(options: { runs?: number } = {}): Promise<FloorResult> {
  const runs = options.runs ?? 50;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'maildiag-floor-'));
  const scenario = canonicalScenario();
  scenario.faults.latencyMs = BURST_LATENCY.aws;
  const aws = await startAwsEndpoint(scenario);
  const dns = await startDnsServer({ zone: canonicalZones(), latencyMs: BURST_LATENCY.dns });
  const smtp = await startSmtpServer({ replyLatencyMs: BURST_LATENCY.smtp });
  const slack = await startFakeSlackApi();
  const peers = { dns: dns.address, aws: aws.url, smtp: { host: smtp.host, port: smtp.port, ca: smtp.ca }, slack: { apiUrl: slack.apiUrl, responseUrlBase: slack.responseUrl('') } };
  const caFile = join(dir, 'smtp-ca.pem');
  await writeFile(caFile, smtp.ca);

  /** Sends `count` signed commands at once; resolves when each has its final summary and the app is idle. */
  const commands = async (app: App, count: number, prefix: string): Promise<void> => {
    const finalsBefore = slack.calls.filter(isFinal).length;
    const timestamp = Math.floor(Date.now() / 1000);
    const { port } = new URL(app.baseUrl);
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const channel = `C0${prefix}${String(i).padStart(4, '0')}`;
        const body = new URLSearchParams({ ...commandFields({ text: CANONICAL_COMMAND, channel, user: 'U0AGENT', responseUrl: slack.responseUrl(channel) }), trigger_id: `${prefix}.${i}` }).toString();
        await post(Number(port), body, { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, body) });
      }),
    );
    await until(() => slack.calls.filter(isFinal).length >= finalsBefore + count, `${count} final summaries`);
    await waitIdle(app);
  };

  try {
    // 1. Record one diagnosis.
    const recordFile = join(dir, 'calls.jsonl');
    await writeFile(recordFile, '');
    const recorder = await startApp(peers, dir, { label: 'record', execArgv: ['--import', pathToFileURL(join(ROOT, 'scripts', 'bench-floor-recorder.mjs')).href], env: { MAILDIAG_FLOOR_RECORD: recordFile } });
    const dnsBefore = dns.queries.length;
    const smtpBefore = smtp.sessions.length;
    let concurrency: number;
    try {
      await commands(recorder, 1, 'R');
      // The replay runs as many diagnoses at once as the app's run queue would.
      concurrency = (await recorder.health()).maxConcurrentRuns;
    } finally {
      await recorder.stop();
    }
    const recorded = (await readFile(recordFile, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { kind: 'aws' | 'slack' } & Record<string, unknown>);
    const ops: FloorOps = {
      aws: recorded.filter((r) => r.kind === 'aws') as unknown as FloorOps['aws'],
      slack: recorded.filter((r) => r.kind === 'slack') as unknown as FloorOps['slack'],
      dns: dns.queries.slice(dnsBefore).map((q) => ({ name: q.name, type: q.type })),
      smtpProbes: smtp.sessions.length - smtpBefore,
    };
    if (process.env.FLOOR_SHOW_CALLS) process.stderr.write(`${JSON.stringify({ aws: ops.aws.map((c) => c.command), slack: ops.slack.map((c) => `${c.method} ${JSON.stringify(c.options).length}B`) })}\n`);
    const opsFile = join(dir, 'ops.json');
    await writeFile(opsFile, JSON.stringify(ops));

    // 2. Replay: the floor, whole and by part, each in a fresh process.
    const floor: FloorResult['floor'] = [];
    for (const part of PARTS) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-floor-child.ts')], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          FLOOR_PART: part,
          FLOOR_OPS: opsFile,
          FLOOR_RUNS: String(runs),
          FLOOR_WARMUP: String(WARMUP),
          FLOOR_CONCURRENCY: String(concurrency),
          FLOOR_AWS_URL: aws.url,
          FLOOR_AWS_KEY_ID: BOT_CREDENTIALS.accessKeyId,
          FLOOR_AWS_SECRET: BOT_CREDENTIALS.secretAccessKey,
          FLOOR_SLACK_API_URL: slack.apiUrl,
          FLOOR_DNS: dns.address,
          FLOOR_SMTP: `${smtp.host}:${smtp.port}`,
          FLOOR_SMTP_CA: caFile,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`the floor replay of '${part}' exited with ${code}`);
      floor.push(JSON.parse(out.trim()) as FloorResult['floor'][number]);
    }

    // 3. The app itself, side by side on the same peers.
    const app = await startApp(peers, dir, { label: 'app' });
    let appResult: FloorResult['app'];
    try {
      await commands(app, WARMUP, 'W');
      let before = await cpuMs(app.pid);
      await commands(app, runs, 'C');
      const coldMs = ((await cpuMs(app.pid)) - before) / runs;
      before = await cpuMs(app.pid);
      await commands(app, runs, 'H');
      const warmMs = ((await cpuMs(app.pid)) - before) / runs;
      appResult = { coldMs: Math.round(coldMs * 10) / 10, warmMs: Math.round(warmMs * 10) / 10 };
    } finally {
      await app.stop();
    }
    return { runs, calls: { aws: ops.aws.length, slack: ops.slack.length, dns: ops.dns.length, smtpProbes: ops.smtpProbes }, floor, app: appResult };
  } finally {
    await Promise.all([aws.close(), dns.close(), smtp.close(), slack.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatFloorBench(r: FloorResult): string {
  const all = r.floor.find((f) => f.part === 'all');
  const lines = [
    `CPU floor of a canonical diagnosis: the app's own wire calls (${r.calls.aws} AWS SDK commands, ${r.calls.slack} Slack Web API calls, ${r.calls.dns} DNS queries, ${r.calls.smtpProbes} SMTP probe) replayed through the same clients with no diagnosis around them; ${r.runs} diagnoses, as many at a time as the app runs, after a warm-up of ${WARMUP}, then ${r.runs} more (warm)`,
    '  replayed           | CPU/diagnosis | warm',
  ];
  for (const f of r.floor) lines.push(`  ${(f.part === 'all' ? 'all calls' : `${f.part} alone`).padEnd(18)} | ${`${f.coldMs} ms`.padStart(13)} | ${`${f.warmMs} ms`.padStart(7)}`);
  lines.push(`  ${`the app (${r.runs} at once)`.padEnd(18)} | ${`${r.app.coldMs} ms`.padStart(13)} | ${`${r.app.warmMs} ms`.padStart(7)}`);
  if (all) lines.push(`  the calls alone are ${Math.round((all.coldMs / r.app.coldMs) * 100)} % of the app's CPU (warm: ${Math.round((all.warmMs / r.app.warmMs) * 100)} %); target ≤ 20 ms/diagnosis`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length);
  const result = await benchFloor(runs ? { runs: Number(runs) } : {});
  process.stdout.write(`${formatFloorBench(result)}\n`);
}
