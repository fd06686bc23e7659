/**
 * Issue 12, defect 6: the Slack mrkdwn escapers, one table row per character class, and the
 * finding text we write ourselves (explanation, fix), whose line breaks and code spans are
 * kept while every value inside stays inert.
 */
import { describe, expect, it } from 'vitest';
import { makeFinding } from '../../src/core/finding.js';
import { authoredWithin, escapeAuthored, escapeCodeText, escapeMrkdwn, inlineCode, MRKDWN_LOOKALIKES } from '../../src/slack/render/mrkdwn.js';
import { findingText } from '../../src/slack/render/thread.js';
import { activeMrkdwn } from '../support/mrkdwn-active.js';

const ESC = '\u001b';

/** [class, hostile value, what the value must not do to the report text after it]. */
const CLASSES: Array<[string, string]> = [
  ['bold: an unmatched *', 'v=spf1 include:a.example *'],
  ['bold: a matched pair', '*Relay: all checks passed*'],
  ['italic: an unmatched _', '_dmarc.evil.example _'],
  ['italic: a matched pair', '_quietly_'],
  ['strike: an unmatched ~', 'v=spf1 ~'],
  ['strike: a matched pair', '~fail~'],
  ['code: one backtick', 'verification=`'],
  ['code: a pair', '`pass`'],
  ['code block: a fence', 'x```y'],
  ['block quote at the start', '> quoted'],
  ['line break', 'mx\n:white_check_mark: *Relay: all checks passed*'],
  ['carriage return', 'good\rBAD'],
  ['line separator', 'a\u2028b'],
  ['C0 escape', `a${ESC}[2Jb`],
  ['C1 CSI', 'a\u009b31mb'],
  ['bidi override', 'abc\u202etxt.exe'],
  ['mention and broadcast', '<!channel> <@U1> @here'],
  ['link', '<https://evil.example|click>'],
  ['entity', 'a &amp; b &lt;'],
];

// Report text of ours after the value: a bold label and a code span.
const after = ' and then *Fix:* publish `v=spf1 -all`';

describe('escapeMrkdwn, per character class (defect 6)', () => {
  it.each(CLASSES)('neutralises %s', (_name, value) => {
    const out = escapeMrkdwn(value);
    expect(activeMrkdwn(out)).toBeUndefined();
    expect(out).not.toContain('\n');
    // The value cannot reach the report text after it: our own spans stay the only ones.
    const line = `${out}${after}`;
    expect(line.split('*')).toHaveLength(3);
    expect(line.split('`')).toHaveLength(3);
    expect(line).not.toMatch(/[_~]/);
  });

  it('shows lookalikes, so a reader still sees the characters', () => {
    expect(escapeMrkdwn('a *b* _c_ ~d~ `e`')).toBe('a ∗b∗ ˍcˍ ∼d∼ ˋeˋ');
    expect(escapeMrkdwn('mx\n:x: *bold*')).toBe('mx ⏎ :x: ∗bold∗');
    expect(escapeMrkdwn('> quote')).toBe('› quote');
    expect(Object.keys(MRKDWN_LOOKALIKES).sort()).toEqual(['*', '_', '`', '~']);
  });
});

describe('inline code, per character class (defect 6)', () => {
  it.each(CLASSES)('keeps %s inside one inert code span', (_name, value) => {
    const out = inlineCode(value, 200);
    expect(out.startsWith('`') && out.endsWith('`')).toBe(true);
    expect(out.slice(1, -1)).not.toContain('`');
    expect(activeMrkdwn(out)).toBeUndefined();
  });

  it('keeps formatting characters as they are inside code (copyable records)', () => {
    expect(inlineCode('v=spf1 include:_spf.google.com ~all', 100)).toBe('`v=spf1 include:_spf.google.com ~all`');
    expect(escapeCodeText('first_last@x.example')).toBe('first_last@x.example');
  });
});

describe('our own explanation and fix text (multi-line, with code spans)', () => {
  it('keeps its line breaks and code spans', () => {
    const fix = 'Create these CNAME records exactly:\n`a._domainkey.x.example CNAME a.dkim.amazonses.com`\n`b._domainkey.x.example CNAME b.dkim.amazonses.com`';
    expect(escapeAuthored(fix)).toBe(fix);
    expect(escapeAuthored('Publish `v=spf1 include:amazonses.com ~all` at x.example.')).toBe('Publish `v=spf1 include:amazonses.com ~all` at x.example.');
  });

  it.each(CLASSES)('an interpolated value with %s stays inert on every line', (_name, value) => {
    for (const text of [`Publish a record at ${value}:\n\`${value}\`\nthen wait.`, `Why: ${value}`, `\`${value}`]) {
      const out = escapeAuthored(text);
      expect(activeMrkdwn(out), out).toBeUndefined();
    }
  });

  it('shows an unpaired backtick as a lookalike and cuts within its budget', () => {
    expect(escapeAuthored('a `b')).toBe('a ˋb');
    const long = `${'Publish `x` at *y*.\n'.repeat(100)}end`;
    const cut = authoredWithin(long, 300);
    expect(cut.length).toBeLessThanOrEqual(300);
    expect(cut).toMatch(/… \(\d+ more characters\)$/);
    expect(activeMrkdwn(cut)).toBeUndefined();
  });

  it('renders a finding with a multi-line fix as lines in Slack, not ⏎', () => {
    const finding = makeFinding('dns', 'dkim', {
      status: 'fail',
      title: 'Easy DKIM',
      summary: 'two CNAMEs are missing',
      explanation: 'SES signs with the keys these CNAMEs point to.',
      fix: 'Create these CNAME records exactly:\n`a._domainkey.x.example CNAME a.dkim.amazonses.com`\n`b._domainkey.x.example CNAME b.dkim.amazonses.com`',
    });
    const lines = findingText(finding).split('\n');
    expect(lines).toContain('*Fix:* Create these CNAME records exactly:');
    expect(lines).toContain('`a._domainkey.x.example CNAME a.dkim.amazonses.com`');
    expect(findingText(finding)).not.toContain('⏎');
  });
});
