/**
 * Ticket threads through the real HTTP receiver: app_mention events (with Slack's retries),
 * the "Diagnose this thread" message shortcut, the "Request fix" button, and escaping of
 * hostile text that arrives through DNS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Check, LayerModule } from '../../src/core/engine.js';
import { makeFinding } from '../../src/core/finding.js';
import { joinTxt } from '../../src/io/dns.js';
import { DIAGNOSE_THREAD_SHORTCUT, REQUEST_FIX_ACTION, SUMMARY_BLOCK_FINAL } from '../../src/slack/ids.js';
import { APPROVAL_NOT_CONFIGURED } from '../../src/slack/listeners/request-fix.js';
import type { Block } from '../../src/slack/render/blocks.js';
import type { ThreadExtractor } from '../../src/slack/thread-extraction.js';
import { canonicalZones, RECIPIENT_ADDRESS, SENDER_ADDRESS, SENDER_DOMAIN } from '../support/scenarios/canonical-dns.js';
import type { RecordedCall } from '../support/slack-api.js';
import { appMentionEnvelope, buttonClickPayload } from '../support/slack-requests.js';
import { BOT_ID, BOT_USER_ID, CHANNEL, type Harness, startHarness, USER } from './harness.js';
import { blocksText, expectWithinLimits } from './limits.js';

const THREAD_TS = '1699999000.000100';
const blocksOf = (call: RecordedCall): Block[] => call.args.blocks as Block[];

/** A ticket thread: the customer's words, a pasted Gmail relay error and an Exchange Online NDR. */
function ticketThread(): Array<{ ts: string; text: string; user?: string; bot_id?: string }> {
  return [
    { ts: THREAD_TS, user: 'U0CUSTOMER', text: `Three emails we sent as ${SENDER_ADDRESS} to ${RECIPIENT_ADDRESS} never arrived.` },
    {
      ts: '1699999000.000200',
      user: 'U0CUSTOMER',
      text: 'Gmail says: Authentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"',
    },
    {
      ts: '1699999000.000300',
      user: 'U0CUSTOMER',
      text: `And the bounce:\n\`\`\`Delivery has failed to these recipients or groups:\n${RECIPIENT_ADDRESS}\nRemote Server returned '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)'\`\`\``,
    },
    // An earlier report by the bot itself: never read back as ticket text.
    { ts: '1699999000.000400', user: BOT_USER_ID, bot_id: BOT_ID, text: 'maildiag report for ops@bot-echo.example' },
  ];
}

