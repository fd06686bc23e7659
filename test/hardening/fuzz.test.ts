/**
 * Property-based fuzzing (fast-check) of every parser and escaper that hostile input reaches:
 * the target parser, the ticket-text extractor, the bounce parser, the DNS wire decoder, the
 * mrkdwn, terminal and Markdown escapers, and Slack payload validation.
 *
 * Properties: nothing throws except a typed InputError; output size is bounded by the input;
 * escaped output never holds an active control sequence. The total number of cases is printed
 * (at least 10,000); FUZZ_SEED reproduces a run.
 */
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeMarkdownInline } from '../../src/cli/markdown-escape.js';
import { InputError } from '../../src/core/errors.js';
import { capTarget, TARGET_CAPS } from '../../src/core/limits.js';
import { hasActiveControl, oneLine } from '../../src/core/sanitize.js';
import { parseCommandText, parseTargetText } from '../../src/core/target.js';
import { decodeDnsReply } from '../../src/io/dns-wire.js';
import { interpretBounce } from '../../src/knowledge/bounce/classify.js';
import { extractFromThread } from '../../src/knowledge/ticket-text.js';
import { validateSlackPayload } from '../../src/slack/payload-schema.js';
import { checkBodyShape } from '../../src/slack/receiver-guard.js';
import { checkEnvelopeShape } from '../../src/slack/socket-guard.js';
import { authoredWithin, escapeAuthored, escapeMrkdwn, escapeWithin, inlineCode } from '../../src/slack/render/mrkdwn.js';
import { activeMrkdwn } from '../support/mrkdwn-active.js';

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2_147_483_647;
let total = 0;
const started = performance.now();
let slowestMs = 0;

function timed<T>(run: () => T): T {
  const t0 = performance.now();
  const result = run();
  slowestMs = Math.max(slowestMs, performance.now() - t0);
  return result;
}

function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  fc.assert(property, { numRuns, seed });
  total += numRuns;
}

async function checkAsync<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  await fc.assert(property, { numRuns, seed });
  total += numRuns;
}

afterAll(() => {
  const ms = Math.round(performance.now() - started);
  console.log(`fuzz: ${total} cases in ${ms} ms (seed ${seed}, slowest case ${slowestMs.toFixed(1)} ms)`);
  expect(total).toBeGreaterThanOrEqual(10_000);
});

/** Any code point, controls, bidi and lone surrogates included. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const hostileChars = fc.constantFrom('\u001b[2J', '\u001b]0;t\u0007', '\r', '\n', '\u009b', '\u202e', '\u2066', '\u2028', '```', '`', '*', '_', '~', '<!channel>', '<@U1>', '&', '<', '>', '|', '\u0000', '\t');
const hostileText = fc.array(fc.oneof(anyText, hostileChars), { maxLength: 20 }).map((parts) => parts.join(''));

/** Tokens the command grammar knows, mixed with noise. */
const commandToken = fc.oneof(
  fc.constantFrom('example.com', 'admin@example.com', '<mailto:a@b.example|a@b.example>', '<http://x.example|x>', 'to=', 'region=', 'smtp-user=', 'message-id=', 'us-east-1', 'AKIAIOSFODNN7EXAMPLE', '0100018f3c2a1b2c-7d8e9f00-1111-2222-3333-444455556666-000000', '=', '@', 'xn--', '.'),
  fc.stringMatching(/^(to|region|smtp-user|message-id)=[\w.@<>|:-]{0,40}$/),
  hostileText,
);
const commandText = fc.array(commandToken, { maxLength: 30 }).map((tokens) => tokens.join(' '));

