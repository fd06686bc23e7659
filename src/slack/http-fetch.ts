/**
 * The Slack Web API client's transport: a `fetch` over node:http/https with keep-alive agents.
 *
 * Why not the global `fetch`: under a burst the Web API calls are a large share of a
 * diagnosis's CPU, and most of it is undici's fetch machinery (WHATWG Request/Headers
 * objects, web streams, the wasm HTTP parser), about 1 ms per call against about 0.3 ms for
 * a plain `http.request` (issue 13, `--cpu-prof` of the burst bench). The Web API client only
 * ever POSTs a string body with `redirect: 'error'`; that is what this handles, and anything
 * else (FormData or Blob uploads, other redirect modes, a Request object) goes to the global
 * `fetch` unchanged.
 *
 * Behaviour kept from `fetch`: the returned value is a real `Response`; a network failure or
 * a redirect (with `redirect: 'error'`) rejects with a `TypeError` whose `cause` says why;
 * an abort rejects with the signal's reason; gzip, deflate and br bodies are decoded. Added: a
 * cap on the response body (Slack's answers are small; a peer sending without end cannot fill
 * memory).
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

export interface HttpFetchOptions {
  /** A response body past this many bytes fails the call. Default 16 MiB. */
  maxResponseBytes?: number;
  /** Idle keep-alive sockets close after this long (a server's shorter Keep-Alive hint wins). Default 4 s, as undici. */
  idleSocketMs?: number;
  /** Falls back to this for what the transport does not handle. Default: the global `fetch`. */
  fallback?: typeof fetch;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const DEFAULT_IDLE_SOCKET_MS = 4_000;
/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY_STATUS = new Set([204, 205, 304]);
/** Redirect statuses (Fetch standard); with `redirect: 'error'` one that names a location is a network error. */
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** A `fetch` failure as the global one reports it: `TypeError('fetch failed')` with the reason as `cause`. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

type HeadersInput = NonNullable<RequestInit['headers']>;

function plainHeaders(headers: HeadersInput | undefined): Record<string, string> | undefined {
  if (headers === undefined) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers).entries());
  if (typeof headers === 'object') {
    const plain: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') plain[name] = value;
    return plain;
  }
  return undefined;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

export function createHttpFetch(options: HttpFetchOptions = {}): typeof fetch {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const idleSocketMs = options.idleSocketMs ?? DEFAULT_IDLE_SOCKET_MS;
  const fallback = options.fallback ?? ((input, init) => globalThis.fetch(input, init));
  const httpAgent = new http.Agent({ keepAlive: true, timeout: idleSocketMs });
  const httpsAgent = new https.Agent({ keepAlive: true, timeout: idleSocketMs });

  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const body = init?.body;
    const headers = plainHeaders(init?.headers);
    if (url === undefined || init?.redirect !== 'error' || (body !== undefined && body !== null && typeof body !== 'string') || headers === undefined) {
      return fallback(input, init);
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      return Promise.reject(new TypeError(`Failed to parse URL from ${url}`, { cause: error }));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return fallback(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<Response>((resolve, reject) => {
      const payload = typeof body === 'string' ? Buffer.from(body) : undefined;
      const outgoing: Record<string, string> = { ...headers };
      if (payload) outgoing['content-length'] = String(payload.length);
      const secure = target.protocol === 'https:';
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        request.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(signal?.reason);
      const request = (secure ? https : http).request(target, { method: init.method ?? 'GET', headers: outgoing, agent: secure ? httpsAgent : httpAgent }, (response) => {
        const status = response.statusCode ?? 0;
        if (REDIRECT_STATUS.has(status) && response.headers.location !== undefined) {
          response.resume();
          fail(fetchFailed(new Error('unexpected redirect')));
          return;
        }
        if (status < 200 || status > 599) {
          response.resume();
          fail(fetchFailed(new Error(`unexpected HTTP status ${status}`)));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxResponseBytes) {
            fail(fetchFailed(new Error(`response body larger than ${maxResponseBytes} bytes`)));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => fail(fetchFailed(error)));
        response.on('close', () => {
          if (!response.complete) fail(fetchFailed(new Error('the connection closed before the whole response arrived')));
        });
        response.on('end', () => {
          if (settled) return;
          let content: Buffer;
          try {
            content = decode(Buffer.concat(chunks), response.headers['content-encoding']);
          } catch (error) {
            fail(fetchFailed(error));
            return;
          }
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          const pairs: Array<[string, string]> = [];
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) {
            const name = raw[i]!.toLowerCase();
            // The body is decoded: its encoding and length no longer describe it.
            if (name === 'content-encoding' || name === 'content-length') continue;
            pairs.push([name, raw[i + 1]!]);
          }
          resolve(
            new Response(NULL_BODY_STATUS.has(status) ? null : content, {
              status,
              statusText: response.statusMessage ?? '',
              headers: pairs,
            }),
          );
        });
      });
      request.on('error', (error) => fail(fetchFailed(error)));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(payload);
    });
  };
}
