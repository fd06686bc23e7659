/**
 * Configuration, read and validated once from the environment. A missing or malformed
 * setting fails at start with a message naming the variable.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './core/errors.js';
import type { EngineSettings } from './core/ports.js';
import { parseDnsServer } from './core/dns-server.js';
import { isSesRegion } from './core/regions.js';
import { parseDatabaseUrl } from './store/postgres/url.js';
import type { StoreConfig } from './store/open.js';
import { toWatchConfig, type WatchConfig, watchEnvShape } from './watch/config.js';

type Env = Record<string, string | undefined>;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got '${value}'` });
        return z.NEVER;
      }
      return parsed;
    });

const hostPort = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return undefined;
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
    const port = Number(match?.[2]);
    if (!match?.[1] || !(port > 0 && port < 65536)) {
      ctx.addIssue({ code: 'custom', message: `must be host:port, got '${value}'` });
      return z.NEVER;
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });

/**
 * Diagnoses mostly wait on DNS, AWS and SMTP, but their CPU shares the one thread that acks
 * Slack. Two per core: in the burst bench on 2 CPUs, 8 runs let a 200-command burst push acks
 * past Slack's 3 s, 2 kept them under 1.5 s (README, "Benchmarks").
 */
export function defaultMaxConcurrentRuns(cpus: number = availableParallelism()): number {
  return Math.max(2, 2 * cpus);
}
export const DEFAULT_MAX_QUEUED_RUNS = 200;

const engineSchema = z.object({
  MAILDIAG_REGIONS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const regions = list(value).map((r) => r.toLowerCase());
      const unknown = regions.filter((r) => !isSesRegion(r));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown AWS region ${unknown.map((r) => `'${r}'`).join(', ')}` });
        return z.NEVER;
      }
      return regions.length > 0 ? regions : ['us-east-1'];
    }),
  MAILDIAG_SMTP_USERS: z.string().optional().transform(list),
  MAILDIAG_KEY_MAX_AGE_DAYS: positiveInt(90),
  MAILDIAG_CHECK_TIMEOUT_MS: positiveInt(15_000),
  MAILDIAG_DNS_SERVERS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const servers = list(value);
      for (const server of servers) {
        try {
          parseDnsServer(server);
        } catch {
          // Never echoes the whole value; names the entry, which is not a secret.
          ctx.addIssue({ code: 'custom', message: `must list IP addresses (optionally with :port), got '${server}'` });
          return z.NEVER;
        }
      }
      return servers;
    }),
  MAILDIAG_DNS_TIMEOUT_MS: positiveInt(2_000),
  MAILDIAG_SMTP_ENDPOINT: hostPort,
  MAILDIAG_SMTP_CA: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return readFileSync(value, 'utf8');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `cannot read the CA file '${value}' (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
        return z.NEVER;
      }
    }),
  MAILDIAG_SMTP_TIMEOUT_MS: positiveInt(10_000),
  MAILDIAG_AWS: z.enum(['auto', 'on', 'off']).optional().default('auto'),
  AWS_ENDPOINT_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
});

