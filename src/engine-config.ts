/**
 * The engine's settings (all the configuration the CLI needs), read and validated once from
 * the environment. A missing or malformed setting fails with a message naming the variable.
 *
 * Plain field readers, no zod: the CLI reads these on every diagnosis, and loading zod (its
 * core and every locale) cost ~80 ms of the CLI's start (issue 15). src/config.ts reads the
 * same engine fields with these readers and wraps the same readers in zod for the app's own
 * variables, so a variable is read, defaulted and refused with the same words in both.
 */
import { readFileSync } from 'node:fs';
import { parseDnsServer } from './core/dns-server.js';
import { ConfigError } from './core/errors.js';
import type { EngineSettings } from './core/ports.js';
import { isSesRegion } from './core/regions.js';

export type Env = Record<string, string | undefined>;

/** One variable's reader: its value (undefined when unset or blank) to a setting or a message. */
export type FieldReader<T> = (value: string | undefined) => { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T) => ({ ok: true as const, value });
const refuse = (message: string) => ({ ok: false as const, message });

export const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

export const positiveInt =
  (fallback: number): FieldReader<number> =>
  (value) => {
    if (value === undefined || value.trim() === '') return ok(fallback);
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) return refuse(`must be a positive whole number, got '${value}'`);
    return ok(parsed);
  };

export const hostPort: FieldReader<{ host: string; port: number } | undefined> = (value) => {
  if (value === undefined || value.trim() === '') return ok(undefined);
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port > 0 && port < 65536)) return refuse(`must be host:port, got '${value}'`);
  return ok({ host: match[1].replace(/^\[|\]$/g, ''), port });
};

/** A PEM file's contents, read at start (a missing file fails the configuration, not the first TLS handshake). */
export const caFile: FieldReader<string | undefined> = (value) => {
  if (value === undefined) return ok(undefined);
  try {
    return ok(readFileSync(value, 'utf8'));
  } catch (error) {
    return refuse(`cannot read the CA file '${value}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
};

/** One of a fixed set of words (the message is the one zod gave before these readers). */
export const oneOf =
  <const T extends string>(choices: readonly T[], fallback: T): FieldReader<T> =>
  (value) => {
    if (value === undefined) return ok(fallback);
    if ((choices as readonly string[]).includes(value)) return ok(value as T);
    return refuse(`Invalid option: expected one of ${choices.map((choice) => `"${choice}"`).join('|')}`);
  };

/** Any URL WHATWG can parse, trimmed, tabs and newlines dropped (zod's `z.url()`, which read it before). */
export const url: FieldReader<string | undefined> = (value) => {
  if (value === undefined) return ok(undefined);
  const trimmed = value.trim();
  return URL.canParse(trimmed) ? ok(trimmed.replace(/[\t\n\r]/g, '')) : refuse('Invalid URL');
};

const regions: FieldReader<string[]> = (value) => {
  const names = list(value).map((r) => r.toLowerCase());
  const unknown = names.filter((r) => !isSesRegion(r));
  if (unknown.length > 0) return refuse(`unknown AWS region ${unknown.map((r) => `'${r}'`).join(', ')}`);
  return ok(names.length > 0 ? names : ['us-east-1']);
};

const dnsServers: FieldReader<string[]> = (value) => {
  const servers = list(value);
  for (const server of servers) {
    try {
      parseDnsServer(server);
    } catch {
      // Never echoes the whole value; names the entry, which is not a secret.
      return refuse(`must list IP addresses (optionally with :port), got '${server}'`);
    }
  }
  return ok(servers);
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The engine's variables, in the order their problems are reported. */
export const ENGINE_FIELDS = {
  MAILDIAG_REGIONS: regions,
  MAILDIAG_SMTP_USERS: (value: string | undefined) => ok(list(value)),
  MAILDIAG_KEY_MAX_AGE_DAYS: positiveInt(90),
  MAILDIAG_CHECK_TIMEOUT_MS: positiveInt(15_000),
  MAILDIAG_DNS_SERVERS: dnsServers,
  MAILDIAG_DNS_TIMEOUT_MS: positiveInt(2_000),
  MAILDIAG_SMTP_ENDPOINT: hostPort,
  MAILDIAG_SMTP_CA: caFile,
  MAILDIAG_SMTP_TIMEOUT_MS: positiveInt(10_000),
  MAILDIAG_AWS: oneOf(['auto', 'on', 'off'], 'auto'),
  AWS_ENDPOINT_URL: url,
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
} satisfies Record<string, FieldReader<unknown>>;

type Fields = Record<string, FieldReader<unknown>>;
export type FieldValues<F extends Fields> = { [K in keyof F]: F[K] extends FieldReader<infer T> ? T : never };

/** Reads every field; problems come back as `VARIABLE message`, in field order. */
export function readFields<F extends Fields>(fields: F, env: Env): { values: FieldValues<F>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, read] of Object.entries(fields)) {
    const result = read(env[name]);
    if (result.ok) values[name] = result.value;
    else problems.push(`${name} ${result.message}`);
  }
  return { values: values as FieldValues<F>, problems };
}

/** Blank variables count as unset. */
export function blankToUndefined(env: Env): Env {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === undefined || v.trim() === '' ? undefined : v]));
}

export interface EngineConfig {
  engine: EngineSettings;
  dns: { servers: string[]; timeoutMs: number };
  aws: { mode: 'auto' | 'on' | 'off'; endpoint: string | undefined };
  /** Extra CA (PEM) to trust for the SMTP endpoint (private relays, loopback tests), and the probe timeout. */
  smtp: { ca: string | undefined; timeoutMs: number };
  logLevel: LogLevel;
}

export type EngineFieldValues = FieldValues<typeof ENGINE_FIELDS>;

export function toEngineConfig(parsed: EngineFieldValues): EngineConfig {
  return {
    engine: {
      regions: parsed.MAILDIAG_REGIONS,
      smtpUsers: parsed.MAILDIAG_SMTP_USERS,
      keyMaxAgeDays: parsed.MAILDIAG_KEY_MAX_AGE_DAYS,
      checkTimeoutMs: parsed.MAILDIAG_CHECK_TIMEOUT_MS,
      ...(parsed.MAILDIAG_SMTP_ENDPOINT ? { smtpEndpoint: parsed.MAILDIAG_SMTP_ENDPOINT } : {}),
    },
    dns: { servers: parsed.MAILDIAG_DNS_SERVERS, timeoutMs: parsed.MAILDIAG_DNS_TIMEOUT_MS },
    aws: { mode: parsed.MAILDIAG_AWS, endpoint: parsed.AWS_ENDPOINT_URL },
    smtp: { ca: parsed.MAILDIAG_SMTP_CA, timeoutMs: parsed.MAILDIAG_SMTP_TIMEOUT_MS },
    logLevel: parsed.LOG_LEVEL,
  };
}

/** Settings for the engine and the CLI (no Slack variables needed). */
export function loadEngineConfig(env: Env = process.env): EngineConfig {
  const { values, problems } = readFields(ENGINE_FIELDS, blankToUndefined(env));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return toEngineConfig(values);
}
