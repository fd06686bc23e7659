/**
 * The CPU floor of one canonical diagnosis (scripts/bench-floor.ts starts this process): it
 * replays the wire calls the app made for one diagnosis (recorded by bench-floor-recorder.mjs)
 * through the same libraries and the same client settings as the app (the AWS SDK clients of
 * src/io/aws-clients.ts, Slack's WebClient on src/slack/http-fetch.ts, src/io/dns-wire.ts,
 * src/io/smtp-probe.ts), with none of the diagnosis around them: no checks, no rendering, no
 * queue, no store, no logging. Its own CPU per replayed diagnosis is the floor the app's CPU
 * cannot go below while it makes these calls with these libraries.
 *
 * Prints one JSON line: `{ part, coldMs, warmMs }` (CPU per diagnosis, user + system, every thread).
 */
import { readFileSync } from 'node:fs';
import * as iam from '@aws-sdk/client-iam';
import * as sesv2 from '@aws-sdk/client-sesv2';
import { WebClient } from '@slack/web-api';
import type { RRType } from '../src/core/ports.js';
import { awsClientPool } from '../src/io/aws-clients.js';
import { createDnsClient } from '../src/io/dns.js';
import { createSmtpProber } from '../src/io/smtp-probe.js';
import { DEFAULT_RETRY } from '../src/slack/app.js';
import { createHttpFetch } from '../src/slack/http-fetch.js';
import { BENCH_BOT_TOKEN } from './bench-burst.js';

export type FloorPart = 'all' | 'aws' | 'slack' | 'dns' | 'smtp';

export interface FloorOps {
  aws: Array<{ client: string; region: string; command: string; input: Record<string, unknown> }>;
  slack: Array<{ method: string; options: Record<string, unknown> }>;
  dns: Array<{ name: string; type: string }>;
  smtpProbes: number;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const part = env('FLOOR_PART') as FloorPart;
const ops = JSON.parse(readFileSync(env('FLOOR_OPS'), 'utf8')) as FloorOps;
const runs = Number(env('FLOOR_RUNS'));
const concurrency = Number(env('FLOOR_CONCURRENCY'));
const warmup = Number(env('FLOOR_WARMUP'));
const smtpEndpoint = env('FLOOR_SMTP').split(':');

const pool = awsClientPool({
  endpoint: env('FLOOR_AWS_URL'),
  credentials: { accessKeyId: env('FLOOR_AWS_KEY_ID'), secretAccessKey: env('FLOOR_AWS_SECRET') },
  maxAttempts: 3,
});
const commandModules: Record<string, Record<string, unknown>> = { SESv2Client: sesv2, IAMClient: iam };
// As src/slack/app.ts builds Bolt's client: the node:http transport, no rejection of rate limits.
const slack = new WebClient(BENCH_BOT_TOKEN, {
  slackApiUrl: env('FLOOR_SLACK_API_URL'),
  fetch: createHttpFetch(),
  rejectRateLimitedCalls: false,
  retryConfig: DEFAULT_RETRY,
});
const dns = createDnsClient({ servers: [env('FLOOR_DNS')], timeoutMs: 5_000, tries: 2 });
const smtp = createSmtpProber({ tls: { ca: readFileSync(env('FLOOR_SMTP_CA'), 'utf8') }, timeoutMs: 10_000 });

async function awsCalls(): Promise<void> {
  await Promise.all(
    ops.aws.map(async (call) => {
      const Command = commandModules[call.client]?.[call.command] as (new (input: Record<string, unknown>) => unknown) | undefined;
      if (!Command) throw new Error(`no ${call.client} command ${call.command}`);
      const client = call.client === 'IAMClient' ? pool.iam() : pool.sesv2(call.region);
      // Answers and AWS errors (the scenario has a deleted key) both count as a made call.
      await (client.send as (command: unknown) => Promise<unknown>)(new Command(call.input)).catch(() => undefined);
    }),
  );
}

async function dnsQueries(): Promise<void> {
  await Promise.all(ops.dns.map((query) => dns.resolve(query.name, query.type as RRType).catch(() => undefined)));
}

async function smtpProbes(): Promise<void> {
  for (let i = 0; i < ops.smtpProbes; i += 1) await smtp.probe({ host: smtpEndpoint[0] ?? '', port: Number(smtpEndpoint[1]), region: 'us-east-1' });
}

async function slackCalls(): Promise<void> {
  // One after another, as a run posts its summary, updates and thread.
  for (const call of ops.slack) await slack.apiCall(call.method, call.options);
}

async function diagnosis(): Promise<void> {
  const parts: Array<Promise<void>> = [];
  if (part === 'all' || part === 'aws') parts.push(awsCalls());
  if (part === 'all' || part === 'dns') parts.push(dnsQueries());
  if (part === 'all' || part === 'smtp') parts.push(smtpProbes());
  await Promise.all(parts);
  if (part === 'all' || part === 'slack') await slackCalls();
}

/** `count` diagnoses, at most `concurrency` at once (as the app's run queue runs them). */
async function many(count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await diagnosis();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

await many(warmup);
let before = cpuMs();
await many(runs);
const coldMs = (cpuMs() - before) / runs;
before = cpuMs();
await many(runs);
const warmMs = (cpuMs() - before) / runs;
pool.destroy();
process.stdout.write(`${JSON.stringify({ part, coldMs: Math.round(coldMs * 10) / 10, warmMs: Math.round(warmMs * 10) / 10 })}\n`);
process.exit(0);
