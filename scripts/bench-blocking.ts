/**
 * Issue 13: do the CPU-heavy steps threaten acks? Everything runs on the one thread that also
 * acks Slack, so what matters is the longest stretch a step holds that thread, not its total.
 * Measured here for the two the issue names:
 *
 * - reading a long ticket thread (`extractFromThread`, synchronous): the worst the bot accepts,
 *   500 messages or 1 MiB of text, filled with real bounce messages from the conformance
 *   corpus (or the repository's fixture when the corpus is absent);
 * - the DNS layer with SPF evaluation over wide and deep trees (asynchronous: the longest gap
 *   between two turns of the event loop while it runs, DNS answered at once on loopback so the
 *   CPU is as dense as it gets).
 *
 * Run alone: `tsx scripts/bench-blocking.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { dnsLayer } from '../src/checks/dns/index.js';
import { diagnose } from '../src/compose.js';
import { emptyTarget } from '../src/core/target.js';
import { createDnsClient } from '../src/io/dns.js';
import { extractFromThread, MAX_THREAD_CHARS, MAX_THREAD_MESSAGES } from '../src/knowledge/ticket-text.js';
import { createWorkerThreadExtractor } from '../src/slack/thread-extraction.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { ATERMS_DOMAIN, benchZones, DEEP_DOMAIN, WIDE_DOMAIN } from '../test/support/scenarios/bench-dns.js';
import { canonicalZones, MAIL_FROM_DOMAIN, SENDER_DOMAIN } from '../test/support/scenarios/canonical-dns.js';

const RUNS = 7;
/** Slack's limit on one message's text. */
const SLACK_MESSAGE_CHARS = 40_000;

export interface BlockingRow {
  step: string;
  input: string;
  /** Median over the runs of the longest stretch the main thread was held. */
  longestMs: number;
  /** Median wall time of the whole step. */
  totalMs: number;
}

function bounceTexts(): { texts: string[]; source: string } {
  const dir = join(process.env.MAILDIAG_CONFORMANCE_DIR ?? join(import.meta.dirname, '..', '..', 'shared', 'conformance'), 'bounces');
  if (existsSync(dir)) {
    const files = readdirSync(dir).filter((name) => name.endsWith('.eml')).sort();
    return { texts: files.map((name) => readFileSync(join(dir, name), 'latin1')), source: `${files.length} corpus bounces` };
  }
  return { texts: [readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'exchange-ndr.eml'), 'latin1')], source: 'the repository fixture (corpus absent)' };
}

/** `count` messages of up to `size` characters cut from the bounce texts, in turn. */
function thread(texts: string[], count: number, size: number): string[] {
  const all = texts.join('\n\n');
  return Array.from({ length: count }, (_, i) => {
    const start = (i * size) % Math.max(1, all.length - size);
    return all.slice(start, start + size);
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round1 = (value: number): number => Math.round(value * 10) / 10;

/** The longest gap between two turns of the event loop while `work` runs. */
async function longestGap(work: () => Promise<unknown>): Promise<{ longestMs: number; totalMs: number }> {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  await work();
  const totalMs = performance.now() - started;
  running = false;
  // The stretch that ended the work counts too.
  longest = Math.max(longest, performance.now() - last);
  return { longestMs: longest, totalMs };
}

export async function benchBlocking(): Promise<{ rows: BlockingRow[]; source: string }> {
  const rows: BlockingRow[] = [];
  const { texts, source } = bounceTexts();
  const threads: Array<[string, string[]]> = [
    [`${MAX_THREAD_MESSAGES} messages of 2,097 characters (1 MiB)`, thread(texts, MAX_THREAD_MESSAGES, Math.ceil(MAX_THREAD_CHARS / MAX_THREAD_MESSAGES))],
    [`27 messages of ${SLACK_MESSAGE_CHARS.toLocaleString('en')} characters (cut at 1 MiB)`, thread(texts, 27, SLACK_MESSAGE_CHARS)],
    ['one bounce (the canonical ticket)', thread(texts, 1, 6_000)],
  ];
  for (const [input, messages] of threads) {
    extractFromThread(messages);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      extractFromThread(messages);
      times.push(performance.now() - started);
    }
    // Synchronous: the whole step holds the thread.
    rows.push({ step: 'thread reading, in place', input, longestMs: round1(median(times)), totalMs: round1(median(times)) });
  }
  // As the app reads them: above 32 KiB in its worker thread.
  const reader = createWorkerThreadExtractor();
  try {
    for (const [input, messages] of threads.slice(0, 2)) {
      await reader.extract(messages);
      const runs: Array<{ longestMs: number; totalMs: number }> = [];
      for (let i = 0; i < RUNS; i++) runs.push(await longestGap(() => Promise.resolve(reader.extract(messages))));
      rows.push({ step: 'thread reading, app (worker)', input, longestMs: round1(median(runs.map((r) => r.longestMs))), totalMs: round1(median(runs.map((r) => r.totalMs))) });
    }
  } finally {
    await reader.close();
  }

  const server = await startDnsServer({ zone: { ...canonicalZones(), ...benchZones() } });
  const dns = createDnsClient({ servers: [server.address], timeoutMs: 2_000, tries: 1 });
  const services = {
    modules: [dnsLayer],
    aws: undefined,
    smtp: undefined,
    settings: { regions: ['us-east-1'], smtpUsers: [], keyMaxAgeDays: 90, checkTimeoutMs: 30_000 },
    log: pino({ level: 'silent' }),
  };
  try {
    for (const domain of [SENDER_DOMAIN, WIDE_DOMAIN, DEEP_DOMAIN, ATERMS_DOMAIN]) {
      const target = { ...emptyTarget(domain), ...(domain === SENDER_DOMAIN ? { mailFromDomain: MAIL_FROM_DOMAIN } : {}) };
      await diagnose(target, { ...services, dns });
      const runs: Array<{ longestMs: number; totalMs: number }> = [];
      for (let i = 0; i < RUNS; i++) runs.push(await longestGap(() => diagnose(target, { ...services, dns })));
      rows.push({
        step: 'DNS layer with SPF evaluation',
        input: domain,
        longestMs: round1(median(runs.map((r) => r.longestMs))),
        totalMs: round1(median(runs.map((r) => r.totalMs))),
      });
    }
  } finally {
    await server.close();
  }
  return { rows, source };
}

export function formatBlockingBench(result: { rows: BlockingRow[]; source: string }): string {
  const lines = [
    `Main-thread holds (median of ${RUNS} runs after a warm-up; thread text from ${result.source}; DNS on loopback with no added latency)`,
    'step                           input                                              longest hold  whole step',
  ];
  for (const r of result.rows) lines.push(`${r.step.padEnd(30)} ${r.input.padEnd(50)} ${`${r.longestMs} ms`.padStart(12)}  ${`${r.totalMs} ms`.padStart(10)}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${formatBlockingBench(await benchBlocking())}\n`);
}
