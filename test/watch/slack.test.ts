/**
 * The watch in the real Slack app: `/maildiag watch` answers privately, and Diagnose under a
 * group message runs the full diagnosis of its sender and recipient into that message's thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WATCH_DIAGNOSE_ACTION } from '../../src/watch/render.js';
import { WATCH_NOT_CONFIGURED } from '../../src/watch/slack-status.js';
import { canonicalScenario, RECIPIENT, SENDER, startAwsEndpoint, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import { buttonClickPayload, commandFields } from '../support/slack-requests.js';
import { CHANNEL, type Harness, startHarness, USER } from '../slack/harness.js';

const EVENTS = 'C0EVENTS';
const GROUP_TS = '1700000000.000042';

describe('the watch in Slack', () => {
  let h: Harness | undefined;
  let aws: TestAwsEndpoint | undefined;
  afterEach(async () => {
    await h?.close();
    await aws?.close();
    h = undefined;
    aws = undefined;
  });

  it('/maildiag watch answers privately: the status, or that the watch is off', async () => {
    h = await startHarness();
    await h.requests.command(commandFields({ text: 'watch', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('w1') }));
    const off = await h.slack.waitFor((c) => c.method === 'response_url' && c.responseId === 'w1', 'the private answer');
    expect(off.args).toMatchObject({ response_type: 'ephemeral', text: WATCH_NOT_CONFIGURED });

    h.handle.deps.watch = { channel: EVENTS, statusText: async () => '*maildiag watch*\n*Event intake:* healthy' };
    await h.requests.command(commandFields({ text: 'WATCH', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('w2') }));
    const on = await h.slack.waitFor((c) => c.method === 'response_url' && c.responseId === 'w2', 'the private status');
    expect(on.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(on.args.text)).toContain('Event intake');
    // Nothing went to the channel, and no diagnosis ran.
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
  });

  it('Diagnose runs the full diagnosis of the group\'s sender and recipient into the group message\'s thread', async () => {
    aws = await startAwsEndpoint(canonicalScenario());
    // The events channel is allowed for Diagnose even when the allow-list does not name it.
    h = await startHarness({ aws, env: { MAILDIAG_AWS: 'auto', MAILDIAG_ALLOWED_CHANNELS: CHANNEL } });
    h.handle.deps.watch = { channel: EVENTS, statusText: async () => '' };
    const finished = h.nextRun();
    const value = JSON.stringify({ s: SENDER, r: RECIPIENT, g: 'us-east-1', m: '0100018f3c2a1b2c-7d8e9f00-1111-2222-3333-444455556666-000000', id: 'group1' });
    const response = await h.requests.interactive(
      buttonClickPayload({ user: USER, channel: EVENTS, messageTs: GROUP_TS, actionId: WATCH_DIAGNOSE_ACTION, value, triggerId: 't1', responseUrl: h.slack.responseUrl('d1') }),
    );
    expect(response.status).toBe(200);
    const { report, place } = await finished;
    expect(place).toMatchObject({ channel: EVENTS, threadTs: GROUP_TS });
    expect(report.target).toMatchObject({ senderAddress: SENDER, recipients: [RECIPIENT], regions: ['us-east-1'] });
    expect(report.findings.some((f) => f.layer === 'suppression' && f.status === 'fail')).toBe(true);
    const inThread = h.slack.ok('chat.postMessage').filter((c) => c.args.thread_ts === GROUP_TS);
    expect(inThread.length).toBeGreaterThanOrEqual(2);
  });

  it('answers privately, running nothing, for a button value it cannot read or outside allowed channels', async () => {
    h = await startHarness({ env: { MAILDIAG_ALLOWED_CHANNELS: CHANNEL } });
    h.handle.deps.watch = { channel: EVENTS, statusText: async () => '' };
    await h.requests.interactive(buttonClickPayload({ user: USER, channel: EVENTS, messageTs: GROUP_TS, actionId: WATCH_DIAGNOSE_ACTION, value: '{"x":', triggerId: 't2', responseUrl: h.slack.responseUrl('d2') }));
    const unreadable = await h.slack.waitFor((c) => c.method === 'response_url' && c.responseId === 'd2', 'the private answer');
    expect(String(unreadable.args.text)).toContain('does not say what to diagnose');
    const value = JSON.stringify({ s: SENDER, r: RECIPIENT, id: 'g' });
    await h.requests.interactive(buttonClickPayload({ user: USER, channel: 'C0ELSEWHERE', messageTs: GROUP_TS, actionId: WATCH_DIAGNOSE_ACTION, value, triggerId: 't3', responseUrl: h.slack.responseUrl('d3') }));
    const refused = await h.slack.waitFor((c) => c.method === 'response_url' && c.responseId === 'd3', 'the refusal');
    expect(String(refused.args.text)).toContain('not enabled in this channel');
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
  });
});
