/**
 * A guard in front of Bolt's Socket Mode receiver (transport only, no business logic), the
 * Socket Mode twin of ./receiver-guard.ts:
 *
 * - @slack/socket-mode 3.1 parses each WebSocket message and reads `event.type` and, for
 *   `events_api`, `event.payload.event.type` without checking that they are objects, inside
 *   an async listener nobody awaits: a message of JSON `null`, or an envelope whose `payload`
 *   is `null` or not an object, throws an unhandled rejection (the end of a process without a
 *   handler for it). Other types pass a `null` payload to Bolt as the request body.
 * - The guard checks the envelope's shape first, acknowledges a malformed envelope that has an
 *   id (so it is not redelivered), logs it by reason (never its content) and drops it.
 * - Anything the client's own handler still throws is logged; the connection keeps serving.
 *
 * A well-formed envelope's payload then goes through the same field validation as over HTTP
 * (./listeners/validate-payloads.ts).
 */
import type { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';

/** Messages of the Socket Mode protocol itself (no payload). */
const CONTROL_TYPES = new Set(['hello', 'disconnect']);

export type EnvelopeVerdict = { ok: true } | { ok: false; reason: string; envelopeId?: string };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/** What the Socket Mode client would make of one text message, decided without throwing. */
export function checkEnvelopeShape(text: string): EnvelopeVerdict {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    // The client ignores text that is not JSON; nothing to guard.
    return { ok: true };
  }
  if (!isObject(envelope)) return { ok: false, reason: `the message is ${describe(envelope)}, not an object` };
  const envelopeId = typeof envelope.envelope_id === 'string' && envelope.envelope_id.length <= 200 ? envelope.envelope_id : undefined;
  const refuse = (reason: string): EnvelopeVerdict => ({ ok: false, reason, ...(envelopeId ? { envelopeId } : {}) });
  if (typeof envelope.type !== 'string') return refuse(`its type is ${describe(envelope.type)}, not a string`);
  if (CONTROL_TYPES.has(envelope.type)) return { ok: true };
  if (!isObject(envelope.payload)) return refuse(`its payload is ${describe(envelope.payload)}, not an object`);
  if (envelope.type === 'events_api' && !isObject(envelope.payload.event)) return refuse(`its payload's event is ${describe(envelope.payload.event)}, not an object`);
  return { ok: true };
}

type MessageListener = (data: unknown, isBinary: boolean) => unknown;

/** Wraps the receiver's Socket Mode client in place: its message listeners see only well-formed envelopes. */
export function guardSocketModeReceiver(receiver: SocketModeReceiver, options: { log: Logger }): void {
  const log = options.log.child({ component: 'socket-guard' });
  const client = receiver.client;
  // The client's own listener (onWebSocketMessage), bound in its constructor.
  const inner = client.listeners('ws_message') as MessageListener[];
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: boolean) => {
    if (!isBinary) {
      const text = typeof data === 'string' ? data : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? new TextDecoder().decode(data as ArrayBuffer) : undefined;
      const verdict = text === undefined ? { ok: true as const } : checkEnvelopeShape(text);
      if (!verdict.ok) {
        log.warn({ reason: verdict.reason }, 'refused: malformed Socket Mode envelope');
        if (verdict.envelopeId) {
          // `send` is how the client acknowledges (private in its typings, public in its JavaScript).
          (client as unknown as { send(id: string, body: object): Promise<void> })
            .send(verdict.envelopeId, {}).catch((error: unknown) => log.debug({ err: { message: (error as Error).message } }, 'could not acknowledge a refused envelope'));
        }
        return;
      }
    }
    for (const listener of inner) {
      try {
        Promise.resolve(listener.call(client, data, isBinary)).catch((error: unknown) => log.error({ err: error }, 'Socket Mode message handling failed'));
      } catch (error) {
        log.error({ err: error }, 'Socket Mode message handling failed');
      }
    }
  });
}
