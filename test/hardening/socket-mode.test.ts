/**
 * Issue 12, defect 4 over Socket Mode: hostile envelopes sent through the real Socket Mode
 * receiver (Bolt's SocketModeReceiver and @slack/socket-mode's client on undici's WebSocket),
 * connected to a loopback WebSocket server standing in for Slack's. Without the guard, a
 * message of JSON `null` or an envelope whose payload is `null` throws inside the client's
 * unawaited message handler: an unhandled rejection, which vitest reports as a failure here
 * and which ends a process that has no handler for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkEnvelopeShape } from '../../src/slack/socket-guard.js';
import { appMentionEnvelope, commandFields } from '../support/slack-requests.js';
import { startSocketModeServer, type TestSocketModeServer } from '../support/socket-mode-server.js';
import { CHANNEL, type Harness, startHarness, USER } from '../slack/harness.js';

let h: Harness | undefined;
let ws: TestSocketModeServer | undefined;
afterEach(async () => {
  await h?.close();
  await ws?.close();
  h = undefined;
  ws = undefined;
});

/** [what, message text, envelope id the guard acknowledges]. */
const HOSTILE: Array<[string, string, string | undefined]> = [
  ['JSON null', 'null', undefined],
  ['a number', '42', undefined],
  ['a string', '"events_api"', undefined],
  ['an array', '[{"type":"events_api"}]', undefined],
  ['events_api with payload null', '{"type":"events_api","envelope_id":"E-null","payload":null}', 'E-null'],
  ['events_api without payload', '{"type":"events_api","envelope_id":"E-none"}', 'E-none'],
  ['events_api with event null', '{"type":"events_api","envelope_id":"E-event","payload":{"event":null}}', 'E-event'],
  ['slash_commands with payload null', '{"type":"slash_commands","envelope_id":"E-cmd","payload":null}', 'E-cmd'],
  ['interactive with a string payload', '{"type":"interactive","envelope_id":"E-str","payload":"null"}', 'E-str'],
  ['a type that is not a string', '{"type":{"x":1},"envelope_id":"E-type","payload":{}}', 'E-type'],
];

describe('Socket Mode envelopes (defect 4)', () => {
  it('refuses envelopes that are not objects or whose payload is not, acknowledges them, and keeps diagnosing', async () => {
    ws = await startSocketModeServer();
    h = await startHarness({ socketMode: ws });
    expect(h.handle.mode).toBe('socket');
    await ws.connected();
    expect(h.slack.ok('apps.connections.open')).toHaveLength(1);

    for (const [, text] of HOSTILE) ws.send(text);
    // A payload object with a field of the wrong type: the same validation as over HTTP.
    ws.send(JSON.stringify({ type: 'slash_commands', envelope_id: 'E-typed', payload: { ...commandFields({ text: 'customer.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('typed') }), text: ['a', 'b'] } }));
    // Then a real command over the same connection: it runs.
    const finished = h.nextRun();
    ws.send(JSON.stringify({ type: 'slash_commands', envelope_id: 'E-ok', accepts_response_payload: true, payload: commandFields({ text: 'customer.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('ok') }) }));
    await ws.waitForAck('E-ok');
    const { report } = await finished;
    expect(report.target.senderDomain).toBe('customer.example');

    // Messages on one connection are handled in order: every hostile one was handled before the command.
    const refused = h.logs.lines.filter((l) => l.msg === 'refused: malformed Socket Mode envelope');
    expect(refused).toHaveLength(HOSTILE.length);
    expect(refused.map((l) => String(l.reason))).toContain('the message is null, not an object');
    expect(refused.map((l) => String(l.reason))).toContain('its payload is null, not an object');
    for (const [, , id] of HOSTILE) if (id) await ws.waitForAck(id);
    await ws.waitForAck('E-typed');
    expect(h.logs.lines.some((l) => l.msg === 'refused: malformed Slack payload')).toBe(true);
    expect(h.logs.lines.filter((l) => l.msg === 'slash command accepted')).toHaveLength(1);
    expect(h.logs.lines.some((l) => l.msg === 'Socket Mode message handling failed' || l.msg === 'unhandled error in a listener')).toBe(false);
    // Refusals are logged by reason, never with the content.
    expect(JSON.stringify(refused)).not.toContain('events_api');
  });

  it('passes an app_mention envelope through to the thread diagnosis', async () => {
    ws = await startSocketModeServer();
    h = await startHarness({ socketMode: ws });
    await ws.connected();
    h.slack.setThread(CHANNEL, '1699999000.000100', [{ ts: '1699999000.000100', user: 'U0CUSTOMER', text: 'mail from admin@customer.example does not arrive' }]);
    const body = appMentionEnvelope({ eventId: 'Ev0SOCKET', channel: CHANNEL, user: USER, text: '<@U0BOT>', ts: '1699999000.000200', threadTs: '1699999000.000100' });
    const finished = h.nextRun();
    ws.send(JSON.stringify({ type: 'events_api', envelope_id: 'E-mention', accepts_response_payload: false, payload: body }));
    await ws.waitForAck('E-mention');
    const { report } = await finished;
    expect(report.target.senderDomain).toBe('customer.example');
  });
});

describe('checkEnvelopeShape', () => {
  it.each(HOSTILE)('refuses %s', (_what, text, id) => {
    const verdict = checkEnvelopeShape(text);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.envelopeId).toBe(id);
  });

  it('lets the protocol messages and well-formed envelopes through, and leaves non-JSON to the client', () => {
    for (const text of ['{"type":"hello"}', '{"type":"disconnect","reason":"refresh_requested"}', '{"type":"events_api","envelope_id":"e","payload":{"event":{"type":"app_mention"}}}', '{"type":"interactive","envelope_id":"e","payload":{}}', 'not json']) {
      expect(checkEnvelopeShape(text)).toEqual({ ok: true });
    }
  });
});