describe('thread mentions, shortcut and buttons', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('reads the thread on a mention, extracts the pasted NDR and posts the report into that thread', async () => {
    h = await startHarness();
    h.slack.setThread(CHANNEL, THREAD_TS, ticketThread());
    const finished = h.nextRun();
    const ack = await h.requests.event(
      appMentionEnvelope({ eventId: 'Ev0MENTION1', channel: CHANNEL, user: USER, text: `<@${BOT_USER_ID}> diagnose`, ts: '1699999000.000500', threadTs: THREAD_TS }),
    );
    expect(ack.status).toBe(200);
    const { report, place } = await finished;

    const replies = h.slack.ok('conversations.replies');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args).toMatchObject({ channel: CHANNEL, ts: THREAD_TS });
    expect(report.target.senderDomain).toBe(SENDER_DOMAIN);
    expect(report.target.recipients).toContain(RECIPIENT_ADDRESS);
    expect(report.target.recipients).not.toContain('ops@bot-echo.example');
    const recipientReply = report.target.replies.find((r) => r.status === '5.4.1');
    expect(recipientReply).toBeDefined();

    // Everything goes into the ticket thread, the summary included.
    expect(place).toMatchObject({ channel: CHANNEL, threadTs: THREAD_TS });
    const posts = h.slack.ok('chat.postMessage');
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((p) => p.args.thread_ts === THREAD_TS)).toBe(true);
    const final = h.slack.ok('chat.update').at(-1)!;
    expect(blocksOf(final)[0]?.block_id).toBe(SUMMARY_BLOCK_FINAL);
    const path = blocksText(blocksOf(final)).split('\n').find((l) => l.startsWith('*Path:*'));
    expect(path).toContain('✗ 5.4.1');
    for (const call of [...posts, final]) expectWithinLimits(blocksOf(call));
  });

  it('runs once when Slack retries the same event (dedupe on event_id)', async () => {
    h = await startHarness();
    h.slack.setThread(CHANNEL, THREAD_TS, ticketThread());
    const finished = h.nextRun();
    const envelope = appMentionEnvelope({ eventId: 'Ev0RETRIED', channel: CHANNEL, user: USER, text: `<@${BOT_USER_ID}>`, ts: '1699999000.000600', threadTs: THREAD_TS });
    const [first, retry] = await Promise.all([
      h.requests.event(envelope),
      h.requests.event(envelope, { retryNum: 1, retryReason: 'http_timeout' }),
    ]);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    const duplicate = await h.logs.waitFor((l) => l.msg === 'duplicate event ignored', 'the duplicate');
    expect(duplicate.eventId).toBe('Ev0RETRIED');
    await finished;
    // A later retry, after the run, is ignored too.
    await h.requests.event(envelope, { retryNum: 2, retryReason: 'http_timeout' });
    await h.logs.waitFor((l) => l.msg === 'duplicate event ignored' && l.retryNum === 2, 'the second duplicate');
    expect(h.slack.ok('conversations.replies')).toHaveLength(1);
    expect(h.slack.ok('chat.postMessage').filter((p) => blocksOf(p)[0]?.block_id?.startsWith('maildiag.summary'))).toHaveLength(1);
  });

  it('never reads its own messages or its mention back as ticket text', async () => {
    const seen: string[][] = [];
    const spy: ThreadExtractor = (messages) => {
      seen.push(messages);
      return { replies: [], notes: [] };
    };
    h = await startHarness({ deps: { extractThread: spy } });
    h.slack.setThread(CHANNEL, THREAD_TS, [...ticketThread(), { ts: '1699999000.000700', user: USER, text: `<@${BOT_USER_ID}> diagnose` }]);
    await h.requests.event(appMentionEnvelope({ eventId: 'Ev0SPY', channel: CHANNEL, user: USER, text: `<@${BOT_USER_ID}> diagnose`, ts: '1699999000.000700', threadTs: THREAD_TS }));
    // Nothing recognisable (the spy finds nothing): the user is told privately.
    const told = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral', 'the private answer');
    expect(told.args).toMatchObject({ channel: CHANNEL, user: USER, thread_ts: THREAD_TS });
    expect(String(told.args.text)).toContain('could not find a sending domain');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.join('\n')).not.toContain('bot-echo.example');
    expect(seen[0]!.join('\n')).not.toContain(`<@${BOT_USER_ID}>`);
    expect(seen[0]!).toHaveLength(4);
    expect(h.slack.ok('chat.postMessage')).toEqual([]);
  });

  it('uses a target typed after the mention, and answers a missing scope privately with the run id', async () => {
    h = await startHarness();
    h.slack.inject('conversations.replies', { error: 'missing_scope', extra: { needed: 'groups:history', provided: 'chat:write' } });
    await h.requests.event(appMentionEnvelope({ eventId: 'Ev0SCOPE', channel: 'G0PRIVATE', user: USER, text: `<@${BOT_USER_ID}> ${SENDER_DOMAIN}`, ts: '1699999000.000800', threadTs: THREAD_TS }));
    const told = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral', 'the private error');
    const text = String(told.args.text);
    expect(text).toContain('`groups:history`');
    const runId = /run id `([^`]+)`/.exec(text)?.[1];
    expect(runId).toBeDefined();
    const line = await h.logs.waitFor((l) => l.msg === 'could not read the thread', 'the warning');
    expect(line.runId).toBe(runId);
    expect(h.slack.ok('chat.postMessage')).toEqual([]);
  });

  it('diagnoses a thread from the message shortcut', async () => {
    h = await startHarness();
    h.slack.setThread(CHANNEL, THREAD_TS, ticketThread());
    const finished = h.nextRun();
    const ack = await h.requests.interactive({
      type: 'message_action',
      callback_id: DIAGNOSE_THREAD_SHORTCUT,
      trigger_id: '1.2.3',
      response_url: h.slack.responseUrl('shortcut'),
      action_ts: '1700000001.000000',
      team: { id: 'T0TEST', domain: 'test' },
      user: { id: USER, name: 'agent' },
      channel: { id: CHANNEL, name: 'support' },
      message_ts: '1699999000.000300',
      message: { type: 'message', ts: '1699999000.000300', thread_ts: THREAD_TS, text: 'the bounce', user: 'U0CUSTOMER' },
      token: 'legacy-verification-token',
    });
    expect(ack.status).toBe(200);
    const { report, place } = await finished;
    expect(place.threadTs).toBe(THREAD_TS);
    expect(report.target.senderDomain).toBe(SENDER_DOMAIN);
    expect(h.slack.ok('conversations.replies')[0]?.args.ts).toBe(THREAD_TS);
  });

  it('shows "Request fix" with an offer id, and the placeholder answers privately that approval is not configured', async () => {
    const fixable: Check = {
      id: 'fixable',
      layer: 'suppression',
      title: 'Suppression (test check)',
      async run(ctx) {
        const email = ctx.target.recipients[0] ?? 'x@y.example';
        return [
          makeFinding('suppression', 'fixable', {
            status: 'fail',
            title: 'Recipient suppressed',
            summary: `${email} is on the account suppression list`,
            remediation: { kind: 'remove-suppression', email, region: 'us-east-1' },
          }),
        ];
      },
    };
    h = await startHarness({
      modules: (defaults) => defaults.map((m): LayerModule => (m.layer === 'suppression' ? { layer: 'suppression', checks: [fixable] } : m)),
    });
    const finished = h.nextRun();
    await h.requests.command({
      token: 't', team_id: 'T0TEST', channel_id: CHANNEL, user_id: USER, command: '/maildiag',
      text: `${SENDER_ADDRESS} to=${RECIPIENT_ADDRESS}`, response_url: h.slack.responseUrl('cmd'), trigger_id: '1',
    });
    const { report, place } = await finished;
    const message = h.slack.ok('chat.postMessage').find((p) => blocksOf(p)[0]?.block_id === 'layer.suppression')!;
    const actions = blocksOf(message).find((b) => b.type === 'actions');
    expect(actions?.type).toBe('actions');
    const button = actions?.type === 'actions' ? actions.elements[0] : undefined;
    expect(button?.action_id).toBe(REQUEST_FIX_ACTION);
    const offer = await h.offers.get(button!.value);
    expect(offer).toMatchObject({ runId: report.runId, findingId: 'suppression.fixable', channel: CHANNEL, threadTs: place.threadTs, offeredTo: USER });

    const ack = await h.requests.interactive(
      buttonClickPayload({
        user: 'U0OTHER',
        channel: CHANNEL,
        messageTs: String(message.result?.ts),
        threadTs: place.threadTs,
        actionId: REQUEST_FIX_ACTION,
        value: button!.value,
        ...(actions?.block_id ? { blockId: actions.block_id } : {}),
        triggerId: '1.2.4',
        responseUrl: h.slack.responseUrl('button'),
      }),
    );
    expect(ack.status).toBe(200);
    const answer = await h.slack.waitFor((c) => c.method === 'response_url' && c.responseId === 'button', 'the button answer');
    expect(answer.args.response_type).toBe('ephemeral');
    expect(String(answer.args.text)).toContain(APPROVAL_NOT_CONFIGURED);
  });

  it('escapes hostile text that comes from DNS, so it can never ping or forge a link', async () => {
    const hostile = 'v=spf1 include:amazonses.com <!channel> <https://evil.example|click here> @here & ~all';
    const zone = canonicalZones();
    zone[`_hostile.${SENDER_DOMAIN}`] = [{ type: 'TXT', value: hostile }];
    const echo: Check = {
      id: 'echo',
      layer: 'dns',
      title: 'Hostile TXT echo',
      async run(ctx) {
        const records = await ctx.dns.resolve(`_hostile.${ctx.target.senderDomain}`, 'TXT');
        return [makeFinding('dns', 'echo', { status: 'warn', title: `TXT ${records.map(joinTxt).join(' ')}`, summary: records.map(joinTxt).join(' '), evidence: [{ label: 'TXT', value: records.map(joinTxt), code: true }], fix: joinTxt(records[0] ?? []) })];
      },
    };
    h = await startHarness({ zone, modules: (defaults) => defaults.map((m) => (m.layer === 'dns' ? { ...m, checks: [...m.checks, echo] } : m)) });
    const finished = h.nextRun();
    await h.requests.command({ token: 't', team_id: 'T0TEST', channel_id: CHANNEL, user_id: USER, command: '/maildiag', text: SENDER_DOMAIN, response_url: h.slack.responseUrl('cmd'), trigger_id: '1' });
    await finished;
    const dnsMessage = h.slack.ok('chat.postMessage').find((p) => blocksOf(p)[0]?.block_id === 'layer.dns')!;
    const text = blocksText(blocksOf(dnsMessage));
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;https://evil.example|click here&gt;');
    expect(text).toContain('@\u2060here');
    for (const call of h.slack.calls.filter((c) => c.method.startsWith('chat.'))) {
      const sent = JSON.stringify(call.args);
      expect(sent).not.toContain('<!channel>');
      expect(sent).not.toContain('<https://evil');
      expect(sent).not.toMatch(/[^\u2060]@here/);
    }
  });
});
