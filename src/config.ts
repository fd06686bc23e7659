/**
 * Configuration, read and validated once from the environment. A missing or malformed
 * setting fails at start with a message naming the variable.
 *
 * The engine's variables (all the CLI reads) are src/engine-config.ts's plain readers, so the
 * CLI never loads zod; the app's own variables are the zod schema below.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './core/errors.js';
import {
  blankToUndefined,
  caFile,
  ENGINE_FIELDS,
  type EngineConfig,
  type Env,
  type FieldReader,
  list,
  positiveInt as readPositiveInt,
  readFields,
  toEngineConfig,
} from './engine-config.js';
import { parseDatabaseUrl } from './store/postgres/url.js';
import type { StoreConfig } from './store/open.js';
import { toWatchConfig, type WatchConfig, watchEnvShape } from './watch/config.js';

export { type EngineConfig, loadEngineConfig } from './engine-config.js';

/** A field reader (src/engine-config.ts) as a zod field of the app's schema: same value, same message. */
function zodField<T>(read: FieldReader<T>) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const result = read(value);
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    });
}
const positiveInt = (fallback: number) => zodField(readPositiveInt(fallback));

/**
 * Diagnoses mostly wait on DNS, AWS and SMTP, but their CPU shares the one thread that acks
 * Slack. Two per core: in the burst bench on 2 CPUs, 8 runs let a 200-command burst push acks
 * past Slack's 3 s, 2 kept them under 1.5 s (README, "Benchmarks").
 */
export function defaultMaxConcurrentRuns(cpus: number = availableParallelism()): number {
  return Math.max(2, 2 * cpus);
}
export const DEFAULT_MAX_QUEUED_RUNS = 200;

/** The app's own variables; the engine's are read by ENGINE_FIELDS (src/engine-config.ts), reported first. */
const appSchema = z.object({
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
  MAILDIAG_DATABASE_CA: zodField(caFile),
  MAILDIAG_DATABASE_POOL_SIZE: positiveInt(10),
  MAILDIAG_EXECUTION_LEASE_SECONDS: positiveInt(30),
  MAILDIAG_SECRET_ARN: z.string().regex(/^arn:aws[\w-]*:secretsmanager:/, 'must be a Secrets Manager ARN').optional(),
  MAILDIAG_REMEDIATION_ROLE_ARN: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\//, 'must be an IAM role ARN').optional(),
  MAILDIAG_MAX_CONCURRENT_RUNS: positiveInt(defaultMaxConcurrentRuns()),
  MAILDIAG_MAX_QUEUED_RUNS: positiveInt(DEFAULT_MAX_QUEUED_RUNS),
  MAILDIAG_METRICS_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').transform(Number).refine((port) => port < 65536, 'must be a port number below 65536').optional(),
  ...watchEnvShape,
});

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

/** Zod's issues as `VARIABLE message`, the engine readers' form. */
function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'configuration');
    const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `${variable} ${message}`;
  });
}

/** Settings for the Slack app. */
export function loadAppConfig(env: Env = process.env): AppConfig {
  const clean = blankToUndefined(env);
  const engine = readFields(ENGINE_FIELDS, clean);
  const result = appSchema.safeParse(clean);
  const problems = [...engine.problems, ...(result.success ? [] : zodProblems(result.error))];
  if (problems.length > 0 || !result.success) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  const parsed = { ...engine.values, ...result.data };
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
    ...toEngineConfig(engine.values),
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