describe('fuzz', () => {
  it('target parser: a Target with bounded lists, or an InputError', () => {
    check(
      fc.property(commandText, (text) => {
        try {
          const target = timed(() => parseCommandText(text));
          const tokens = text.split(/\s+/).length;
          for (const list of [target.recipients, target.regions, target.smtpUsers, target.messageIds]) expect(list.length).toBeLessThanOrEqual(tokens);
          const capped = capTarget(target);
          expect(capped.recipients.length).toBeLessThanOrEqual(TARGET_CAPS.recipients);
          expect(capped.smtpUsers.length).toBeLessThanOrEqual(TARGET_CAPS.smtpUsers);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      3_000,
    );
    check(
      fc.property(hostileText, (text) => {
        try {
          parseTargetText(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      1_000,
    );
  });

  it('ticket-text extractor: never throws (or only InputError), output bounded', () => {
    const message = fc.array(fc.oneof(commandToken, fc.constantFrom('To: alice@r.example', 'From: ops@s.example', '550 5.1.1 user unknown', 'email-smtp.eu-west-1.amazonaws.com', '```', '> quoted')), { maxLength: 25 }).map((t) => t.join(' '));
    check(
      fc.property(fc.array(message, { maxLength: 8 }), (messages) => {
        try {
          const result = timed(() => extractFromThread(messages));
          const size = messages.join(' ').length;
          expect(result.recipients.length).toBeLessThanOrEqual(size);
          expect(result.smtpUsers.length).toBeLessThanOrEqual(size);
          expect(result.notes.length).toBeLessThan(100);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      1_500,
    );
  });

  it('bounce parser (knowledge/bounce public entry point): never throws, bounded replies', async () => {
    const ndr = fc
      .tuple(hostileText, fc.constantFrom('550 5.1.1', '554 5.7.1', '421 4.7.0', '535 Authentication Credentials Invalid', 'Diagnostic-Code: smtp; 550 5.4.1'), hostileText)
      .map(([a, code, b]) => `From: MAILER-DAEMON@x.example\nContent-Type: text/plain\n\n${a}\n${code} ${b}\n`);
    await checkAsync(
      fc.asyncProperty(fc.oneof(ndr, hostileText, fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes))), async (input) => {
        const t0 = performance.now();
        const result = await interpretBounce(input);
        slowestMs = Math.max(slowestMs, performance.now() - t0);
        expect(result.replies.length).toBeLessThanOrEqual(200);
        for (const reply of result.replies) expect(typeof reply.raw).toBe('string');
      }),
      700,
    );
  });

  it('DNS wire decoder: garbage, truncated and mutated replies never throw', () => {
    const question = { name: 'example.com', type: 'TXT' as const };
    const answer = fc.oneof(
      fc.record({ type: fc.constant('TXT' as const), name: fc.constantFrom('example.com', 'other.example'), data: fc.array(fc.string({ maxLength: 60 }), { maxLength: 3 }) }),
      fc.record({ type: fc.constant('CNAME' as const), name: fc.constantFrom('example.com', 'a.example'), data: fc.constantFrom('a.example', 'example.com', 'b.example') }),
    );
    const reply = fc
      .record({ answers: fc.array(answer, { maxLength: 6 }), rcode: fc.constantFrom('NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP') })
      .map(({ answers, rcode }) => {
        const packet = dnsPacket.encode({
          type: 'response',
          id: 4242,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ name: 'example.com', type: 'TXT', class: 'IN' }],
          answers: answers.map((a) => ({ ...a, ttl: 60, class: 'IN' as const })),
        } as dnsPacket.Packet);
        const rcodes: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
        packet[3] = (packet[3]! & 0xf0) | (rcodes[rcode] ?? 0);
        return packet;
      });
    const mutated = fc.tuple(reply, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat()).map(([bytes, edits, cut]) => {
      const copy = Buffer.from(bytes);
      for (const [at, value] of edits) copy[at % copy.length] = value;
      return copy.subarray(0, Math.max(0, copy.length - (cut % 8)));
    });
    check(
      fc.property(fc.oneof(reply, mutated, fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b))), (raw) => {
        const result = timed(() => decodeDnsReply(raw, 4242, question));
        if (result && 'records' in result) for (const record of result.records) expect(Array.isArray(record)).toBe(true);
      }),
      2_000,
    );
  });

  it('mrkdwn, terminal and Markdown escapers: no active control, no line break, no fence, bounded size', () => {
    check(
      fc.property(hostileText, fc.integer({ min: 10, max: 400 }), (text, max) => {
        const mrkdwn = escapeMrkdwn(text);
        expect(activeMrkdwn(mrkdwn)).toBeUndefined();
        expect(mrkdwn).not.toMatch(/[\n<>*_~`]/);
        expect(mrkdwn.length).toBeLessThanOrEqual(text.length * 8 + 8);
        const code = inlineCode(text, max);
        expect(code.slice(1, -1)).not.toContain('`');
        expect(activeMrkdwn(code)).toBeUndefined();
        expect(escapeWithin(text, max).length).toBeLessThanOrEqual(Math.max(max, 40) + 40);
        // Our own multi-line text with the value inside: lines and code spans kept, nothing active.
        const authored = escapeAuthored(`Publish \`${text}\` at ${text}:\n${text}`);
        expect(activeMrkdwn(authored)).toBeUndefined();
        const cut = authoredWithin(`Fix ${text}\n\`${text}\``, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(activeMrkdwn(cut)).toBeUndefined();
        const terminal = oneLine(text);
        expect(hasActiveControl(terminal)).toBe(false);
        expect(terminal).not.toContain('\n');
        const markdown = escapeMarkdownInline(text);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: these tests look for control characters
        expect(markdown).not.toMatch(/[\n\u001b\u009b\u202e]/);
      }),
      2_000,
    );
  });

  it('Slack payload validation: any JSON is a verdict, never a throw', () => {
    const shaped = fc.record({
      type: fc.constantFrom('block_actions', 'view_submission', 'message_action', 'event_callback', 'url_verification', 'other'),
      user: fc.oneof(fc.record({ id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }), fc.jsonValue()),
      actions: fc.oneof(fc.array(fc.record({ action_id: fc.string(), value: fc.oneof(fc.string(), fc.jsonValue()) })), fc.jsonValue()),
      view: fc.jsonValue(),
      event: fc.oneof(fc.record({ type: fc.constantFrom('app_mention', 'message'), text: fc.oneof(fc.string(), fc.constant(undefined), fc.jsonValue()), channel: fc.jsonValue(), ts: fc.jsonValue() }), fc.jsonValue()),
      event_id: fc.oneof(fc.string(), fc.jsonValue()),
    });
    const command = fc.record({ command: fc.oneof(fc.constant('/maildiag'), fc.jsonValue()), text: fc.oneof(fc.string(), fc.array(fc.string())), channel_id: fc.jsonValue(), user_id: fc.string() });
    check(
      fc.property(fc.oneof(shaped, command, fc.jsonValue(), fc.anything()), (body) => {
        const verdict = timed(() => validateSlackPayload(body));
        expect(typeof verdict.ok).toBe('boolean');
        if (verdict.ok && body && typeof body === 'object' && (body as { type?: unknown }).type === 'block_actions') {
          for (const action of (body as { actions: Array<{ value?: unknown }> }).actions) expect(['string', 'undefined']).toContain(typeof action.value);
        }
      }),
      1_500,
    );
    check(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.jsonValue().map((v) => Buffer.from(`payload=${encodeURIComponent(JSON.stringify(v) ?? '')}`))), fc.constantFrom('application/json', 'application/x-www-form-urlencoded', undefined), (raw, type) => {
        const verdict = checkBodyShape(raw, type);
        expect(typeof verdict.ok).toBe('boolean');
      }),
      1_000,
    );
    // Socket Mode envelopes: a verdict, never a throw; what passes is an object whose payload (and event) the client can read.
    const envelope = fc.record({
      type: fc.oneof(fc.constantFrom('hello', 'disconnect', 'events_api', 'slash_commands', 'interactive'), fc.jsonValue()),
      envelope_id: fc.oneof(fc.string(), fc.jsonValue()),
      payload: fc.oneof(fc.record({ event: fc.jsonValue() }), fc.jsonValue()),
    });
    check(
      fc.property(fc.oneof(envelope.map((e) => JSON.stringify(e)), fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.string()), (text) => {
        const verdict = timed(() => checkEnvelopeShape(text));
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          expect(verdict.ok).toBe(true);
          return;
        }
        if (!verdict.ok) return;
        const e = parsed as { type: unknown; payload?: { event?: unknown } };
        expect(typeof e.type).toBe('string');
        if (e.type !== 'hello' && e.type !== 'disconnect') expect(typeof e.payload).toBe('object');
        if (e.type === 'events_api') expect(typeof e.payload?.event).toBe('object');
      }),
      1_000,
    );
  });
});
