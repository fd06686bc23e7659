/** Block Kit rendering as pure functions of a Report: limits, escaping, the path picture. */
import { describe, expect, it } from 'vitest';
import { newCounters } from '../../src/core/context.js';
import { type Finding, LAYERS, makeFinding } from '../../src/core/finding.js';
import type { InterpretedReply } from '../../src/core/replies.js';
import { buildReport, type Report } from '../../src/core/report.js';
import { emptyTarget } from '../../src/core/target.js';
import { REQUEST_FIX_ACTION } from '../../src/slack/ids.js';
import { LIMITS } from '../../src/slack/render/blocks.js';
import { escapeMrkdwn, inlineCode, truncateMrkdwn } from '../../src/slack/render/mrkdwn.js';
import { deliveryPath, renderPath } from '../../src/slack/render/path.js';
import { renderClosedSummary } from '../../src/slack/render/queued.js';
import { renderFinalSummary, renderProgressSummary } from '../../src/slack/render/summary.js';
import { MAX_THREAD_MESSAGES, renderThreadMessages } from '../../src/slack/render/thread.js';
import { blocksText, expectWithinLimits } from './limits.js';

function reply(init: Partial<InterpretedReply> & Pick<InterpretedReply, 'layer' | 'provider'>): InterpretedReply {
  return { raw: '', category: 'x', reason: 'x', confidence: 0.9, explanation: '', fix: '', ruleId: 'r', ...init };
}

function report(findings: Finding[], replies: InterpretedReply[] = []): Report {
  const target = { ...emptyTarget('customer.example'), senderAddress: 'admin@customer.example', recipients: ['alice@recipient.example'], replies };
  return buildReport({ runId: 'run00001', target, findings, startedAt: new Date('2026-03-02T12:00:00Z'), durationMs: 1234, counters: newCounters() });
}

/** The canonical story's shape: relay 535, SES fine, suppressed, DNS passes, Exchange Online 5.4.1. */
function canonicalReport(): Report {
  return report(
    [
      makeFinding('relay', 'credentials', {
        status: 'fail',
        title: 'SMTP credentials',
        summary: 'AKIAROTATEDAWAY00001 no longer exists',
        evidence: [{ label: 'SMTP reply', value: '535 Authentication Credentials Invalid', code: true }],
        priority: 0,
        remediation: { kind: 'rotate-smtp-credential', iamUser: 'ses-smtp-user.gmail', region: 'us-east-1', oldAccessKeyId: 'AKIAROTATEDAWAY00001' },
      }),
      makeFinding('ses', 'identity', { status: 'pass', title: 'Identity', summary: 'verified' }),
      makeFinding('dns', 'spf', { status: 'pass', title: 'SPF', summary: 'includes amazonses.com' }),
      makeFinding('dns', 'dkim', { status: 'pass', title: 'DKIM', summary: 'three CNAMEs' }),
      makeFinding('suppression', 'listed', { status: 'fail', title: 'Suppression list', summary: 'alice@recipient.example suppressed (BOUNCE)' }),
      makeFinding('recipient', 'replies', { status: 'fail', title: 'Recipient replies', summary: 'the address does not exist in the tenant' }),
    ],
    [
      reply({ layer: 'relay', provider: 'Amazon SES', reportedBy: 'Gmail', replyCode: '535', raw: '535 Authentication Credentials Invalid' }),
      reply({ layer: 'recipient', provider: 'Exchange Online', replyCode: '550', status: '5.4.1', recipient: 'alice@recipient.example' }),
    ],
  );
}

describe('delivery path', () => {
  it('draws the canonical path with the broken hops marked, from layer statuses and replies', () => {
    expect(renderPath(deliveryPath(canonicalReport()))).toBe(
      'admin@customer.example → Gmail relay ✗ 535 → SES ✗ suppressed → DNS ✓ → Exchange Online ✗ 5.4.1 → alice@recipient.example',
    );
  });

  it('takes the relay code from evidence when no reply was pasted, and leaves unknown hops unmarked', () => {
    const r = report([
      makeFinding('relay', 'endpoint', { status: 'fail', title: 'Endpoint', summary: 'rejected', evidence: [{ label: 'SMTP response', value: '554 Access denied' }] }),
      makeFinding('dns', 'spf', { status: 'pass', title: 'SPF', summary: 'ok' }),
    ]);
    expect(renderPath(deliveryPath(r))).toBe('admin@customer.example → SMTP relay ✗ 554 → SES → DNS ✓ → recipient server → alice@recipient.example');
  });

  it('escapes hop labels that come from input', () => {
    const r = report([], [reply({ layer: 'recipient', provider: '<!channel>', status: '5.1.1' })]);
    expect(renderPath(deliveryPath(r))).toContain('&lt;!channel&gt; ✗ 5.1.1');
  });
});

