/**
 * Issue 12 against the real Bolt app and HTTP receiver on loopback: signed but hostile
 * requests (null bodies, typed-wrong fields, future timestamps, replays, huge commands,
 * wide commands and threads) each have a defined outcome and never end the process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/remediation/store.js';
import { createStoreRateLimits } from '../../src/slack/rate-limit.js';
import { TARGET_CAPS } from '../../src/core/limits.js';
import { startAwsEndpoint, canonicalScenario, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import { appMentionEnvelope, buttonClickPayload, commandFields, signSlackRequest } from '../support/slack-requests.js';
import { BOT_USER_ID, CHANNEL, type Harness, SECRETS, startHarness, USER } from '../slack/harness.js';
import { REQUEST_FIX_ACTION } from '../../src/slack/ids.js';
import { CREDENTIAL_TEST_LIMITS } from '../../src/slack/listeners/test-credential.js';
import { TEST_CREDENTIAL_VIEW } from '../../src/slack/render/approval.js';

let h: Harness | undefined;
let aws: TestAwsEndpoint | undefined;
afterEach(async () => {
  await h?.close();
  await aws?.close();
  h = undefined;
  aws = undefined;
});

const command = (harness: Harness, text: string, id = 'cmd') =>
  harness.requests.command(commandFields({ text, channel: CHANNEL, user: USER, responseUrl: harness.slack.responseUrl(id) }));

async function healthy(harness: Harness): Promise<number> {
  return (await fetch(`${harness.baseUrl}/healthz`)).status;
}

describe('bodies that are not objects (defect 4)', () => {
  it.each([
    ['payload=null', 'application/x-www-form-urlencoded'],
    ['payload=42', 'application/x-www-form-urlencoded'],
    ['payload=%5B%5D', 'application/x-www-form-urlencoded'],
    ['null', 'application/json'],
    ['"text"', 'application/json'],
  ])('a signed %s (%s) is answered 400 and the app keeps serving', async (body, type) => {
    h = await startHarness();
    const response = await h.requests.send(body, type);
    expect(response.status).toBe(400);
    const line = await h.logs.waitFor((l) => l.msg === 'refused: malformed request body', 'the refusal');
    expect(String(line.reason)).toMatch(/not an object/);
    expect(await healthy(h)).toBe(200);
    // Still diagnosing after it.
    const finished = h.nextRun();
    expect((await command(h, 'customer.example')).status).toBe(200);
    await finished;
  });
});

describe('spellings of the events path go through the guard', () => {
  it.each(['/slack/./events', '/slack/x/../events', '/slack/events?x=1'])('a signed payload=null to %s is answered 400, as on /slack/events', async (path) => {
    h = await startHarness();
    const body = 'payload=null';
    const timestamp = Math.floor(Date.now() / 1000);
    const { port } = new URL(h.baseUrl);
    // node:http sends the path as written (fetch would normalise it first).
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: Number(port),
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': signSlackRequest(SECRETS.signingSecret, timestamp, body),
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    expect(status).toBe(400);
    await h.logs.waitFor((l) => l.msg === 'refused: malformed request body', 'the refusal');
    expect(await healthy(h)).toBe(200);
  });
});

describe('timestamps (smaller)', () => {
  it('refuses a correctly signed request stamped more than five minutes ahead', async () => {
    h = await startHarness();
    const ahead = Math.floor(Date.now() / 1000) + 10 * 60;
    const response = await h.requests.command(commandFields({ text: 'customer.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('x') }), { timestamp: ahead });
    expect(response.status).toBe(401);
    expect(h.logs.lines.some((l) => l.msg === 'slash command accepted')).toBe(false);
    // The signature was right: only the timestamp made it fail.
    expect(signSlackRequest(SECRETS.signingSecret, ahead, 'x')).toMatch(/^v0=/);
  });
});

describe('replayed slash command (smaller)', () => {
  it('an identical signed command sent twice runs once', async () => {
    h = await startHarness();
    const fields = commandFields({ text: 'customer.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('replay') });
    const timestamp = Math.floor(Date.now() / 1000);
    const finished = h.nextRun();
    expect((await h.requests.command(fields, { timestamp })).status).toBe(200);
    expect((await h.requests.command(fields, { timestamp })).status).toBe(200);
    await h.logs.waitFor((l) => l.msg === 'replayed command ignored', 'the replay refusal');
    await finished;
    expect(h.logs.lines.filter((l) => l.msg === 'slash command accepted')).toHaveLength(1);
  });

  it('two real invocations (different trigger ids) both run', async () => {
    h = await startHarness();
    const first = h.nextRun();
    await h.requests.command({ ...commandFields({ text: 'customer.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('a') }), trigger_id: 'T1' });
    await first;
    const second = h.nextRun();
    await h.requests.command({ ...commandFields({ text: 'customer.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('a') }), trigger_id: 'T2' });
    await second;
    expect(h.logs.lines.filter((l) => l.msg === 'slash command accepted')).toHaveLength(2);
  });
});

describe('payload types are validated at the edge (smaller)', () => {
  it('a button value sent as an object is refused before any listener or store', async () => {
    h = await startHarness();
    const payload = buttonClickPayload({
      user: USER,
      channel: CHANNEL,
      messageTs: '1700000000.000100',
      actionId: REQUEST_FIX_ACTION,
      value: 'x',
      triggerId: 'trig',
      responseUrl: h.slack.responseUrl('btn'),
    });
    (payload.actions as Array<Record<string, unknown>>)[0]!.value = { $ne: null };
    const response = await h.requests.interactive(payload);
    expect(response.status).toBe(200);
    const line = await h.logs.waitFor((l) => l.msg === 'refused: malformed Slack payload', 'the refusal');
    expect(line.issues).toEqual(['actions.0.value: invalid_type']);
    expect(h.logs.lines.some((l) => l.msg === 'fix requested')).toBe(false);
    expect(JSON.stringify(h.logs.lines)).not.toContain('$ne');
  });

  it('a command whose text field is sent twice (an array) is refused, not thrown', async () => {
    h = await startHarness();
    const body = `${new URLSearchParams(commandFields({ text: 'a.example', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('t') })).toString()}&text=b.example`;
    const response = await h.requests.send(body, 'application/x-www-form-urlencoded');
    expect(response.status).toBe(200);
    await h.logs.waitFor((l) => l.msg === 'refused: malformed Slack payload', 'the refusal');
    expect(h.logs.lines.some((l) => l.msg === 'unhandled error in a listener')).toBe(false);
  });

  it('an app_mention without text is diagnosed from its thread instead of throwing', async () => {
    h = await startHarness();
    h.slack.setThread(CHANNEL, '1699999000.000100', [{ ts: '1699999000.000100', user: 'U0CUSTOMER', text: 'mail from admin@customer.example does not arrive' }]);
    const envelope = appMentionEnvelope({ eventId: 'Ev0NOTEXT', channel: CHANNEL, user: USER, text: 'x', ts: '1699999000.000200', threadTs: '1699999000.000100' });
    delete (envelope.event as Record<string, unknown>).text;
    const finished = h.nextRun();
    expect((await h.requests.event(envelope)).status).toBe(200);
    const { report } = await finished;
    expect(report.target.senderDomain).toBe('customer.example');
    expect(h.logs.lines.some((l) => l.msg === 'unhandled error in a listener')).toBe(false);
  });
});

describe('long and wide commands (defects 2 and 3)', () => {
  it('a 669 KB command is answered privately before any parsing, and /healthz keeps answering', async () => {
    h = await startHarness();
    const text = `customer.example ${Array.from({ length: 40_000 }, (_, i) => `to=u${i}@r.example`).join(' ')}`.slice(0, 669 * 1024);
    expect(text.length).toBeGreaterThan(600_000);
    const response = await command(h, text);
    expect(response.status).toBe(200);
    expect(response.json?.response_type).toBe('ephemeral');
    expect(String(response.json?.text)).toContain('at most 8000 are read');
    expect(await healthy(h)).toBe(200);
    expect(h.logs.lines.some((l) => l.msg === 'slash command accepted')).toBe(false);
  });

  it('a command with more recipients than the cap checks the first ones and says how many were left out', async () => {
    h = await startHarness();
    const count = TARGET_CAPS.recipients + 12;
    const recipients = Array.from({ length: count }, (_, i) => `user@r${i}.example`);
    const finished = h.nextRun();
    await command(h, `customer.example ${recipients.map((r) => `to=${r}`).join(' ')}`);
    const { report } = await finished;
    expect(report.target.recipients).toEqual(recipients.slice(0, TARGET_CAPS.recipients));
    expect(report.target.notes[0]).toBe(`12 more recipients not checked (at most ${TARGET_CAPS.recipients} per run)`);
    const asked = new Set(h.dns.queries.filter((q) => /^r\d+\.example$/.test(q.name)).map((q) => q.name));
    expect(asked.size).toBe(TARGET_CAPS.recipients);
    // The note is in the Slack summary.
    const summary = h.slack.ok('chat.update').at(-1);
    expect(JSON.stringify(summary?.args.blocks)).toContain('12 more recipients not checked');
  });

  it('a thread with 1,000 access key ids makes AWS calls for the capped number only', async () => {
    aws = await startAwsEndpoint(canonicalScenario());
    h = await startHarness({ aws });
    const keys = Array.from({ length: 1_000 }, (_, i) => `AKIA${String(i).padStart(16, '0')}`);
    h.slack.setThread(CHANNEL, '1699999100.000100', [
      { ts: '1699999100.000100', user: 'U0CUSTOMER', text: `we send as admin@customer.example with these keys: ${keys.join(' ')}` },
    ]);
    const finished = h.nextRun();
    await h.requests.event(appMentionEnvelope({ eventId: 'Ev0KEYS', channel: CHANNEL, user: USER, text: `<@${BOT_USER_ID}>`, ts: '1699999100.000200', threadTs: '1699999100.000100' }));
    const { report } = await finished;
    expect(report.target.smtpUsers).toHaveLength(TARGET_CAPS.smtpUsers);
    expect(report.target.notes).toContain(`${1_000 - TARGET_CAPS.smtpUsers} more SMTP usernames not checked (at most ${TARGET_CAPS.smtpUsers} per run)`);
    const asked = new Set(aws.callsOf('GetAccessKeyLastUsed').map((c) => String(c.params.AccessKeyId)));
    expect(asked.size).toBeLessThanOrEqual(TARGET_CAPS.smtpUsers);
    expect(aws.calls.length).toBeLessThan(100);
  });
});

describe('"Test a credential" (defect 9)', () => {
  const submission = (channel: string, username = 'AKIAIOSFODNN7EXAMPLE', user = USER) => ({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: user, username: 'agent', team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    trigger_id: 'trigger-submit',
    view: {
      id: 'V0MODAL',
      type: 'modal',
      callback_id: TEST_CREDENTIAL_VIEW,
      private_metadata: JSON.stringify({ channel, threadTs: '1699999000.000100' }),
      state: {
        values: {
          smtp_username: { value: { type: 'plain_text_input', value: username } },
          smtp_password: { value: { type: 'plain_text_input', value: 'not-a-real-password-loopback' } },
          smtp_region: { value: { type: 'plain_text_input', value: 'us-east-1' } },
        },
      },
    },
  });

  it('re-checks the channel allow-list at submission (private_metadata is not trusted)', async () => {
    h = await startHarness({ env: { MAILDIAG_ALLOWED_CHANNELS: CHANNEL } });
    const response = await h.requests.interactive(submission('C0ELSEWHERE'));
    expect(response.json).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(response.json)).toContain('not allowed for this channel');
    expect(h.logs.lines.some((l) => l.msg === 'credential test refused' && l.reason === 'channel not allowed')).toBe(true);
  });

  it(`limits tests per user (${CREDENTIAL_TEST_LIMITS.perUser.limit} a minute) with a private "try again in N s"`, async () => {
    h = await startHarness();
    for (let i = 0; i < CREDENTIAL_TEST_LIMITS.perUser.limit; i += 1) {
      expect((await h.requests.interactive(submission(CHANNEL, `AKIAIOSFODNN7EXAMPL${i}`))).body).toBe('');
    }
    const refused = await h.requests.interactive(submission(CHANNEL, 'AKIAIOSFODNN7EXAMPLX'));
    expect(refused.json).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(refused.json)).toMatch(/Too many credential tests \(per-user\); try again in \d+ s\./);
  });

  it('two replicas on one shared store share the limits (the counts live in the store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maildiag-limits-'));
    const path = join(dir, 'maildiag.db');
    const stores = [await openSqliteStore({ path }), await openSqliteStore({ path })];
    let other: Harness | undefined;
    try {
      h = await startHarness({ deps: { rateLimits: createStoreRateLimits(stores[0]!) } });
      other = await startHarness({ deps: { rateLimits: createStoreRateLimits(stores[1]!) } });
      const replicas = [h, other];
      // Alternating replicas, as a load balancer would: the limit is for both together.
      for (let i = 0; i < CREDENTIAL_TEST_LIMITS.perUser.limit; i += 1) {
        expect((await replicas[i % 2]!.requests.interactive(submission(CHANNEL, `AKIAIOSFODNN7EXAMPL${i}`))).body).toBe('');
      }
      for (const replica of replicas) {
        const refused = await replica.requests.interactive(submission(CHANNEL, 'AKIAIOSFODNN7EXAMPLX'));
        expect(JSON.stringify(refused.json)).toMatch(/Too many credential tests \(per-user\); try again in \d+ s\./);
      }
    } finally {
      await other?.close();
      for (const store of stores) await store.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`limits tests per SMTP username (${CREDENTIAL_TEST_LIMITS.perUsername.limit} per five minutes) across users`, async () => {
    h = await startHarness();
    for (let i = 0; i < CREDENTIAL_TEST_LIMITS.perUsername.limit; i += 1) {
      expect((await h.requests.interactive(submission(CHANNEL, 'AKIAIOSFODNN7EXAMPLE', `U0USER${i}`))).body).toBe('');
    }
    const refused = await h.requests.interactive(submission(CHANNEL, 'AKIAIOSFODNN7EXAMPLE', 'U0ANOTHER'));
    expect(JSON.stringify(refused.json)).toMatch(/per-username\); try again in \d+ s/);
  });
});