const appSchema = engineSchema.extend({
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token starting with xapp-').optional(),
  SLACK_API_URL: z.url().optional(),
  SLACK_BOT_USER_ID: z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user id such as U0123ABCD').optional(),
  SLACK_BOT_ID: z.string().regex(/^B[A-Z0-9]+$/, 'must be a Slack bot id such as B0123ABCD').optional(),
  PORT: positiveInt(3000),
  MAILDIAG_ALLOWED_CHANNELS: z.string().optional().transform(list),
  MAILDIAG_APPROVERS: z.string().optional().transform(list),
  MAILDIAG_SELF_APPROVE_SUPPRESSION: z.enum(['true', 'false']).optional().default('false').transform((v) => v === 'true'),
  MAILDIAG_APPROVAL_TTL_HOURS: positiveInt(24),
  MAILDIAG_OFFER_TTL_HOURS: positiveInt(168),
  MAILDIAG_DB: z.string().min(1).optional().default('./data/maildiag.db'),
  // Checked in loadAppConfig with the CA (never echoed: the URL may hold the password).
  MAILDIAG_DATABASE_URL: z.string().optional(),
  MAILDIAG_DATABASE_CA: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return readFileSync(value, 'utf8');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `cannot read the CA file '${value}' (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
        return z.NEVER;
      }
    }),
  MAILDIAG_DATABASE_POOL_SIZE: positiveInt(10),
  MAILDIAG_EXECUTION_LEASE_SECONDS: positiveInt(30),
  MAILDIAG_SECRET_ARN: z.string().regex(/^arn:aws[\w-]*:secretsmanager:/, 'must be a Secrets Manager ARN').optional(),
  MAILDIAG_REMEDIATION_ROLE_ARN: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\//, 'must be an IAM role ARN').optional(),
  MAILDIAG_MAX_CONCURRENT_RUNS: positiveInt(defaultMaxConcurrentRuns()),
  MAILDIAG_MAX_QUEUED_RUNS: positiveInt(DEFAULT_MAX_QUEUED_RUNS),
  MAILDIAG_METRICS_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').transform(Number).refine((port) => port < 65536, 'must be a port number below 65536').optional(),
  ...watchEnvShape,
});

export interface EngineConfig {
  engine: EngineSettings;
  dns: { servers: string[]; timeoutMs: number };
  aws: { mode: 'auto' | 'on' | 'off'; endpoint: string | undefined };
  /** Extra CA (PEM) to trust for the SMTP endpoint (private relays, loopback tests), and the probe timeout. */
  smtp: { ca: string | undefined; timeoutMs: number };
  logLevel: z.infer<typeof engineSchema>['LOG_LEVEL'];
}

export interface AppConfig extends EngineConfig {
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string | undefined;
    botUserId: string | undefined;
    botId: string | undefined;
    port: number;
    mode: 'socket' | 'http';
  };
  allowedChannels: string[];
  approval: { approvers: string[]; selfApproveSuppression: boolean; ttlHours: number; offerTtlHours: number };
  store: StoreConfig;
  secretArn: string | undefined;
  remediationRoleArn: string | undefined;
  /** The run queue (src/slack/run-queue.ts). */
  runs: { maxConcurrent: number; maxQueued: number };
  /** A separate listener for GET /metrics (Socket Mode, or to keep metrics off the public port); 0 = any free port. */
  metrics: { port: number | undefined };
  /** SES events from SQS and the scheduled audit (src/watch). */
  watch: WatchConfig;
}

/** Turns zod issues into one message that names each offending variable. */
function fail(error: z.ZodError): never {
  const lines = error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'configuration');
    const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `${variable} ${message}`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
}

function blankToUndefined(env: Env): Env {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === undefined || v.trim() === '' ? undefined : v]));
}

function toEngineConfig(parsed: z.infer<typeof engineSchema>): EngineConfig {
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
  const result = engineSchema.safeParse(blankToUndefined(env));
  if (!result.success) fail(result.error);
  return toEngineConfig(result.data);
}

/** Settings for the Slack app. */
export function loadAppConfig(env: Env = process.env): AppConfig {
  const result = appSchema.safeParse(blankToUndefined(env));
  if (!result.success) fail(result.error);
  const parsed = result.data;
  if (!parsed.SLACK_APP_TOKEN && !parsed.SLACK_SIGNING_SECRET) {
    throw new ConfigError(
      'Invalid configuration: SLACK_SIGNING_SECRET is required for the HTTP receiver (or set SLACK_APP_TOKEN to use Socket Mode)',
    );
  }
  if (parsed.MAILDIAG_DATABASE_CA && !parsed.MAILDIAG_DATABASE_URL) {
    throw new ConfigError('Invalid configuration: MAILDIAG_DATABASE_CA is set but MAILDIAG_DATABASE_URL is not (the CA is only used for PostgreSQL)');
  }
  const watch = toWatchConfig(parsed, parsed.MAILDIAG_REGIONS);
  if (typeof watch === 'string') throw new ConfigError(`Invalid configuration: ${watch}`);
  return {
    ...toEngineConfig(parsed),
    slack: {
      botToken: parsed.SLACK_BOT_TOKEN,
      signingSecret: parsed.SLACK_SIGNING_SECRET,
      appToken: parsed.SLACK_APP_TOKEN,
      apiUrl: parsed.SLACK_API_URL,
      botUserId: parsed.SLACK_BOT_USER_ID,
      botId: parsed.SLACK_BOT_ID,
      port: parsed.PORT,
      mode: parsed.SLACK_APP_TOKEN ? 'socket' : 'http',
    },
    allowedChannels: parsed.MAILDIAG_ALLOWED_CHANNELS,
    approval: {
      approvers: parsed.MAILDIAG_APPROVERS,
      selfApproveSuppression: parsed.MAILDIAG_SELF_APPROVE_SUPPRESSION,
      ttlHours: parsed.MAILDIAG_APPROVAL_TTL_HOURS,
      offerTtlHours: parsed.MAILDIAG_OFFER_TTL_HOURS,
    },
    store: {
      path: parsed.MAILDIAG_DB,
      postgres: parsed.MAILDIAG_DATABASE_URL ? parseDatabaseUrl(parsed.MAILDIAG_DATABASE_URL, parsed.MAILDIAG_DATABASE_CA ? { ca: parsed.MAILDIAG_DATABASE_CA } : {}) : undefined,
      leaseMs: parsed.MAILDIAG_EXECUTION_LEASE_SECONDS * 1000,
      poolSize: parsed.MAILDIAG_DATABASE_POOL_SIZE,
    },
    secretArn: parsed.MAILDIAG_SECRET_ARN,
    remediationRoleArn: parsed.MAILDIAG_REMEDIATION_ROLE_ARN,
    runs: { maxConcurrent: parsed.MAILDIAG_MAX_CONCURRENT_RUNS, maxQueued: parsed.MAILDIAG_MAX_QUEUED_RUNS },
    metrics: { port: parsed.MAILDIAG_METRICS_PORT },
    watch,
  };
}

/** Every secret-bearing value in a config, for redaction checks and log scrubbing. */
export function secretValues(config: AppConfig): string[] {
  return [config.slack.botToken, config.slack.signingSecret, config.slack.appToken, config.store.postgres?.password].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
}
