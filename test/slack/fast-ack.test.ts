/**
 * The slash command fast path (src/slack/fast-ack.ts): our own signature check, and the ack
 * written from the buffered request before Bolt runs. Over a real HTTP server on loopback:
 * first with the fast path alone (a recording dispatch stands where Bolt would run, and a
 * request it leaves alone is answered 299 "to Bolt"), then inside the real Bolt app.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { defaultBodyLimit, HTTPModuleFunctions } from '@slack/bolt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { noAckFirst } from '../../src/slack/ack-first.js';
import { createSlashFastAck, type SlashFastAck } from '../../src/slack/fast-ack.js';
import { SLASH_COMMAND } from '../../src/slack/ids.js';
import type { SlashAck } from '../../src/slack/listeners/slash-command.js';
import { checkBodyShape } from '../../src/slack/receiver-guard.js';
import { createRunQueue, type RunQueue } from '../../src/slack/run-queue.js';
import { SIGNATURE_MAX_AGE_SECONDS, slackSignatureVerifier } from '../../src/slack/signature.js';
import { commandFields, createSlackRequester, signSlackRequest } from '../support/slack-requests.js';
import { CHANNEL, type Harness, startHarness, USER } from './harness.js';

const SECRET = 'fast-ack-signing-secret-0123456789';
const NOW = 1_780_000_000;
const FORM = 'application/x-www-form-urlencoded';

describe('Slack signature check', () => {
  const verify = slackSignatureVerifier(SECRET, () => NOW);
  const body = Buffer.from('token=x&command=%2Fmaildiag&text=example.com');
  const signed = (timestamp: number, secret = SECRET, raw = body) => ({ timestamp: String(timestamp), signature: signSlackRequest(secret, timestamp, raw.toString()), rawBody: body });

  it('accepts what Slack signs, up to five minutes either side of our clock', () => {
    expect(verify(signed(NOW))).toBe(true);
    expect(verify(signed(NOW - SIGNATURE_MAX_AGE_SECONDS))).toBe(true);
    expect(verify(signed(NOW + SIGNATURE_MAX_AGE_SECONDS))).toBe(true);
  });

  it('refuses another secret, another body, an old or future timestamp', () => {
    expect(verify(signed(NOW, 'another-secret'))).toBe(false);
    expect(verify(signed(NOW, SECRET, Buffer.from('token=x&command=%2Fmaildiag&text=evil.example')))).toBe(false);
    expect(verify(signed(NOW - SIGNATURE_MAX_AGE_SECONDS - 1))).toBe(false);
    expect(verify(signed(NOW + SIGNATURE_MAX_AGE_SECONDS + 1))).toBe(false);
  });

  it('refuses malformed headers without throwing', () => {
    const good = signed(NOW);
    const hex = good.signature.slice(3);
    for (const signature of [undefined, [good.signature, good.signature], hex, `v1=${hex}`, `v0=${hex.slice(0, 62)}`, `v0=${hex}00`, `v0=${hex.slice(0, 63)}z`, 'v0=', `v0=${hex.toUpperCase()}`, ` v0=${hex}`]) {
      expect(verify({ ...good, signature })).toBe(false);
    }
    for (const timestamp of [undefined, [String(NOW)], '', 'soon', `${NOW}.5`, `-${NOW}`, ` ${NOW}`, '9'.repeat(20)]) {
      expect(verify({ ...good, timestamp })).toBe(false);
    }
  });
});

interface Bench {
  fast: SlashFastAck;
  runs: RunQueue;
  dispatched: Array<{ body: Record<string, unknown>; taken: SlashAck | undefined; again: SlashAck | undefined }>;
  send: ReturnType<typeof createSlackRequester>['send'];
  command: (fields: Record<string, string>, options?: { timestamp?: number; signature?: string }) => ReturnType<ReturnType<typeof createSlackRequester>['send']>;
  warnings: string[];
  close(): Promise<void>;
}

/** The fast path in front of a stand-in for Bolt: 299 for what it leaves to Bolt. */
async function startFastPath(options: { allowedChannels?: string[]; maxQueued?: number; dispatch?: 'take' | 'ignore' | 'throw' } = {}): Promise<Bench> {
  const warnings: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void ((JSON.parse(line) as { level: number }).level >= 40 && warnings.push((JSON.parse(line) as { msg: string }).msg)) });
  const runs = createRunQueue({ maxConcurrent: 1, maxQueued: options.maxQueued ?? 5 });
  const dispatched: Bench['dispatched'] = [];
  let fast!: SlashFastAck;
  fast = createSlashFastAck({
    deps: { log, runs, allowedChannels: options.allowedChannels ?? [] },
    signingSecret: SECRET,
    ackFirst: noAckFirst,
    log,
    dispatch: async (body) => {
      if (options.dispatch === 'throw') throw new Error('listener blew up');
      if (options.dispatch === 'ignore') return;
      // As Bolt's listener does: it takes the decision made for this very body.
      const taken = fast.preAcked.take(body);
      dispatched.push({ body, taken, again: fast.preAcked.take(body) });
    },
  });
  const server: Server = createServer((req, res) => {
    void HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit).then((buffered) => {
      const verdict = checkBodyShape(buffered.rawBody, req.headers['content-type']);
      if (verdict.ok && fast.handle(buffered, res, verdict.body)) return;
      res.writeHead(299);
      res.end('to Bolt');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const requester = createSlackRequester({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, signingSecret: SECRET });
  return {
    fast,
    runs,
    dispatched,
    warnings,
    send: requester.send,
    command: (fields, sendOptions) => requester.send(new URLSearchParams(fields).toString(), FORM, sendOptions),
    async close() {
      server.close();
      await once(server, 'close');
    },
  };
}

const fields = (text: string, channel = CHANNEL) => commandFields({ text, channel, user: USER, responseUrl: 'https://hooks.slack.test/cmd' });
/** Until the hand-over to the stand-in for Bolt has finished (it runs after the ack). */
async function handedOver(bench: Bench): Promise<void> {
  while (bench.fast.pending > 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('slash command fast path', () => {
  let bench: Bench | undefined;
  afterEach(async () => {
    await bench?.close();
    bench = undefined;
  });

  it('acks a valid command with an empty 200, holds its place in the queue, and hands the decision to the listener once', async () => {
    bench = await startFastPath();
    const response = await bench.command(fields('example.com'));
    expect(response).toMatchObject({ status: 200, body: '' });
    await handedOver(bench);
    expect(bench.dispatched).toHaveLength(1);
    expect(bench.dispatched[0]?.body).toMatchObject({ command: SLASH_COMMAND, text: 'example.com', channel_id: CHANNEL });
    expect(bench.dispatched[0]?.taken?.kind).toBe('accepted');
    expect(bench.dispatched[0]?.again).toBeUndefined();
    expect(bench.warnings).toEqual([]);
  });

  it('answers refusals, usage and busy in the ack body, as the listener would, and hands nothing to Bolt', async () => {
    bench = await startFastPath({ allowedChannels: ['C0ONLYHERE'], maxQueued: 1 });
    const refused = await bench.command(fields('example.com', 'C0ELSEWHERE'));
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(refused.json?.text)).toContain('C0ELSEWHERE');
    const usage = await bench.command(fields('help', 'C0ONLYHERE'));
    expect(String(usage.json?.text)).toContain('/maildiag');
    // Fill the queue: one running place and one waiting place are held.
    const held = [bench.runs.reserve(), bench.runs.reserve()];
    expect(held.every(Boolean)).toBe(true);
    const busy = await bench.command(fields('example.com', 'C0ONLYHERE'));
    expect(String(busy.json?.text)).toContain('busy');
    expect(bench.runs.stats().refused).toBe(1);
    expect(bench.dispatched).toEqual([]);
  });

  it('leaves to Bolt, unanswered, every request it cannot vouch for', async () => {
    bench = await startFastPath();
    const now = Math.floor(Date.now() / 1000);
    const body = new URLSearchParams(fields('example.com')).toString();
    const cases = [
      bench.command(fields('example.com'), { signature: `v0=${'0'.repeat(64)}` }),
      bench.command(fields('example.com'), { timestamp: now - SIGNATURE_MAX_AGE_SECONDS - 60 }),
      bench.command({ ...fields('example.com'), command: '/other' }),
      bench.command({ ...fields('example.com'), ssl_check: '1' }),
      // A field the listener reads, sent twice, arrives as an array: the schema refuses it.
      bench.send(`${body}&channel_id=C0SECOND`, FORM),
      bench.send(JSON.stringify(fields('example.com')), 'application/json'),
      bench.send(body, `${FORM}; charset=utf-8`),
      bench.send(new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', command: SLASH_COMMAND }) }).toString(), FORM),
    ];
    for (const response of await Promise.all(cases)) expect(response).toMatchObject({ status: 299, body: 'to Bolt' });
    expect(bench.dispatched).toEqual([]);
    expect(bench.runs.stats()).toMatchObject({ queued: 0, active: 0, refused: 0 });
  });

  it('gives the place back, with a warning, when no listener takes the decision or the dispatch fails', async () => {
    for (const dispatch of ['ignore', 'throw'] as const) {
      bench = await startFastPath({ maxQueued: 1, dispatch });
      expect((await bench.command(fields('example.com'))).status).toBe(200);
      await handedOver(bench);
      expect(bench.warnings).toEqual([...(dispatch === 'throw' ? ['a slash command failed after its ack'] : []), 'a slash command was acked but no listener took it']);
      // Both places are free again: the accepted command's reservation was released.
      const places = [bench.runs.reserve(), bench.runs.reserve()];
      expect(places.every(Boolean)).toBe(true);
      await bench.close();
      bench = undefined;
    }
  });
});

describe('slash command fast path in the real app', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('acks before Bolt, and Bolt runs the command once on that decision: one summary, one report', async () => {
    h = await startHarness();
    const finished = h.nextRun();
    const ack = await h.requests.command(fields('example.com'));
    expect(ack).toMatchObject({ status: 200, body: '' });
    const { place } = await finished;
    expect(h.logs.lines.some((line) => line.msg === 'slash command acked before Bolt')).toBe(true);
    expect(h.logs.lines.some((line) => line.msg === 'a slash command was acked but no listener took it')).toBe(false);
    const summaries = h.slack.ok('chat.postMessage').filter((c) => c.args.channel === place.channel && c.args.thread_ts === undefined);
    expect(summaries).toHaveLength(1);
  });
});
