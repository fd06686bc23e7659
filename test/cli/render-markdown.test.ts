import { describe, expect, it } from 'vitest';
import { escapeMarkdownInline, fencedBlock, neutralizeControls, truncateRaw } from '../../src/cli/markdown-escape.js';
import { MARKDOWN_STATUS, renderReportMarkdown, renderRepliesMarkdown } from '../../src/cli/render-markdown.js';
import { type Finding, makeFinding, STATUSES, type Status } from '../../src/core/finding.js';
import { FINDING_LIMITS } from '../../src/core/render-limits.js';
import { buildReport, type Report } from '../../src/core/report.js';
import { emptyTarget } from '../../src/core/target.js';
import { interpretBounce } from '../../src/knowledge/bounce/classify.js';
import { readFile } from 'node:fs/promises';

const HOSTILE =
  'v=spf1 [click here](https://evil.example/x) ![img](http://evil.example/i.png) <script>alert(1)</script> <https://evil.example> www.evil.example **bold** _it_ `code` | cell | ~~gone~~ $x$ @octocat #12 &amp;';

function report(findings: Finding[], target = emptyTarget('customer.example')): Report {
  return buildReport({
    runId: 'run-md-1',
    target,
    findings,
    startedAt: new Date('2026-03-02T10:00:00Z'),
    durationMs: 123,
    counters: { dnsQueries: 4, dnsQueriesDistinct: 4, awsCalls: 2, awsCallsDistinct: 2 },
  });
}

function finding(status: Status, overrides: Partial<Finding> = {}): Finding {
  return {
    ...makeFinding('dns', `check-${status}`, {
      status,
      title: `Check ${status}`,
      summary: `The ${status} summary.`,
      evidence: [{ label: 'TXT customer.example', value: `record for ${status}`, code: true }],
      explanation: `Why ${status}.`,
      fix: status === 'pass' ? '' : `Fix ${status}.`,
    }),
    ...overrides,
  };
}

