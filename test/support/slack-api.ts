/**
 * A fake Slack Web API on loopback (`clientOptions.slackApiUrl`). It records every call,
 * answers the methods maildiag uses, serves threads for conversations.replies, receives
 * response_url posts, and can be told to fail the next calls of a method with a Slack
 * error (`not_in_channel`, `missing_scope`, ...) or a 429 with Retry-After. Tests wait for
 * recorded calls with `waitFor` (resolved by the server as calls arrive), never with sleeps.
 * Posting pace is observed: posts to one channel less than a second apart are counted.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** Web API method (`chat.postMessage`) or `response_url` for posts to a response URL. */
  method: string;
  /** Parsed arguments; `blocks` and other JSON fields are decoded. */
  args: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  /** For response_url posts: the path id. */
  responseId?: string;
  /** The HTTP status the fake answered with. */
  status: number;
  /** What the fake answered (absent for 429s). */
  result?: Record<string, unknown>;
  /** performance.now() when the call arrived (for the benchmark; tests never assert timing). */
  at: number;
}

export type Injected = { error: string; extra?: Record<string, unknown> } | { rateLimited: number };

export interface FakeThreadMessage {
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
}

export interface FakeSlackApi {
  /** Base URL for `slackApiUrl`, ending in `/api/`. */
  apiUrl: string;
  /** A response_url the fake records (as method `response_url`). */
  responseUrl(id: string): string;
  calls: RecordedCall[];
  /** Calls answered with ok (429s and injected errors excluded). */
  ok(method: string): RecordedCall[];
  /** Makes the next `times` calls of `method` answer with `response`. */
  inject(method: string, response: Injected, times?: number): void;
  setThread(channel: string, ts: string, messages: FakeThreadMessage[]): void;
  /** Members answered by usergroups.users.list (approval flow). */
  setUserGroup(groupId: string, users: string[]): void;
  /** The WebSocket URL apps.connections.open answers (Socket Mode, test/support/socket-mode-server.ts). */
  setSocketModeUrl(url: string): void;
  /** Resolves with the first recorded call (past or future) that matches; rejects after timeoutMs. */
  waitFor(predicate: (call: RecordedCall) => boolean, description: string, timeoutMs?: number): Promise<RecordedCall>;
  /** Posts to the same channel closer than one second apart (Slack's guidance); counted, not enforced. */
  paceViolations: number;
  rateLimitedResponses: number;
  close(): Promise<void>;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view']);

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);
  const injected = new Map<string, Injected[]>();
  const threads = new Map<string, FakeThreadMessage[]>();
  const userGroups = new Map<string, string[]>();
  const lastPostAt = new Map<string, number>();
  let tsCounter = 0;
  let socketModeUrl: string | undefined;
  const state = { paceViolations: 0, rateLimitedResponses: 0 };

  const nextTs = (): string => {
    tsCounter += 1;
    return `1700000000.${String(tsCounter).padStart(6, '0')}`;
  };

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    switch (method) {
      case 'chat.postMessage': {
        if (channel) {
          const now = performance.now();
          const last = lastPostAt.get(channel);
          if (last !== undefined && now - last < 1000) state.paceViolations += 1;
          lastPostAt.set(channel, now);
        }
        const ts = nextTs();
        return { ok: true, channel, ts, message: { ts, text: args.text, ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}) } };
      }
      case 'chat.update':
        return { ok: true, channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'conversations.replies': {
        const messages = threads.get(`${channel}/${String(args.ts)}`);
        if (!messages) return { ok: false, error: 'thread_not_found' };
        return { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } };
      }
      case 'views.open':
        return { ok: true, view: { id: `V${String(calls.length).padStart(8, '0')}` } };
      case 'views.update':
        return { ok: true, view: { id: args.view_id } };
      case 'usergroups.users.list': {
        const users = userGroups.get(String(args.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'apps.connections.open':
        return socketModeUrl ? { ok: true, url: socketModeUrl } : { ok: false, error: 'invalid_auth' };
      case 'auth.test':
        return { ok: true, user_id: 'UFAKEBOT', bot_id: 'BFAKEBOT', team_id: 'TFAKE' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      const args = parseBody(raw, req.headers['content-type']);
      const responseMatch = /^\/response\/([^/]+)$/.exec(url.pathname);
      const method = responseMatch ? 'response_url' : url.pathname.replace(/^\/api\//, '');
      const queue = injected.get(method);
      const injection = queue?.shift();
      let status = 200;
      let result: Record<string, unknown> | undefined;
      if (injection && 'rateLimited' in injection) {
        status = 429;
        state.rateLimitedResponses += 1;
        res.writeHead(429, { 'retry-after': String(injection.rateLimited), 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else {
        result = injection ? { ok: false, error: injection.error, ...injection.extra } : responseMatch ? { ok: true } : answer(method, args);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      }
      const call: RecordedCall = { method, args, headers: req.headers, status, at: performance.now(), ...(result ? { result } : {}), ...(responseMatch?.[1] ? { responseId: responseMatch[1] } : {}) };
      calls.push(call);
      emitter.emit('call', call);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${base}/api/`,
    responseUrl: (id) => `${base}/response/${id}`,
    calls,
    ok: (method) => calls.filter((c) => c.method === method && c.status === 200 && c.result?.ok === true),
    inject(method, response, times = 1) {
      const queue = injected.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(response);
      injected.set(method, queue);
    },
    setThread(channel, ts, messages) {
      threads.set(`${channel}/${ts}`, messages);
    },
    setUserGroup(groupId, users) {
      userGroups.set(groupId, users);
    },
    setSocketModeUrl(url) {
      socketModeUrl = url;
    },
    waitFor(predicate, description, timeoutMs = 10_000) {
      const found = calls.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onCall = (call: RecordedCall): void => {
          if (!predicate(call)) return;
          clearTimeout(timer);
          emitter.off('call', onCall);
          resolve(call);
        };
        const timer = setTimeout(() => {
          emitter.off('call', onCall);
          reject(new Error(`timed out waiting for ${description}; calls so far: ${calls.map((c) => c.method).join(', ') || 'none'}`));
        }, timeoutMs);
        emitter.on('call', onCall);
      });
    },
    get paceViolations() {
      return state.paceViolations;
    },
    get rateLimitedResponses() {
      return state.rateLimitedResponses;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
