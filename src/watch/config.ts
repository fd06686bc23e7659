/**
 * The watch's settings (SES events from SQS, the scheduled audit), validated with the rest of
 * the app's configuration in src/config.ts. Everything is off unless its variable is set.
 */
import { z } from 'zod';

/** `90s`, `15m`, `24h`, `7d` (or bare seconds) → milliseconds. Undefined for anything else. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d{1,9})\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1_000;
  return amount * factor;
}

const duration = (fallback: number | undefined, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '' || /^off$/i.test(value.trim())) return fallback;
      const ms = parseDuration(value);
      if (ms === undefined || ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 15m or 24h between ${min / 1000} s and ${max / 86_400_000} days, got '${value}'` });
        return z.NEVER;
      }
      return ms;
    });

const wholeNumber = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got '${value}'` });
        return z.NEVER;
      }
      return parsed;
    });

/** Fields merged into the app's schema (src/config.ts). */
export const watchEnvShape = {
  MAILDIAG_EVENTS_QUEUE_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || /^https?:\/\/[^\s/]+\/\d{1,20}\/[\w.-]{1,80}$/.test(value), 'must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/111122223333/ses-events'),
  MAILDIAG_EVENTS_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123ABCD').optional(),
  MAILDIAG_EVENTS_WINDOW: duration(15 * 60_000, 60_000, 86_400_000),
  MAILDIAG_EVENTS_MIN_BOUNCES: wholeNumber(5, 1, 1_000_000),
  MAILDIAG_EVENTS_WAIT_SECONDS: wholeNumber(20, 0, 20),
  MAILDIAG_AUDIT_EVERY: duration(undefined, 60_000, 30 * 86_400_000),
};

export interface WatchConfig {
  /** SQS queue of SES notifications; intake is off without it. */
  queueUrl: string | undefined;
  /** Region of the queue, from its URL (sqs.<region>.amazonaws.com), else the first MAILDIAG_REGIONS. */
  queueRegion: string;
  channel: string | undefined;
  windowMs: number;
  minBounces: number;
  /** ReceiveMessage long-poll wait (20 s in production; 0 in tests). */
  waitSeconds: number;
  /** Undefined: the scheduled audit is off. */
  auditEveryMs: number | undefined;
}

export interface WatchEnv {
  MAILDIAG_EVENTS_QUEUE_URL?: string | undefined;
  MAILDIAG_EVENTS_CHANNEL?: string | undefined;
  MAILDIAG_EVENTS_WINDOW: number | undefined;
  MAILDIAG_EVENTS_MIN_BOUNCES: number;
  MAILDIAG_EVENTS_WAIT_SECONDS: number;
  MAILDIAG_AUDIT_EVERY: number | undefined;
}

export function queueRegionOf(queueUrl: string | undefined, fallback: string): string {
  const match = /^https?:\/\/sqs[.-]([a-z0-9-]+)\.amazonaws\.com/i.exec(queueUrl ?? '');
  return match?.[1]?.toLowerCase() ?? fallback;
}

/** Turns the parsed variables into WatchConfig; the message names the variable when a channel is missing. */
export function toWatchConfig(parsed: WatchEnv, regions: readonly string[]): WatchConfig | string {
  const queueUrl = parsed.MAILDIAG_EVENTS_QUEUE_URL;
  const needsChannel = queueUrl !== undefined || parsed.MAILDIAG_AUDIT_EVERY !== undefined;
  if (needsChannel && !parsed.MAILDIAG_EVENTS_CHANNEL) {
    return 'MAILDIAG_EVENTS_CHANNEL is required when MAILDIAG_EVENTS_QUEUE_URL or MAILDIAG_AUDIT_EVERY is set';
  }
  return {
    queueUrl,
    queueRegion: queueRegionOf(queueUrl, regions[0] ?? 'us-east-1'),
    channel: parsed.MAILDIAG_EVENTS_CHANNEL,
    windowMs: parsed.MAILDIAG_EVENTS_WINDOW ?? 15 * 60_000,
    minBounces: parsed.MAILDIAG_EVENTS_MIN_BOUNCES,
    waitSeconds: parsed.MAILDIAG_EVENTS_WAIT_SECONDS,
    auditEveryMs: parsed.MAILDIAG_AUDIT_EVERY,
  };
}
