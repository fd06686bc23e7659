import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/config.js';
import { parseDuration } from '../../src/watch/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' };

describe('watch configuration', () => {
  it('is off by default, with a 15 min window', () => {
    const { watch } = loadAppConfig(base);
    expect(watch).toMatchObject({ queueUrl: undefined, channel: undefined, windowMs: 900_000, minBounces: 5, waitSeconds: 20, auditEveryMs: undefined });
  });

  it('reads every variable and the queue region from the URL', () => {
    const { watch } = loadAppConfig({
      ...base,
      MAILDIAG_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/ses-events',
      MAILDIAG_EVENTS_CHANNEL: 'C0EVENTS',
      MAILDIAG_EVENTS_WINDOW: '30m',
      MAILDIAG_EVENTS_MIN_BOUNCES: '10',
      MAILDIAG_EVENTS_WAIT_SECONDS: '0',
      MAILDIAG_AUDIT_EVERY: '24h',
    });
    expect(watch).toEqual({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/ses-events',
      queueRegion: 'eu-west-1',
      channel: 'C0EVENTS',
      windowMs: 1_800_000,
      minBounces: 10,
      waitSeconds: 0,
      auditEveryMs: 86_400_000,
    });
  });

  it('names the variable of a bad value, never accepting it', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ MAILDIAG_EVENTS_QUEUE_URL: 'not a url' }, /MAILDIAG_EVENTS_QUEUE_URL must be an SQS queue URL/],
      [{ MAILDIAG_EVENTS_WINDOW: '15 minutes' }, /MAILDIAG_EVENTS_WINDOW must be a duration/],
      [{ MAILDIAG_EVENTS_WINDOW: '10s' }, /MAILDIAG_EVENTS_WINDOW must be a duration/],
      [{ MAILDIAG_EVENTS_MIN_BOUNCES: '0' }, /MAILDIAG_EVENTS_MIN_BOUNCES must be a whole number/],
      [{ MAILDIAG_EVENTS_WAIT_SECONDS: '25' }, /MAILDIAG_EVENTS_WAIT_SECONDS must be a whole number from 0 to 20/],
      [{ MAILDIAG_EVENTS_CHANNEL: '#events' }, /MAILDIAG_EVENTS_CHANNEL must be a Slack channel id/],
      [{ MAILDIAG_AUDIT_EVERY: 'daily' }, /MAILDIAG_AUDIT_EVERY must be a duration/],
      [{ MAILDIAG_EVENTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/q' }, /MAILDIAG_EVENTS_CHANNEL is required/],
      [{ MAILDIAG_AUDIT_EVERY: '24h' }, /MAILDIAG_EVENTS_CHANNEL is required/],
    ];
    for (const [env, message] of bad) expect(() => loadAppConfig({ ...base, ...env }), JSON.stringify(env)).toThrow(message);
  });

  it('parses durations', () => {
    expect([parseDuration('90s'), parseDuration('15m'), parseDuration('24h'), parseDuration('7d'), parseDuration('45'), parseDuration('1.5h')]).toEqual([90_000, 900_000, 86_400_000, 604_800_000, 45_000, undefined]);
  });
});
