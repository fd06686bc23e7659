/**
 * End-to-end benchmark (issue 7): the whole product, composed by `composeApp` from an
 * AppConfig exactly as src/index.ts does, against loopback peers with latency added: DNS
 * 20 ms per query, AWS 40 ms per call, SMTP 50 ms per round trip. Requests are signed slash
 * commands sent to the real HTTP receiver; every DNS query, AWS call and SMTP connection is
 * observed at the peer (start, end, answer), so the critical-path bound is inferred from
 * what the run really asked. Also: the sequential uncached baseline (the manual runbook) and
 * 50 diagnoses of different domains at once. Run alone with `tsx scripts/bench-e2e.ts`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAYER_MODULES } from '../src/checks/index.js';
import { type ComposedApp, composeApp } from '../src/compose.js';
import { type AppConfig, loadAppConfig } from '../src/config.js';
import { createRunContext, newCounters } from '../src/core/context.js';
import { invokeCheck } from '../src/core/engine.js';
import { parseTargetText } from '../src/core/target.js';
import { createAwsGateways } from '../src/io/aws.js';
import { createDnsClient } from '../src/io/dns.js';
import { createSmtpProber } from '../src/io/smtp-probe.js';
import { createLogger } from '../src/log.js';
import { SUMMARY_BLOCK_FINAL } from '../src/slack/ids.js';
import type { Block } from '../src/slack/render/blocks.js';
import { RECIPIENT, ROTATED_KEY_ID, SCENARIO_NOW, SENDER, SMTP_USER, startAwsEndpoint, type TestAwsEndpoint } from '../test/support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../test/support/aws-run.js';
import { startDnsServer, type TestDnsServer } from '../test/support/dns-server.js';
import { fleet, fleetAwsScenario, fleetZones } from '../test/support/scenarios/bench-fleet.js';
import { type FakeSlackApi, type RecordedCall as SlackCall, startFakeSlackApi } from '../test/support/slack-api.js';
import { commandFields, createSlackRequester, type SlackRequester } from '../test/support/slack-requests.js';
import { SMTP_SERVER_GREETING_PAUSE_MS, startSmtpServer, type TestSmtpServer } from '../test/support/smtp-server.js';
import { type CallKind, criticalPath, Timeline, type TimelineEvent } from '../test/support/timeline.js';

export const E2E_LATENCY: Record<CallKind, number> = { dns: 20, aws: 40, smtp: 50 };
export const CANONICAL_COMMAND = `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`;

const SIGNING_SECRET = 'bench-signing-secret-loopback-only';
const BOT_TOKEN = 'xoxb-1111111111-2222222222-BenchBotTokenValue';

interface Environment {
  dns: TestDnsServer;
  aws: TestAwsEndpoint;
  smtp: TestSmtpServer;
  slack: FakeSlackApi;
  config: AppConfig;
  app: ComposedApp;
  requests: SlackRequester;
  /** Resolves when the run in `channel` has posted its whole report. */
  runFinished(channel: string): Promise<number>;
  close(): Promise<void>;
}