describe('summary', () => {
  it('puts verdict, root cause first, path, one line per layer and the run id in a context line', () => {
    const message = renderFinalSummary(canonicalReport());
    expectWithinLimits(message.blocks);
    const text = blocksText(message.blocks);
    const lines = text.split('\n');
    expect(lines[0]).toContain('*FAIL*');
    expect(lines[1]).toMatch(/^\*Likely root cause\* \(Relay credentials\): AKIAROTATEDAWAY00001 no longer exists/);
    expect(text).toContain('*Path:* admin@customer.example → Gmail relay ✗ 535');
    const layerLines = lines.filter((l) => /^:[a-z_]+: \*(Relay|SES|DNS|Suppression|Recipient)/.test(l));
    expect(layerLines).toHaveLength(LAYERS.length);
    expect(layerLines[0]).toContain('*Relay credentials*');
    expect(message.blocks.at(-1)?.type).toBe('context');
    expect(text).toContain('run `run00001` · 1.2 s');
  });

  it('shows running layers in the progress state', () => {
    const r = canonicalReport();
    const message = renderProgressSummary({ target: r.target, runId: 'run00001', finished: new Map([['dns', { status: 'pass', counts: { pass: 2, warn: 0, fail: 0, info: 0, error: 0, skipped: 0 } }]]) });
    const text = blocksText(message.blocks);
    expect(text).toContain(':white_check_mark: *DNS authentication*: 2 passed');
    expect(text).toContain(':hourglass_flowing_sand: *Relay credentials*: running…');
    expect(text).toContain('1 of 5 layers done');
  });
});

describe('thread messages', () => {
  it('posts one message per layer with something to say, the failing first, and collapses the quiet ones', () => {
    const offerIds = new Map([['relay.credentials', 'offer-1234']]);
    const messages = renderThreadMessages(canonicalReport(), { offerIds });
    expect(messages.map((m) => m.blocks[0]?.block_id)).toEqual(['layer.relay', 'layer.suppression', 'layer.recipient', 'layers.quiet']);
    const relay = messages[0]!;
    const actions = relay.blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements.find((e) => e.action_id === REQUEST_FIX_ACTION)?.value).toBe('offer-1234');
    expect(blocksText(relay.blocks)).toContain('• SMTP reply: `535 Authentication Credentials Invalid`');
    const quiet = blocksText(messages.at(-1)!.blocks);
    expect(quiet).toContain(':white_check_mark: *SES identity and account*: 1 passed');
    expect(quiet).toContain(':white_check_mark: *DNS authentication*: 2 passed');
  });

  it('stays within Block Kit limits for a huge report and says what was left out', () => {
    const huge: Finding[] = [];
    for (const layer of LAYERS) {
      for (let i = 0; i < 80; i += 1) {
        huge.push(
          makeFinding(layer, `check${i}`, {
            status: i % 3 === 0 ? 'fail' : 'warn',
            title: `Check ${i} ${'t'.repeat(300)}`,
            summary: `${'&<>'.repeat(400)} summary`,
            evidence: [
              { label: 'TXT', value: Array.from({ length: 30 }, (_, n) => `v=spf1 ${'include:x.example '.repeat(60)}${n}`), code: true },
              { label: 'note', value: 'x'.repeat(10_000) },
            ],
            explanation: 'e'.repeat(5000),
            fix: 'f'.repeat(5000),
            remediation: { kind: 'remove-suppression', email: `u${i}@x.example`, region: 'us-east-1' },
          }),
        );
      }
    }
    const r = report(huge);
    const offerIds = new Map(huge.map((f) => [f.id, `offer-${f.id}`]));
    const messages = renderThreadMessages(r, { offerIds });
    expect(messages.length).toBeLessThanOrEqual(MAX_THREAD_MESSAGES);
    for (const message of [...messages, renderFinalSummary(r)]) {
      expectWithinLimits(message.blocks);
      expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    }
    const first = blocksText(messages[0]!.blocks);
    expect(first).toMatch(/… \d+ more items? left out of this message/);
    expect(first).toMatch(/… \d+ more evidence lines left out/);
    expect(first).toMatch(/\(\d+ more characters\)/);
  });
});

describe('mrkdwn', () => {
  it('escapes the three control characters and defuses broadcast words', () => {
    expect(escapeMrkdwn('<!channel> & <@U123> <https://x|y> @here @everyone')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x|y&gt; @\u2060here @\u2060everyone',
    );
  });

  it('keeps inline code on one line, without backticks, truncated before escaping', () => {
    expect(inlineCode('a`b\nc', 100)).toBe('`aˋb ⏎ c`');
    const long = inlineCode('&'.repeat(500), 100);
    expect(long).toMatch(/^`(&amp;)+ … \(\d+ more characters\)`$/);
  });

  it('never cuts an entity in half or leaves a code span open', () => {
    const cut = truncateMrkdwn(`\`${'&amp;'.repeat(1000)}\``, 300);
    expect(cut.length).toBeLessThanOrEqual(300);
    expect(cut).not.toMatch(/&[a-z]*\n/);
    expect((cut.match(/`/g)?.length ?? 0) % 2).toBe(0);
  });
});

describe('closed summary (a queued run that never ran)', () => {
  it('escapes the reason in the notification text as in the blocks: no mention, link or markup reaches Slack', () => {
    const message = renderClosedSummary({ runId: 'r1' }, 'cancelled <!channel> <https://evil.example|click> *bold*');
    for (const text of [message.text, blocksText(message.blocks)]) {
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://evil.example|click>');
      expect(text).not.toMatch(/(?<![\w*])\*bold\*/);
    }
  });
});
