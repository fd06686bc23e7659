/**
 * How AWS SDK clients are built, in one place.
 *
 * - One client per process, service and region (a pool per endpoint and credential set), so
 *   every run reuses the same HTTP agent instead of leaving a fresh agent's sockets behind.
 * - Credentials are resolved once per pool: explicit ones are used as given; otherwise the
 *   first client's memoised default-chain provider is handed to every later client, so the
 *   chain (files, container or instance metadata) is walked once, not once per region.
 * - Requests that outlive the request timeout fail (`throwOnRequestTimeout`) and connections
 *   that do not open within the connection timeout fail; every `send` also takes the caller's
 *   AbortSignal (see `sendWith`), so a cancelled check tears its socket down.
 * - The SDK's own log lines (and the HTTP handler's `[WARN]` lines, which otherwise go to
 *   `console`) go through pino; request and response bodies are never logged.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient } from '@aws-sdk/client-sts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import pino from 'pino';

export interface AwsClientOptions {
  /** Endpoint override (loopback tests, VPC endpoints). Applies to every service. */
  endpoint?: string;
  /** Explicit credentials; otherwise the SDK's default provider chain (resolved once per pool). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call (throttling is retried by the SDK); tests use 1. */
  maxAttempts?: number;
  /** Whole request (send to last byte of the answer); past it the request fails. Default 10 s. */
  requestTimeoutMs?: number;
  /** TCP/TLS connection set-up; past it the request fails. Default 3 s. */
  connectionTimeoutMs?: number;
  /** Receives the SDK's log lines (the first pool user's logger wins). Default: silent. */
  logger?: Logger;
}

export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_AWS_CONNECTION_TIMEOUT_MS = 3_000;
/** Idle keep-alive sockets are closed after this long, so an idle app holds none. */
const IDLE_SOCKET_MS = 15_000;
/** At most this many pools (endpoint × credential sets) stay alive; the oldest is destroyed. */
const MAX_POOLS = 8;

/** The structural Logger the SDK and its HTTP handler accept. */
export interface SdkLogger {
  trace(...content: unknown[]): void;
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

/**
 * The SDK logs a line per command at `info` with its input and output; that is debug detail
 * for us, and bodies are dropped (they can hold addresses or, for CreateAccessKey, a secret
 * the SDK masks only by convention). Strings (the handler's warnings) are kept.
 */
export function sdkLogger(log: Logger): SdkLogger {
  const child = log.child({ component: 'aws-sdk' });
  const write =
    (level: 'debug' | 'warn' | 'error') =>
    (...content: unknown[]): void => {
      const fields: Record<string, unknown> = {};
      const texts: string[] = [];
      for (const item of content) {
        if (typeof item === 'string') texts.push(item);
        else if (item instanceof Error) fields.err = item;
        else if (item && typeof item === 'object') {
          const { clientName, commandName, metadata, error } = item as Record<string, unknown>;
          Object.assign(fields, { clientName, commandName, metadata });
          if (error instanceof Error) fields.err = error;
        }
      }
      child[level](fields, texts.join(' ') || 'aws sdk');
    };
  return { trace: write('debug'), debug: write('debug'), info: write('debug'), warn: write('warn'), error: write('error') };
}

/** The current call's context: where its attempts are counted (a run's counters) and what cancels it. */
const callContext = new AsyncLocalStorage<{ counters: { awsCalls: number }; abortSignal: AbortSignal | undefined }>();

/**
 * Runs `send` so that every HTTP attempt it makes (SDK retries included) bumps
 * `counters.awsCalls`, and `abortSignal` (when given) cancels its HTTP requests.
 */
export function countingAttempts<T>(counters: { awsCalls: number }, send: () => Promise<T>, abortSignal?: AbortSignal): Promise<T> {
  return callContext.run({ counters, abortSignal }, send);
}

/**
 * Clients are shared by runs, so the counter and the signal are found through the call's
 * async context. That also lets `send` go without per-call options, so the SDK reuses one
 * resolved middleware chain per command type (`cacheMiddleware`) instead of cloning and
 * sorting the whole stack on every call (about a third of the SDK's CPU per call, issue 13).
 */
function instrument(client: AnyClient): void {
  // The middleware passes arguments through untouched, so one stack type serves every client.
  (client.middlewareStack as SESv2Client['middlewareStack']).add(
    (next) => async (args) => {
      const call = callContext.getStore();
      if (call) call.counters.awsCalls += 1;
      return next(args);
    },
    { step: 'deserialize', name: 'maildiagCountAttempts' },
  );
  const handler = client.config.requestHandler as { handle(request: unknown, options?: { abortSignal?: unknown }): Promise<unknown> };
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options = {}) => {
    const abortSignal = options.abortSignal ?? callContext.getStore()?.abortSignal;
    return handle(request, abortSignal ? { ...options, abortSignal } : options);
  };
}

