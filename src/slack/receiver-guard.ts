/**
 * A guard in front of Bolt's HTTP receiver (transport only, no business logic):
 *
 * - Bolt 5.1's receiver parses the body and reads `body.ssl_check` without checking that
 *   the body is an object: a signed `payload=null` (or a JSON `null`, a number, an array)
 *   throws inside an unawaited async function, and the unhandled rejection ends the process.
 *   The guard buffers the body first (Bolt reuses a buffered body, see
 *   HTTPModuleFunctions.bufferIncomingMessage) and answers 400 unless it is a JSON object.
 * - Bolt refuses request timestamps older than five minutes but accepts any in the future;
 *   the guard refuses those more than five minutes ahead (401), before reading the body.
 * - Anything thrown while dispatching is logged and answered 500; the process keeps serving.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type BufferedIncomingMessage, defaultBodyLimit, HTTPModuleFunctions, type HTTPReceiver, isRawBodyError } from '@slack/bolt';
import type { Logger } from 'pino';

/** How far ahead of our clock a request timestamp may be (Slack's window is five minutes). */
export const MAX_FUTURE_SKEW_SECONDS = 5 * 60;
/** Bolt's default endpoint, the only one this app uses. */
const EVENTS_PATH = '/slack/events';

/**
 * Whether Bolt will handle this request as an event: the same test as its HTTPReceiver (the
 * URL's normalised path, the method upper-cased), so no spelling of the path (`/slack/./events`,
 * `/slack/x/../events`) reaches Bolt's event handling around the guard.
 */
function isEventsRequest(req: IncomingMessage): boolean {
  if ((req.method ?? '').toUpperCase() !== 'POST') return false;
  try {
    return new URL(req.url ?? '', 'http://localhost').pathname === EVENTS_PATH;
  } catch {
    return false;
  }
}

export type BodyVerdict = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

/** What Bolt's parser would make of the body, decided without throwing. */
export function checkBodyShape(raw: Buffer, contentType: string | undefined): BodyVerdict {
  const text = raw.toString('utf8');
  let parsed: unknown;
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const query = parseQuery(text);
      parsed = typeof query.payload === 'string' ? JSON.parse(query.payload) : query;
    } else {
      parsed = JSON.parse(text);
    }
  } catch {
    return { ok: false, reason: 'the body is not valid JSON or form data' };
  }
  if (!isRecord(parsed)) {
    return { ok: false, reason: `the body is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`}, not an object` };
  }
  return { ok: true, body: parsed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function reply(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status);
  res.end();
}

export interface ReceiverGuardOptions {
  log: Logger;
  /** Seconds since the epoch (tests). */
  nowSeconds?: () => number;
  /** Called as each request to the events endpoint arrives (src/slack/ack-first.ts). */
  onRequest?: () => void;
  /**
   * Answers a well-formed request before Bolt (src/slack/fast-ack.ts): true when it did; false
   * leaves the request to Bolt, unanswered.
   */
  fastPath?: (request: BufferedIncomingMessage, res: ServerResponse, body: Record<string, unknown>) => boolean;
}

/** Wraps the receiver's request listener in place. */
export function guardHttpReceiver(receiver: HTTPReceiver, options: ReceiverGuardOptions): void {
  const inner: RequestListener = receiver.requestListener;
  const log = options.log.child({ component: 'receiver-guard' });
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isEventsRequest(req)) {
      inner(req, res);
      return;
    }
    options.onRequest?.();
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(timestamp) && timestamp > nowSeconds() + MAX_FUTURE_SKEW_SECONDS) {
      log.warn({ aheadSeconds: timestamp - nowSeconds() }, 'refused: request timestamp in the future');
      reply(res, 401);
      req.resume();
      return;
    }
    void (async () => {
      let buffered: Awaited<ReturnType<typeof HTTPModuleFunctions.bufferIncomingMessage>>;
      try {
        buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit);
      } catch (error) {
        const tooLarge = isRawBodyError(error) && (error as { statusCode?: number }).statusCode === 413;
        log.warn({ tooLarge }, 'refused: the request body could not be read');
        reply(res, tooLarge ? 413 : 400);
        return;
      }
      const verdict = checkBodyShape(buffered.rawBody, req.headers['content-type']);
      if (!verdict.ok) {
        log.warn({ reason: verdict.reason }, 'refused: malformed request body');
        reply(res, 400);
        return;
      }
      if (options.fastPath?.(buffered, res, verdict.body)) return;
      // Bolt sees the buffered body and verifies the signature as usual.
      inner(buffered, res);
    })().catch((error: unknown) => {
      log.error({ err: error }, 'request handling failed');
      reply(res, 500);
    });
  };
}