/** Starts the loopback peers and the composed product pointed at them through its environment variables. */
async function startEnvironment(latency: Record<CallKind, number>, fleetSize: number): Promise<Environment> {
  const members = fleet(fleetSize);
  const dns = await startDnsServer({ zone: fleetZones(members), latencyMs: latency.dns });
  const scenario = fleetAwsScenario(members);
  scenario.faults.latencyMs = latency.aws;
  const aws = await startAwsEndpoint(scenario);
  const smtp = await startSmtpServer({ replyLatencyMs: latency.smtp });
  const slack = await startFakeSlackApi();
  const dir = await mkdtemp(join(tmpdir(), 'maildiag-bench-'));
  const caFile = join(dir, 'smtp-ca.pem');
  await writeFile(caFile, smtp.ca);
  // The SDK's default provider chain signs with these (dummy, loopback only); restored on close.
  const savedKeys = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = BOT_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = BOT_CREDENTIALS.secretAccessKey;
  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    // Known ids: no auth.test at start.
    SLACK_BOT_USER_ID: 'U0BOT',
    SLACK_BOT_ID: 'B0BOT',
    MAILDIAG_AWS: 'on',
    AWS_ENDPOINT_URL: aws.url,
    MAILDIAG_DNS_SERVERS: dns.address,
    MAILDIAG_SMTP_ENDPOINT: `${smtp.host}:${smtp.port}`,
    MAILDIAG_SMTP_CA: caFile,
    MAILDIAG_SMTP_USERS: SMTP_USER,
    MAILDIAG_DB: join(dir, 'maildiag.db'),
    LOG_LEVEL: 'info',
  };
  const config = loadAppConfig(env);
  // Production log level, written nowhere: formatting costs stay in, terminal noise stays out.
  const log = createLogger({ level: config.logLevel, destination: { write: () => undefined } });
  const waiting = new Map<string, (at: number) => void>();
  const done = new Map<string, number>();
  const app = await composeApp(config, log, {
    env,
    // The AWS scenario's ages (key created 6 days ago, bounce 9 days ago) are relative to this.
    clock: { now: () => SCENARIO_NOW },
    slack: {
      onRunFinished: (_report, place) => {
        const at = performance.now();
        done.set(place.channel, at);
        waiting.get(place.channel)?.(at);
      },
    },
  });
  const { port } = await app.start({ port: 0 });
  return {
    dns,
    aws,
    smtp,
    slack,
    config,
    app,
    requests: createSlackRequester({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET }),
    runFinished(channel) {
      const at = done.get(channel);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`run in ${channel} did not finish within 60 s`)), 60_000);
        waiting.set(channel, (finishedAt) => {
          clearTimeout(timer);
          resolve(finishedAt);
        });
      });
    },
    async close() {
      await app.stop({ drainMs: 5_000 });
      await Promise.all([slack.close(), smtp.close(), aws.close(), dns.close()]);
      await rm(dir, { recursive: true, force: true });
      process.env.AWS_ACCESS_KEY_ID = savedKeys.id;
      process.env.AWS_SECRET_ACCESS_KEY = savedKeys.secret;
      if (savedKeys.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (savedKeys.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    },
  };
}

// ---------- observing the peers ----------

interface Marks {
  dns: number;
  aws: number;
  smtp: number;
  slack: number;
}

const marksOf = (e: Environment): Marks => ({ dns: e.dns.timedQueries.length, aws: e.aws.calls.length, smtp: e.smtp.connections.length, slack: e.slack.calls.length });