/** The Markdown outside fenced blocks, where markup would be interpreted. */
function outsideFences(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?\n```$/gm, '');
}

describe('escapeMarkdownInline', () => {
  it('leaves no link, image, HTML, autolink, emphasis, code span, cell break, math or mention', () => {
    const escaped = escapeMarkdownInline(HOSTILE);
    expect(escaped).not.toMatch(/(?<!\\)\[/);
    expect(escaped).not.toMatch(/(?<!\\)\]/);
    expect(escaped).not.toMatch(/[<>]/);
    expect(escaped).not.toMatch(/(?<!\\)[`*_|~$@#]/);
    expect(escaped).not.toMatch(/(?<!\\):\/\//);
    expect(escaped).not.toMatch(/www\./i);
    expect(escaped).toContain('&lt;script&gt;');
    expect(escaped).toContain('&amp;amp;');
    // The words are all still there for a reader.
    expect(escaped.replace(/\\/g, '')).toContain('click here');
  });

  it('keeps everything on one line and shows control characters and bidi overrides as U+FFFD', () => {
    const escaped = escapeMarkdownInline('a\nb\r\nc\u001b[31mred\u0007\u202Eevil\u2066x\u0085');
    expect(escaped).not.toMatch(/\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u);
    expect(escaped).toBe('a ⏎ b ⏎ c\uFFFD\\[31mred\uFFFD\uFFFDevil\uFFFDx\uFFFD');
    expect(neutralizeControls('tab\tkept')).toBe('tab\tkept');
  });

  it('truncates raw text to the budget, saying how much was left out', () => {
    expect(truncateRaw('short', 10)).toBe('short');
    const cut = truncateRaw('x'.repeat(500), 100);
    expect([...cut].length).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/… \(\d+ more characters\)$/);
    expect(truncateRaw('😀'.repeat(50), 40)).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('fencedBlock', () => {
  it('cannot be closed early by a fence in the content, and shows control characters as U+FFFD', () => {
    const block = fencedBlock(['before', '```', '````html', '~~~', 'a ``` b', 'esc \u001b[2J', 'two\nlines']);
    const lines = block.split('\n');
    expect(lines[0]).toBe('```text');
    expect(lines.at(-1)).toBe('```');
    // Only the opening and closing lines are fences.
    expect(lines.filter((line) => /^\s{0,3}(`{3,}|~{3,})/.test(line) && line !== '~~~')).toEqual(['```text', '```']);
    expect(block).toContain('ˋˋˋ');
    expect(block).toContain('esc \uFFFD[2J');
    expect(lines).toContain('lines');
  });
});

describe('renderReportMarkdown', () => {
  it('puts verdict and root cause first, then the path, then a table per layer', () => {
    const md = renderReportMarkdown(report([finding('fail', { summary: 'SPF is broken.' }), finding('pass')]));
    const lines = md.split('\n');
    expect(lines[0]).toBe('## maildiag: customer.example');
    expect(lines[2]).toBe('**Verdict: FAIL** (broken)');
    expect(lines[4]).toBe('**Likely root cause** (DNS authentication): SPF is broken.');
    expect(lines[6]).toMatch(/^\*\*Delivery path:\*\* customer\.example → SES → DNS ✗ → recipient server → recipient$/);
    expect(md.indexOf('### DNS authentication: ❌ fail')).toBeGreaterThan(md.indexOf('Delivery path'));
    expect(md).toContain('| status | check | summary |\n|---|---|---|\n| ❌ fail | Check fail | SPF is broken. |\n| ✅ pass | Check pass | The pass summary. |');
    expect(md).toContain('Run `run-md-1` · 123 ms · 4 DNS queries · 2 AWS calls');
  });

  it.each(STATUSES)('renders a %s finding in the table, with details unless it passed or was skipped', (status) => {
    const md = renderReportMarkdown(report([finding(status)]));
    expect(md).toContain(`| ${MARKDOWN_STATUS[status]} | Check ${status} | The ${status} summary. |`);
    const detailed = status !== 'pass' && status !== 'skipped';
    expect(md.includes(`**${MARKDOWN_STATUS[status]}: Check ${status}**`)).toBe(detailed);
    expect(md.includes(`TXT customer.example: record for ${status}`)).toBe(detailed);
    expect(md.includes(`**Why:** Why ${status}.`)).toBe(detailed);
    if (status === 'fail' || status === 'error' || status === 'warn') expect(md).toContain(`**Verdict: ${status.toUpperCase()}**`);
  });

  it('escapes everything from DNS, AWS or users outside the evidence blocks, and keeps evidence verbatim inside them', () => {
    const target = { ...emptyTarget('customer.example'), recipients: ['alice@recipient.example'], notes: [`note ${HOSTILE}`] };
    const md = renderReportMarkdown(
      report(
        [
          finding('fail', {
            title: `Title ${HOSTILE}`,
            summary: `Summary ${HOSTILE}`,
            explanation: `Why ${HOSTILE}`,
            fix: `Fix ${HOSTILE}\n# heading\n[ref]: https://evil.example`,
            evidence: [{ label: 'TXT customer.example', value: [HOSTILE.slice(0, 150), '```', 'after the fence <b>bold</b>'], code: true }],
          }),
        ],
        target,
      ),
    );
    const prose = outsideFences(md);
    expect(prose).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/); // no [text](url)
    expect(prose).not.toMatch(/<(?!\/?sub>)[a-z!/]/i); // no HTML, no <autolink>
    expect(prose).not.toMatch(/https?:\/\//);
    expect(prose).not.toMatch(/^#+ heading/m);
    expect(prose).not.toMatch(/^\[ref\]:/m);
    // Every table row still has exactly four cell separators.
    for (const row of md.split('\n').filter((line) => line.startsWith('| '))) expect(row.match(/(?<!\\)\|/g)).toHaveLength(4);
    // Evidence is shown as it is, inside one fence that the content cannot close.
    const fence = /^```text\n([\s\S]*?)\n```$/m.exec(md);
    expect(fence?.[1]).toContain(HOSTILE.slice(0, 150));
    expect(fence?.[1]).toContain('ˋˋˋ');
    expect(fence?.[1]).toContain('after the fence <b>bold</b>');
  });

  it('cuts findings to the Slack budgets and counts the evidence lines left out', () => {
    const long = 'y'.repeat(2000);
    const evidence = Array.from({ length: 10 }, (_, i) => ({ label: `line ${i}`, value: `${i}:${long}`, code: true }));
    const md = renderReportMarkdown(report([finding('warn', { title: long, summary: long, explanation: long, fix: long, evidence })]));
    const row = md.split('\n').find((line) => line.startsWith('| ⚠️ warn'))!;
    const [, title, summary] = row.replace(/ \|$/, '').split(' | ');
    expect([...title!].length).toBeLessThanOrEqual(FINDING_LIMITS.title);
    expect([...summary!].length).toBeLessThanOrEqual(FINDING_LIMITS.summary);
    const fence = /^```text\n([\s\S]*?)\n```$/m.exec(md)![1]!.split('\n');
    expect(fence).toHaveLength(FINDING_LIMITS.evidenceLines + 1);
    expect(fence.at(-1)).toBe('… 4 more evidence lines left out (maildiag --json has all)');
    for (const line of fence.slice(0, -1)) expect(line.length).toBeLessThanOrEqual('line 0: '.length + FINDING_LIMITS.evidenceValue);
    const why = md.split('\n').find((line) => line.startsWith('**Why:**'))!;
    expect(why.length).toBeLessThanOrEqual('**Why:** '.length + FINDING_LIMITS.why);
    const fix = md.split('\n').find((line) => line.startsWith('**Fix:**'))!;
    expect(fix.length).toBeLessThanOrEqual('**Fix:** '.length + FINDING_LIMITS.fix);
  });

  it('shows at most three notes and says how many more there were', () => {
    const target = { ...emptyTarget('customer.example'), notes: ['n1', 'n2', 'n3', 'n4', 'n5'] };
    const md = renderReportMarkdown(report([finding('pass')], target));
    expect(md).toContain('- n1\n- n2\n- n3\n- … 2 more notes left out');
    expect(md).not.toContain('- n4');
  });
});

describe('renderRepliesMarkdown (classify --format markdown)', () => {
  it('tables the interpreted replies of a real NDR with the reply in a fence', async () => {
    const result = await interpretBounce(await readFile('test/fixtures/exchange-ndr.eml'));
    const md = renderRepliesMarkdown(result.replies, result.notes);
    expect(md).toContain('| recipient | reply | provider | category | layer | confidence |');
    expect(md).toMatch(/\| alice\\@recipient\.example \| 550 5\.4\.1 \| Exchange Online \| recipient-unknown \| recipient \| 0\.\d\d \|/);
    expect(md).toMatch(/```text\n.*550 5\.4\.1/);
  });

  it('says when nothing was recognised', () => {
    expect(renderRepliesMarkdown([], ['no DSN part'])).toContain('Nothing recognised');
  });
});
