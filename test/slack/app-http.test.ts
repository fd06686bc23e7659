/**
 * The real Bolt app behind its real HTTP receiver, driven by signed requests, posting to the
 * fake Slack Web API, diagnosing against the loopback DNS server with the canonical zones.
 * AWS is off here, so the AWS layers are skipped; assertions are on structure (summary
 * posted then updated, one thread message per layer with something to say, statuses equal
 * to the report's), so they cover more layers as they run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAYER_TITLES } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { SUMMARY_BLOCK_FINAL, SUMMARY_BLOCK_PROGRESS } from '../../src/slack/ids.js';
import type { Block } from '../../src/slack/render/blocks.js';
import { STATUS_EMOJI } from '../../src/slack/render/status.js';
import { MAX_THREAD_MESSAGES } from '../../src/slack/render/thread.js';
import { AWS_NOT_CONFIGURED } from '../../src/slack/report-run.js';
import { RECIPIENT_ADDRESS, SENDER_ADDRESS } from '../support/scenarios/canonical-dns.js';
import type { RecordedCall } from '../support/slack-api.js';
import { commandFields } from '../support/slack-requests.js';
import { CHANNEL, type Harness, SECRETS, startHarness, USER } from './harness.js';
import { blocksText, expectWithinLimits } from './limits.js';

const blocksOf = (call: RecordedCall): Block[] => call.args.blocks as Block[];
const firstBlockId = (call: RecordedCall): string | undefined => blocksOf(call)[0]?.block_id;
const hasSomethingToSay = (report: Report, layer: string): boolean =>
  report.findings.some((f) => f.layer === layer && f.status !== 'pass' && f.status !== 'skipped');

describe('slash command through the HTTP receiver', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const command = (text: string, channel = CHANNEL) =>
    h.requests.command(commandFields({ text, channel, user: USER, responseUrl: h.slack.responseUrl('cmd') }));

  it('runs the canonical scenario: acks, posts the summary, updates it, then one thread message per layer with something to say', async () => {
    const finished = h.nextRun();
    const ack = await command(`${SENDER_ADDRESS} to=${RECIPIENT_ADDRESS}`);
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const { report, place } = await finished;

    const posts = h.slack.ok('chat.postMessage');
    const summary = posts[0]!;
    expect(summary.args.channel).toBe(CHANNEL);
    expect(summary.args.thread_ts).toBeUndefined();
    expect(firstBlockId(summary)).toBe(SUMMARY_BLOCK_PROGRESS);
    expect(blocksText(blocksOf(summary))).toContain(':hourglass_flowing_sand:');
    const summaryTs = summary.result?.ts;
    expect(place.summaryTs).toBe(summaryTs);
    expect(place.threadTs).toBe(summaryTs);

    // Updated while layers ran, final state last.
    const updates = h.slack.ok('chat.update').filter((u) => u.args.ts === summaryTs);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.slice(0, -1).every((u) => firstBlockId(u) === SUMMARY_BLOCK_PROGRESS)).toBe(true);
    const final = updates.at(-1)!;
    expect(firstBlockId(final)).toBe(SUMMARY_BLOCK_FINAL);
    const finalText = blocksText(blocksOf(final));
    expect(finalText).toContain(report.verdict.toUpperCase());
    expect(finalText).toContain(`run \`${report.runId}\``);
    expect(finalText).toContain(`*Path:* ${SENDER_ADDRESS} →`);
    for (const layer of report.layers) {
      const line = finalText.split('\n').find((l) => l.includes(`*${LAYER_TITLES[layer.layer]}*`));
      expect(line, layer.layer).toBeDefined();
      expect(line!.startsWith(STATUS_EMOJI[layer.status]), `${layer.layer}: ${line}`).toBe(true);
    }

    // Thread: loud layers (most severe first) and one collapsed message for the quiet ones.
    const thread = posts.filter((p) => p.args.thread_ts === summaryTs);
    const loud = report.layers.filter((l) => hasSomethingToSay(report, l.layer));
    const quiet = report.layers.filter((l) => !hasSomethingToSay(report, l.layer));
    expect(thread.length).toBe(loud.length + (quiet.length > 0 ? 1 : 0));
    expect(posts.length).toBe(1 + thread.length);
    expect(posts.length).toBeLessThanOrEqual(1 + MAX_THREAD_MESSAGES);
    expect(new Set(thread.map(firstBlockId))).toEqual(new Set([...loud.map((l) => `layer.${l.layer}`), ...(quiet.length > 0 ? ['layers.quiet'] : [])]));
    for (const layer of loud) {
      const message = thread.find((t) => firstBlockId(t) === `layer.${layer.layer}`)!;
      const text = blocksText(blocksOf(message));
      expect(text.startsWith(`${STATUS_EMOJI[layer.status]} *${LAYER_TITLES[layer.layer]}*`)).toBe(true);
      for (const finding of report.findings.filter((f) => f.layer === layer.layer && f.status !== 'pass' && f.status !== 'skipped')) {
        expect(text).toContain(`${STATUS_EMOJI[finding.status]} *`);
      }
    }
    const quietMessage = thread.find((t) => firstBlockId(t) === 'layers.quiet');
    for (const layer of quiet) expect(blocksText(blocksOf(quietMessage!))).toContain(`${STATUS_EMOJI[layer.status]} *${LAYER_TITLES[layer.layer]}*`);

    for (const call of [...posts, ...updates]) expectWithinLimits(blocksOf(call));

    // DNS ran for real against the loopback server; AWS is off, so the user is told privately.
    expect(h.dns.queries.length).toBeGreaterThan(0);
    expect(report.layers.find((l) => l.layer === 'dns')?.status).not.toBe('skipped');
    const notice = await h.slack.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('AWS is not configured'), 'the AWS notice');
    expect(notice.args.response_type).toBe('ephemeral');
    expect(String(notice.args.text)).toContain(AWS_NOT_CONFIGURED.slice(0, 40));
    expect(String(notice.args.text)).toContain(report.runId);
  });

  it('keeps every configured secret out of log lines and out of what it sends', async () => {
    const finished = h.nextRun();
    await command(`${SENDER_ADDRESS} to=${RECIPIENT_ADDRESS}`);
    await finished;
    expect(h.logs.lines.length).toBeGreaterThan(5);
    expect(h.logs.lines.some((l) => l.component === 'bolt')).toBe(true);
    for (const secret of Object.values(SECRETS)) {
      for (const line of h.logs.raw) expect(line).not.toContain(secret);
      for (const call of h.slack.calls) expect(JSON.stringify(call.args)).not.toContain(secret);
    }
    // The token is used, in the Authorization header only.
    expect(h.slack.calls.filter((c) => c.method !== 'response_url').every((c) => c.headers.authorization === `Bearer ${SECRETS.botToken}`)).toBe(true);
  });

  it('answers help and an empty command privately with usage, and runs nothing', async () => {
    for (const text of ['help', '', '  ']) {
      const ack = await command(text);
      expect(ack.status).toBe(200);
      expect(ack.json?.response_type).toBe('ephemeral');
      expect(String(ack.json?.text)).toContain('*Usage:*');
    }
    expect(h.slack.calls).toEqual([]);
    expect(h.dns.queries).toEqual([]);
  });

  it('answers bad input privately with the parser message, escaped, and runs nothing', async () => {
    // The ack never waits for parsing: it comes back empty, the parser's answer goes privately to the response URL.
    const ack = await command('<!channel> <https://evil.example|click here> & more');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const reply = await h.slack.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('is not a domain or email address'), 'the parser message');
    expect(reply.args.response_type).toBe('ephemeral');
    const text = String(reply.args.text);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');

    await command('example.com to=nobody region=mars-1');
    await h.slack.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes("'to=nobody' is not an email address"), 'the second parser message');
    expect(h.slack.calls.filter((c) => c.method !== 'response_url')).toEqual([]);
    expect(h.handle.deps.runs.stats()).toMatchObject({ active: 0, queued: 0 });
    expect(h.dns.queries).toEqual([]);
  });

  it('refuses privately outside MAILDIAG_ALLOWED_CHANNELS and runs nothing', async () => {
    await h.close();
    h = await startHarness({ env: { MAILDIAG_ALLOWED_CHANNELS: 'C0ALLOWED,C0OTHER' } });
    const ack = await command('example.com', 'C0ELSEWHERE');
    expect(ack.status).toBe(200);
    expect(ack.json?.response_type).toBe('ephemeral');
    expect(String(ack.json?.text)).toContain('not enabled in this channel');
    expect(h.slack.calls).toEqual([]);
    expect(h.dns.queries).toEqual([]);

    const finished = h.nextRun();
    await command('example.com', 'C0ALLOWED');
    const { place } = await finished;
    expect(place.channel).toBe('C0ALLOWED');
  });

  it('does not point out missing AWS when MAILDIAG_AWS=off was set on purpose', async () => {
    await h.close();
    h = await startHarness({ env: { MAILDIAG_AWS: 'off' } });
    const finished = h.nextRun();
    await command('example.com', 'C0SUPPORT');
    const { report } = await finished;
    expect(report.findings.filter((f) => f.layer === 'relay').every((f) => f.status === 'skipped')).toBe(true);
    expect(h.slack.calls.filter((c) => String(c.args.text ?? '').includes('AWS is not configured'))).toEqual([]);
  });

  it('tells the user privately, with the run id, when the bot is not in the channel, and logs the same id', async () => {
    h.slack.inject('chat.postMessage', { error: 'not_in_channel' });
    const ack = await command('example.com');
    expect(ack.status).toBe(200);
    const reply = await h.slack.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('/invite @maildiag'), 'the private error');
    expect(reply.args.response_type).toBe('ephemeral');
    const runId = /run id `([^`]+)`/.exec(String(reply.args.text))?.[1];
    expect(runId).toMatch(/^[0-9a-f]{8}$/);
    const line = await h.logs.waitFor((l) => l.msg === 'could not post the summary', 'the warning');
    expect(line.runId).toBe(runId);
    expect(h.slack.ok('chat.postMessage')).toEqual([]);
  });

  it('completes the report when Slack answers 429 (the client waits Retry-After and retries)', async () => {
    h.slack.inject('chat.postMessage', { rateLimited: 0 }, 2);
    h.slack.inject('chat.update', { rateLimited: 0 });
    const finished = h.nextRun();
    await command(`${SENDER_ADDRESS} to=${RECIPIENT_ADDRESS}`);
    const { report, place } = await finished;
    expect(h.slack.rateLimitedResponses).toBe(3);
    const thread = h.slack.ok('chat.postMessage').filter((p) => p.args.thread_ts === place.summaryTs);
    const loud = report.layers.filter((l) => hasSomethingToSay(report, l.layer)).length;
    expect(thread.length).toBe(loud + (loud < report.layers.length ? 1 : 0));
    expect(firstBlockId(h.slack.ok('chat.update').at(-1)!)).toBe(SUMMARY_BLOCK_FINAL);
  });

  it('serves the health endpoint and rejects bad signatures and stale timestamps with 401', async () => {
    const health = await fetch(`${h.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });

    const body = new URLSearchParams(commandFields({ text: 'example.com', channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('x') })).toString();
    const form = 'application/x-www-form-urlencoded';
    const forged = await h.requests.send(body, form, { signature: `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    const stale = await h.requests.send(body, form, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(h.slack.calls).toEqual([]);
    expect(h.dns.queries).toEqual([]);
  });
});
