/**
 * The Slack Web API transport (src/slack/http-fetch.ts) against a real loopback HTTP server:
 * what it sends, what it returns, its failures as `fetch` reports them, keep-alive reuse, and
 * the fallback to the global fetch for what it does not handle. The last test drives the real
 * Web API client through it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHttpFetch } from '../../src/slack/http-fetch.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

const seen: Seen[] = [];
let server: http.Server;
let base: string;
/** Requests the server holds without answering (the abort test), released at the end. */
const held: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort ?? 0 });
      switch (req.url) {
        case '/api/chat.postMessage':
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-slack-req-id': 'r1' });
          res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '1.000100' }));
          return;
        case '/gzip':
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(zlib.gzipSync(JSON.stringify({ ok: true, zipped: true })));
          return;
        case '/redirect':
          res.writeHead(302, { location: '/elsewhere' });
          res.end();
          return;
        case '/ratelimited':
          res.writeHead(429, { 'retry-after': '7' });
          res.end();
          return;
        case '/huge':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('x'.repeat(64 * 1024));
          return;
        case '/cut':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
          res.write('partial');
          setImmediate(() => res.socket?.destroy());
          return;
        case '/hold':
          held.push(res);
          return;
        case '/form':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(String(req.headers['content-type']));
          return;
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (body = 'a=1&b=%C3%A9') => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer xoxb-secret' }, body, redirect: 'error' as const });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('Slack HTTP transport', () => {
  it('POSTs the body and headers and returns a real Response with status, headers and body', async () => {
    const fetch = createHttpFetch();
    const response = await fetch(`${base}/api/chat.postMessage`, post());
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-slack-req-id')).toBe('r1');
    expect(await response.json()).toEqual({ ok: true, channel: 'C1', ts: '1.000100' });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/api/chat.postMessage', body: 'a=1&b=%C3%A9' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-secret', 'content-length': '12' });
  });

  it('keeps the connection alive between calls', async () => {
    const fetch = createHttpFetch();
    await (await fetch(`${base}/api/chat.postMessage`, post())).text();
    const first = seen.at(-1)!.remotePort;
    await (await fetch(`${base}/api/chat.postMessage`, post())).text();
    expect(seen.at(-1)!.remotePort).toBe(first);
  });

  it('decodes a gzip body and drops the encoding header', async () => {
    const response = await createHttpFetch()(`${base}/gzip`, post());
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual({ ok: true, zipped: true });
  });

  it('passes 429 and 404 through as responses, like fetch', async () => {
    const fetch = createHttpFetch();
    const limited = await fetch(`${base}/ratelimited`, post());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const missing = await fetch(`${base}/nope`, post());
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found');
  });

  it('fails like fetch: a redirect with redirect "error", a refused connection, a cut-off body', async () => {
    const fetch = createHttpFetch();
    const redirect = await rejection(fetch(`${base}/redirect`, post()));
    expect(redirect).toBeInstanceOf(TypeError);
    expect(String((redirect.cause as Error).message)).toMatch(/redirect/);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await rejection(fetch(`http://127.0.0.1:${deadPort}/api/x`, post()));
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');

    const cut = await rejection(fetch(`${base}/cut`, post()));
    expect(cut).toBeInstanceOf(TypeError);
  });

  it('caps the response body', async () => {
    const error = await rejection(createHttpFetch({ maxResponseBytes: 1024 })(`${base}/huge`, post()));
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error.cause as Error).message)).toMatch(/larger than 1024 bytes/);
    expect((await createHttpFetch()(`${base}/huge`, post()).then((r) => r.text())).length).toBe(64 * 1024);
  });

  it('rejects with the signal reason when aborted, before or during the call', async () => {
    const fetch = createHttpFetch();
    const early = new AbortController();
    early.abort(new Error('stopped early'));
    expect((await rejection(fetch(`${base}/api/chat.postMessage`, { ...post(), signal: early.signal }))).message).toBe('stopped early');

    const controller = new AbortController();
    const heldBefore = held.length;
    const call = fetch(`${base}/hold`, { ...post(), signal: controller.signal });
    await vi.waitFor(() => expect(held.length).toBe(heldBefore + 1));
    const closed = new Promise<void>((resolve) => held.at(-1)!.on('close', () => resolve()));
    controller.abort();
    expect((await rejection(call)).name).toBe('AbortError');
    await closed;
  });

  it('hands FormData bodies and other redirect modes to the fallback fetch', async () => {
    const fallback = vi.fn((input: Parameters<typeof fetch>[0], init?: RequestInit) => globalThis.fetch(input, init));
    const fetch = createHttpFetch({ fallback });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'a.bin');
    const response = await fetch(`${base}/form`, { method: 'POST', body: form, redirect: 'error' });
    expect(await response.text()).toMatch(/^multipart\/form-data; boundary=/);
    await fetch(`${base}/api/chat.postMessage`, { ...post(), redirect: 'follow' });
    expect(fallback).toHaveBeenCalledTimes(2);
    await fetch(`${base}/api/chat.postMessage`, post());
    expect(fallback).toHaveBeenCalledTimes(2);
  });

  it('carries the real Web API client: a call and its result, an HTTP error as the client reports it', async () => {
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: `${base}/api/`, fetch: createHttpFetch(), rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const result = await client.chat.postMessage({ channel: 'C1', text: 'hello', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }] });
    expect(result).toMatchObject({ ok: true, ts: '1.000100' });
    const request = seen.at(-1)!;
    expect(new URLSearchParams(request.body).get('blocks')).toBe(JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }]));
    expect(request.headers.authorization).toBe('Bearer xoxb-test');
    const missing = await rejection(client.apiCall('no.such.method', {}));
    expect(missing).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 404 });
  });
});