/** The AWS call's subject: the name or id it is about (what an earlier answer would have to mention). */
function awsSubject(params: Record<string, unknown>): string {
  for (const key of ['key', 'AccessKeyId', 'PolicySourceArn', 'UserName', 'SecretId']) {
    const value = params[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  // Nothing names it (GetAccount, GetUser of the caller): no answer can have led to it.
  return '';
}

/** Every call since `marks` as a timeline (times relative to `timeline`'s origin). */
function observedTimeline(e: Environment, marks: Marks, timeline: Timeline): Timeline {
  for (const q of e.dns.timedQueries.slice(marks.dns)) {
    timeline.add({
      kind: 'dns',
      key: `${q.type} ${q.name}`,
      subject: q.name,
      start: timeline.since(q.receivedAt),
      end: timeline.since(q.answeredAt ?? q.receivedAt),
      answerText: q.answerText,
    });
  }
  for (const c of e.aws.calls.slice(marks.aws)) {
    if (c.start === undefined) continue;
    const subject = awsSubject(c.params);
    timeline.add({
      kind: 'aws',
      key: `${c.operation} ${c.region} ${JSON.stringify(c.params)}`,
      subject,
      start: timeline.since(c.start),
      end: timeline.since(c.end ?? c.start),
      answerText: (c.responseText ?? '').toLowerCase(),
    });
  }
  for (const s of e.smtp.connections.slice(marks.smtp)) {
    timeline.add({
      kind: 'smtp',
      key: `SMTP session (${s.roundTrips} round trips)`,
      subject: '',
      start: timeline.since(s.start),
      end: timeline.since(s.end ?? s.start),
      answerText: '',
      weight: s.roundTrips,
      fixedMs: SMTP_SERVER_GREETING_PAUSE_MS,
    });
  }
  return timeline;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const blocksOf = (call: SlackCall): Block[] => (Array.isArray(call.args.blocks) ? (call.args.blocks as Block[]) : []);

// ---------- the canonical scenario ----------

export interface CanonicalRun {
  ackMs: number;
  /** The first chat.update of the summary: every progress update is sent because a layer finished. */
  firstLayerMs: number;
  finalSummaryMs: number;
  reportCompleteMs: number;
  /** Includes the SMTP peer's own greeting pause (SMTP_SERVER_GREETING_PAUSE_MS). */
  boundMs: number;
  latencyOnlyBoundMs: number;
  dns: { sent: number; distinct: number };
  aws: { sent: number; distinct: number };
  smtpSessions: number;
  smtpRoundTrips: number;
  chain: Array<{ call: string; startMs: number; endMs: number }>;
  /** Every observed call, start order (printed when the ratio is over target). */
  calls: Array<{ kind: CallKind; call: string; startMs: number; endMs: number }>;
}

async function canonicalRun(e: Environment, channel: string, latency: Record<CallKind, number>): Promise<CanonicalRun> {
  const marks = marksOf(e);
  const timeline = new Timeline();
  const finished = e.runFinished(channel);
  const response = await e.requests.command(commandFields({ text: CANONICAL_COMMAND, channel, user: 'U0AGENT', responseUrl: e.slack.responseUrl(channel) }));
  const ackMs = timeline.now();
  if (response.status !== 200) throw new Error(`ack status ${response.status}`);
  const reportCompleteMs = timeline.since(await finished);
  const slackCalls = e.slack.calls.slice(marks.slack).filter((c) => c.args.channel === channel);
  const summary = slackCalls.find((c) => c.method === 'chat.postMessage' && c.args.thread_ts === undefined);
  const summaryTs = summary?.result?.ts;
  const updates = slackCalls.filter((c) => c.method === 'chat.update' && c.args.ts === summaryTs);
  const final = updates.find((c) => blocksOf(c)[0]?.block_id === SUMMARY_BLOCK_FINAL);
  if (!final) throw new Error('no final summary update recorded');
  observedTimeline(e, marks, timeline);
  const { boundMs, path } = criticalPath(timeline.events, latency);
  // The bound with latency alone (as if the SMTP peer greeted at once, like SES).
  const latencyOnly = criticalPath(
    timeline.events.map(({ fixedMs: _fixed, ...ev }) => ev),
    latency,
  );
  const smtp = timeline.events.filter((ev) => ev.kind === 'smtp');
  const show = (ev: TimelineEvent): { call: string; startMs: number; endMs: number } => ({ call: ev.key, startMs: round1(ev.start), endMs: round1(ev.end) });
  return {
    ackMs,
    firstLayerMs: timeline.since((updates[0] ?? final).at),
    finalSummaryMs: timeline.since(final.at),
    reportCompleteMs,
    boundMs,
    latencyOnlyBoundMs: latencyOnly.boundMs,
    dns: timeline.count('dns'),
    aws: timeline.count('aws'),
    smtpSessions: smtp.length,
    smtpRoundTrips: smtp.reduce((sum, ev) => sum + (ev.weight ?? 1), 0),
    chain: path.map(show),
    calls: [...timeline.events].sort((a, b) => a.start - b.start).map((ev) => ({ kind: ev.kind, ...show(ev) })),
  };
}

export interface SequentialBaseline {
  wallMs: number;
  dns: { sent: number; distinct: number };
  aws: { sent: number; distinct: number };
  smtpSessions: number;
}

/**
 * The manual runbook: every check of every layer, one after another, each on a fresh context
 * (no per-run memo), an uncached DNS client and its own AWS gateways, so nothing is shared.
 */
async function sequentialBaseline(e: Environment): Promise<SequentialBaseline> {
  const marks = marksOf(e);
  const timeline = new Timeline();
  const target = parseTargetText(CANONICAL_COMMAND);
  const dns = createDnsClient({ servers: [e.dns.address], timeoutMs: e.config.dns.timeoutMs, tries: 1 });
  const smtp = createSmtpProber({ timeoutMs: e.config.smtp.timeoutMs, ...(e.config.smtp.ca ? { tls: { ca: e.config.smtp.ca } } : {}) });
  const log = createLogger({ level: 'silent' });
  const started = performance.now();
  for (const module of LAYER_MODULES) {
    for (const check of module.checks) {
      const counters = newCounters();
      const ctx = createRunContext({
        target,
        dns,
        counters,
        aws: createAwsGateways({ endpoint: e.aws.url, credentials: BOT_CREDENTIALS }, counters),
        smtp,
        settings: e.config.engine,
        clock: { now: () => SCENARIO_NOW },
        log,
      });
      await invokeCheck(check, ctx).catch(() => []);
    }
  }
  const wallMs = performance.now() - started;
  observedTimeline(e, marks, timeline);
  return { wallMs: Math.round(wallMs), dns: timeline.count('dns'), aws: timeline.count('aws'), smtpSessions: timeline.events.filter((ev) => ev.kind === 'smtp').length };
}

// ---------- 50 at once ----------

export interface FleetResult {
  diagnoses: number;
  /** Until every run posted its whole report (summary, final update, thread). */
  totalMs: number;
  /** Until the last final summary update. */
  lastFinalSummaryMs: number;
  slowestAckMs: number;
  medianAckMs: number;
  peakRssMb: number;
  rssBeforeMb: number;
  maxRssMb: number;
  dns: { sent: number; distinct: number };
  aws: { sent: number; distinct: number };
  slackPosts: number;
  /** Shortest time between two posts arriving in one channel (Slack: about one per second). */
  minPostGapMs: number;
  paceViolations: number;
  rateLimitedResponses: number;
}

function minPostGap(calls: readonly SlackCall[]): number {
  const byChannel = new Map<string, number[]>();
  for (const c of calls) {
    if (c.method !== 'chat.postMessage' || typeof c.args.channel !== 'string') continue;
    byChannel.set(c.args.channel, [...(byChannel.get(c.args.channel) ?? []), c.at]);
  }
  let gap = Number.POSITIVE_INFINITY;
  for (const times of byChannel.values()) for (let i = 1; i < times.length; i += 1) gap = Math.min(gap, times[i]! - times[i - 1]!);
  return gap;
}

async function fleetAtOnce(e: Environment, count: number): Promise<FleetResult> {
  const members = fleet(count);
  const marks = marksOf(e);
  const paceBefore = e.slack.paceViolations;
  const limitedBefore = e.slack.rateLimitedResponses;
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const timeline = new Timeline();
  try {
    const runs = members.map(async (m, i) => {
      // One channel per ticket: Slack's posting limit is per channel.
      const channel = `C0FLEET${String(i + 1).padStart(2, '0')}`;
      const finished = e.runFinished(channel);
      const response = await e.requests.command(
        commandFields({ text: `${m.sender} to=${m.recipient}`, channel, user: 'U0AGENT', responseUrl: e.slack.responseUrl(channel) }),
      );
      const ackMs = timeline.now();
      if (response.status !== 200) throw new Error(`ack status ${response.status} for ${m.domain}`);
      return { ackMs, doneMs: timeline.since(await finished) };
    });
    const results = await Promise.all(runs);
    const acks = results.map((r) => r.ackMs);
    const slackCalls = e.slack.calls.slice(marks.slack);
    const finals = slackCalls.filter((c) => c.method === 'chat.update' && blocksOf(c)[0]?.block_id === SUMMARY_BLOCK_FINAL);
    observedTimeline(e, marks, timeline);
    const mb = (bytes: number): number => Math.round(bytes / 1_048_576);
    return {
      diagnoses: count,
      totalMs: Math.round(Math.max(...results.map((r) => r.doneMs))),
      lastFinalSummaryMs: Math.round(Math.max(...finals.map((c) => timeline.since(c.at)))),
      slowestAckMs: round1(Math.max(...acks)),
      medianAckMs: round1(median(acks)),
      peakRssMb: mb(peakRss),
      rssBeforeMb: mb(rssBefore),
      // Lifetime high-water mark of the process (kilobytes on Linux).
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      dns: timeline.count('dns'),
      aws: timeline.count('aws'),
      slackPosts: slackCalls.filter((c) => c.method === 'chat.postMessage').length,
      minPostGapMs: round1(minPostGap(slackCalls)),
      paceViolations: e.slack.paceViolations - paceBefore,
      rateLimitedResponses: e.slack.rateLimitedResponses - limitedBefore,
    };
  } finally {
    clearInterval(sampler);
  }
}

// ---------- the whole bench ----------

export interface E2eBenchResult {
  latencyMs: Record<CallKind, number>;
  runs: number;
  canonical: {
    ackMs: number;
    firstLayerMs: number;
    finalSummaryMs: number;
    reportCompleteMs: number;
    boundMs: number;
    ratio: number;
    /** Latency alone, without the SMTP peer's greeting pause. */
    latencyOnlyBoundMs: number;
    smtpPeerGreetingPauseMs: number;
    dns: { sent: number; distinct: number };
    aws: { sent: number; distinct: number };
    smtpSessions: number;
    smtpRoundTrips: number;
    perRun: Array<Pick<CanonicalRun, 'ackMs' | 'firstLayerMs' | 'finalSummaryMs' | 'reportCompleteMs' | 'boundMs'>>;
    criticalPath: CanonicalRun['chain'];
    timeline: CanonicalRun['calls'];
  };
  sequential: SequentialBaseline & { speedup: number };
  fleet: FleetResult;
}

export async function benchE2e(options: { runs?: number; fleetSize?: number; latency?: Record<CallKind, number> } = {}): Promise<E2eBenchResult> {
  const runs = options.runs ?? 5;
  const fleetSize = options.fleetSize ?? 50;
  const latency = options.latency ?? E2E_LATENCY;
  const e = await startEnvironment(latency, fleetSize);
  try {
    // The first run warms the JIT, the SDK clients and the connections; it is discarded.
    await canonicalRun(e, 'C0WARMUP', latency);
    const measured: CanonicalRun[] = [];
    for (let i = 0; i < runs; i += 1) measured.push(await canonicalRun(e, `C0CANON${i}`, latency));
    const byFinal = [...measured].sort((a, b) => a.finalSummaryMs - b.finalSummaryMs);
    const typical = byFinal[Math.floor(byFinal.length / 2)]!;
    const finalSummaryMs = median(measured.map((r) => r.finalSummaryMs));
    const boundMs = median(measured.map((r) => r.boundMs));
    const sequential = await sequentialBaseline(e);
    const fleetResult = await fleetAtOnce(e, fleetSize);
    return {
      latencyMs: latency,
      runs,
      canonical: {
        ackMs: round1(median(measured.map((r) => r.ackMs))),
        firstLayerMs: round1(median(measured.map((r) => r.firstLayerMs))),
        finalSummaryMs: round1(finalSummaryMs),
        reportCompleteMs: round1(median(measured.map((r) => r.reportCompleteMs))),
        boundMs,
        ratio: Number((finalSummaryMs / boundMs).toFixed(2)),
        latencyOnlyBoundMs: median(measured.map((r) => r.latencyOnlyBoundMs)),
        smtpPeerGreetingPauseMs: SMTP_SERVER_GREETING_PAUSE_MS,
        dns: typical.dns,
        aws: typical.aws,
        smtpSessions: typical.smtpSessions,
        smtpRoundTrips: typical.smtpRoundTrips,
        perRun: measured.map((r) => ({
          ackMs: round1(r.ackMs),
          firstLayerMs: round1(r.firstLayerMs),
          finalSummaryMs: round1(r.finalSummaryMs),
          reportCompleteMs: round1(r.reportCompleteMs),
          boundMs: r.boundMs,
        })),
        criticalPath: typical.chain,
        timeline: typical.calls,
      },
      sequential: { ...sequential, speedup: Number((sequential.wallMs / finalSummaryMs).toFixed(1)) },
      fleet: fleetResult,
    };
  } finally {
    await e.close();
  }
}

export function formatE2eBench(r: E2eBenchResult, options: { verbose?: boolean } = {}): string {
  const c = r.canonical;
  const l = r.latencyMs;
  const counts = (x: { sent: number; distinct: number }): string => `${x.sent}/${x.distinct}`;
  const row = (label: string, value: string): string => `  ${label.padEnd(52)} ${value}`;
  const lines = [
    `End to end through the Slack app (composeApp, real HTTP receiver), canonical scenario; latency DNS ${l.dns} ms/query, AWS ${l.aws} ms/call, SMTP ${l.smtp} ms/round trip; median of ${r.runs} runs after a warm-up`,
    row('request → ack', `${c.ackMs} ms`),
    row('request → first layer result (1st summary update)', `${c.firstLayerMs} ms`),
    row('request → final summary', `${c.finalSummaryMs} ms`),
    row('request → whole report posted (paced thread)', `${c.reportCompleteMs} ms`),
    row('critical-path bound', `${c.boundMs} ms = latency ${c.latencyOnlyBoundMs} ms + smtp-server's greeting pause ${c.smtpPeerGreetingPauseMs} ms`),
    row('ratio final summary / bound', `${c.ratio.toFixed(2)} (target ≤ 1.30; against latency alone ${(c.finalSummaryMs / c.latencyOnlyBoundMs).toFixed(2)})`),
    `  sent/distinct: DNS ${counts(c.dns)}, AWS ${counts(c.aws)}, SMTP ${c.smtpSessions} session(s), ${c.smtpRoundTrips} round trips`,
    `  sequential uncached baseline (manual runbook): ${r.sequential.wallMs} ms (${r.sequential.speedup}x slower); sent/distinct DNS ${counts(r.sequential.dns)}, AWS ${counts(r.sequential.aws)}, SMTP ${r.sequential.smtpSessions} session(s)`,
    `  critical path: ${c.criticalPath.map((s) => `${s.call.split(' {')[0]} [${s.startMs}–${s.endMs}]`).join(' → ')}`,
  ];
  const f = r.fleet;
  lines.push(
    `${f.diagnoses} diagnoses of different domains at once (one channel each, same latency)`,
    `  total ${f.totalMs} ms (last final summary ${f.lastFinalSummaryMs} ms); ack slowest ${f.slowestAckMs} ms, median ${f.medianAckMs} ms`,
    `  RSS peak ${f.peakRssMb} MB (before ${f.rssBeforeMb} MB; process max ${f.maxRssMb} MB, peers included)`,
    `  sent/distinct: DNS ${counts(f.dns)}, AWS ${counts(f.aws)}; Slack posts ${f.slackPosts}, shortest gap in a channel ${f.minPostGapMs} ms, pace violations (<1 s apart) ${f.paceViolations}, 429s ${f.rateLimitedResponses}`,
  );
  if (options.verbose || c.ratio > 1.3) {
    lines.push('  actual timeline of the median run (ms from the request):');
    for (const call of c.timeline) lines.push(`    ${String(call.startMs).padStart(7)} – ${String(call.endMs).padStart(7)}  ${call.kind.padEnd(4)} ${call.call}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runsArg = process.argv.find((a) => a.startsWith('--runs='));
  const fleetArg = process.argv.find((a) => a.startsWith('--fleet='));
  const result = await benchE2e({ ...(runsArg ? { runs: Number(runsArg.slice(7)) } : {}), ...(fleetArg ? { fleetSize: Number(fleetArg.slice(8)) } : {}) });
  process.stdout.write(`${formatE2eBench(result, { verbose: process.argv.includes('--verbose') })}\n`);
}