type AnyClient = SESv2Client | IAMClient | STSClient | SecretsManagerClient;
type Credentials = NonNullable<AwsClientOptions['credentials']>;
type CredentialProvider = NonNullable<SESv2Client['config']['credentials']>;

export interface AwsClientPool {
  sesv2(region: string): SESv2Client;
  iam(): IAMClient;
  sts(region?: string): STSClient;
  secretsManager(region: string): SecretsManagerClient;
  /** Destroys every client (and its sockets); the pool builds new ones if used again. */
  destroy(): void;
  /** How many clients exist (tests: one per service and region, however many runs). */
  readonly size: number;
}

/** IAM and STS are global services signed for us-east-1 (aws partition). */
export const GLOBAL_REGION = 'us-east-1';

function createPool(options: AwsClientOptions): AwsClientPool {
  const log = options.logger ?? pino({ level: 'silent' });
  const logger = sdkLogger(log);
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_AWS_REQUEST_TIMEOUT_MS;
  const connectionTimeout = Math.min(options.connectionTimeoutMs ?? DEFAULT_AWS_CONNECTION_TIMEOUT_MS, requestTimeout);
  const agent = { keepAlive: true, maxSockets: 50, timeout: IDLE_SOCKET_MS };
  const clients = new Map<string, AnyClient>();
  let sharedCredentials: Credentials | CredentialProvider | undefined = options.credentials;

  const config = (region: string) => ({
    region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(sharedCredentials ? { credentials: sharedCredentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    // One resolved middleware chain per command type; calls pass no per-call options (see `instrument`).
    cacheMiddleware: true,
    logger,
    requestHandler: { requestTimeout, connectionTimeout, throwOnRequestTimeout: true, httpAgent: agent, httpsAgent: agent, logger },
  });

  const get = <C extends AnyClient>(key: string, build: () => C): C => {
    let client = clients.get(key) as C | undefined;
    if (!client) {
      client = build();
      instrument(client);
      // After every command the SDK's logger middleware builds schema-filtered copies of its
      // input and output for a line we write only at debug (about 0.04 ms a call, issue 13).
      // Failures still reach us as errors; the HTTP handler's warnings keep their logger.
      if (!log.isLevelEnabled('debug')) (client.middlewareStack as SESv2Client['middlewareStack']).remove('loggerMiddleware');
      clients.set(key, client);
      // The first client's provider is memoised by the SDK; every later client shares it.
      if (!sharedCredentials) sharedCredentials = client.config.credentials as CredentialProvider;
    }
    return client;
  };

  return {
    sesv2: (region) => get(`sesv2 ${region}`, () => new SESv2Client(config(region))),
    iam: () => get('iam', () => new IAMClient(config(GLOBAL_REGION))),
    sts: (region = GLOBAL_REGION) => get(`sts ${region}`, () => new STSClient(config(region))),
    secretsManager: (region) => get(`secretsmanager ${region}`, () => new SecretsManagerClient(config(region))),
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
      sharedCredentials = options.credentials;
    },
    get size() {
      return clients.size;
    },
  };
}

const pools = new Map<string, AwsClientPool>();

/** Never holds a secret in clear: explicit credentials enter the key as a digest. */
function poolKey(options: AwsClientOptions): string {
  const creds = options.credentials
    ? createHash('sha256').update(`${options.credentials.accessKeyId}\0${options.credentials.secretAccessKey}\0${options.credentials.sessionToken ?? ''}`).digest('hex')
    : 'default-chain';
  return JSON.stringify([options.endpoint ?? '', creds, options.maxAttempts ?? 3, options.requestTimeoutMs ?? 0, options.connectionTimeoutMs ?? 0]);
}

/** The process-wide pool for these options (same endpoint, credentials and limits → same clients). */
export function awsClientPool(options: AwsClientOptions): AwsClientPool {
  const key = poolKey(options);
  let pool = pools.get(key);
  if (pool) {
    // Most recently used last, so eviction takes the least recently used.
    pools.delete(key);
    pools.set(key, pool);
    return pool;
  }
  pool = createPool(options);
  pools.set(key, pool);
  while (pools.size > MAX_POOLS) {
    const [oldestKey, oldest] = pools.entries().next().value as [string, AwsClientPool];
    pools.delete(oldestKey);
    oldest.destroy();
  }
  return pool;
}

/** Destroys every pooled client (app shutdown, end of a CLI run). */
export function destroyAwsClients(): void {
  for (const pool of pools.values()) pool.destroy();
  pools.clear();
}

/** Number of live pooled clients over every pool (tests). */
export function pooledClientCount(): number {
  let total = 0;
  for (const pool of pools.values()) total += pool.size;
  return total;
}
