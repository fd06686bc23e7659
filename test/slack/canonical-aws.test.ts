/**
 * The canonical two-layer failure end to end in Slack, with every layer running: AWS layers
 * against the loopback AWS endpoint, DNS against the loopback DNS server, a ticket thread
 * with Gmail's relay error and Exchange Online's NDR, read on a mention.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LAYERS } from '../../src/core/finding.js';
import { SUMMARY_BLOCK_FINAL } from '../../src/slack/ids.js';
import type { Block } from '../../src/slack/render/blocks.js';
import { canonicalScenario, RECIPIENT, ROTATED_KEY_ID, SENDER, startAwsEndpoint, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import type { RecordedCall } from '../support/slack-api.js';
import { appMentionEnvelope } from '../support/slack-requests.js';
import { BOT_USER_ID, CHANNEL, type Harness, startHarness, USER } from './harness.js';
import { blocksText, expectWithinLimits } from './limits.js';

const THREAD_TS = '1699999100.000100';
const blocksOf = (call: RecordedCall): Block[] => call.args.blocks as Block[];

describe('canonical scenario with every layer', () => {
  let h: Harness | undefined;
  let aws: TestAwsEndpoint | undefined;
  afterEach(async () => {
    await h?.close();
    await aws?.close();
  });

  it('marks the relay, SES (suppressed) and recipient hops broken, DNS healthy, root cause first', async () => {
    aws = await startAwsEndpoint(canonicalScenario());
    h = await startHarness({ aws, env: { MAILDIAG_AWS: 'auto' } });
    h.slack.setThread(CHANNEL, THREAD_TS, [
      { ts: THREAD_TS, user: 'U0CUSTOMER', text: `Three emails we sent as ${SENDER} to ${RECIPIENT} never arrived. Gmail "Send mail as" uses SMTP username ${ROTATED_KEY_ID} on email-smtp.us-east-1.amazonaws.com.` },
      { ts: '1699999100.000200', user: 'U0CUSTOMER', text: 'Gmail: Authentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"' },
      { ts: '1699999100.000300', user: 'U0CUSTOMER', text: `Bounce: Remote Server returned '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)' for ${RECIPIENT}` },
    ]);
    const finished = h.nextRun();
    await h.requests.event(appMentionEnvelope({ eventId: 'Ev0CANON', channel: CHANNEL, user: USER, text: `<@${BOT_USER_ID}>`, ts: '1699999100.000400', threadTs: THREAD_TS }));
    const { report } = await finished;

    expect(report.verdict).toBe('fail');
    const status = Object.fromEntries(report.layers.map((l) => [l.layer, l.status]));
    expect(status).toMatchObject({ relay: 'fail', suppression: 'fail', recipient: 'fail' });
    expect(['pass', 'info', 'warn']).toContain(status.dns);
    expect(aws.calls.length).toBeGreaterThan(0);

    const final = h.slack.ok('chat.update').at(-1)!;
    expect(blocksOf(final)[0]?.block_id).toBe(SUMMARY_BLOCK_FINAL);
    const text = blocksText(blocksOf(final));
    const path = text.split('\n').find((l) => l.startsWith('*Path:*'));
    expect(path).toMatch(/^\*Path:\* admin@customer\.example → .*relay ✗ 535 → SES ✗ \S+ → DNS [✓!] → Exchange Online ✗ 5\.4\.1 → alice@recipient\.example$/);
    expect(text).toMatch(/\*Likely root cause\* \(Relay credentials\): /);

    // One thread message per layer with something to say, all within limits.
    const thread = h.slack.ok('chat.postMessage').filter((p) => p.args.thread_ts === THREAD_TS && blocksOf(p)[0]?.block_id?.startsWith('layer'));
    const ids = thread.map((t) => blocksOf(t)[0]?.block_id);
    for (const layer of ['relay', 'suppression', 'recipient']) expect(ids).toContain(`layer.${layer}`);
    expect(thread.length).toBeLessThanOrEqual(LAYERS.length + 1);
    for (const call of thread) expectWithinLimits(blocksOf(call));
    // Fixes with a remediation carry a "Request fix" button holding an offer id.
    const buttons = thread.flatMap((t) => blocksOf(t)).flatMap((b) => (b.type === 'actions' ? b.elements : []));
    const requestFix = buttons.filter((b) => b.action_id === 'maildiag.request_fix');
    expect(requestFix.length).toBeGreaterThan(0);
    for (const button of requestFix) expect(await h.offers.get(button.value)).toBeDefined();
  });
});
