/**
 * Markdown injection, structurally (issue 15). A report whose every outside value is hostile
 * (TXT records with `[x](http://evil)`, `<img src=x>`, backticks, pipes, newlines, `*`, `_`,
 * autolinks, mentions, fences, link reference definitions, entities) must render to the same
 * Markdown *structure* as its twin whose values are plain words: the same lines, the same block
 * starts, the same fences, the same table cells, and outside the fences the same sequence of
 * unescaped markup characters. Whatever CommonMark/GFM makes of the twin (no link, image, HTML,
 * extra cell), it makes of the hostile report, with the hostile text as literal characters.
 *
 * Two readings: the few rules that decide structure (lines, block starts, fences, cells), and a
 * real CommonMark/GFM lexer (marked, a dev dependency) whose tokens must be the twin's;
 * render-markdown.test.ts holds the string checks per construct.
 */
import { describe, expect, it } from 'vitest';
import { MARKDOWN_STATUS, renderReportMarkdown, renderRepliesMarkdown } from '../../src/cli/render-markdown.js';
import { type Finding, LAYERS, makeFinding, STATUSES } from '../../src/core/finding.js';
import type { InterpretedReply } from '../../src/core/replies.js';
import { buildReport, type Report } from '../../src/core/report.js';
import { emptyTarget } from '../../src/core/target.js';

/** What DNS, AWS, a bounce or a user can put in a value. */
const HOSTILE_VALUES = [
  'v=spf1 include:[x](http://evil.example/a) -all',
  '![pixel](http://evil.example/p.png) <img src=x onerror=alert(1)>',
  '`code` ``double`` ```fence``` ~~~tilde~~~',
  'a | b || c \\| d',
  'line one\nline two\r\n# heading\n> quote\n- item\n1. item\n---\n<div>block</div>',
  '*em* **strong** _em_ __strong__ ~~strike~~ $math$',
  '<https://evil.example> https://evil.example www.evil.example alice@evil.example',
  '@channel @here <!channel> #1234 :emoji:',
  '[ref]: https://evil.example "title"',
  '&lt;script&gt;alert(1)&lt;/script&gt; &#60;b&#62; &amp;',
  'trailing backslash \\',
  '\\[not a link\\](x) \\\\',
  '\u001b[31mred\u0007 \u202Ereversed\u2066',
];
const HOSTILE = HOSTILE_VALUES.join(' ');

/** A value: the hostile one, or its plain twin (same length class, no markup at all). */
type Value = (hostile: string) => string;
const hostileValue: Value = (hostile) => hostile;
const plainValue: Value = () => 'plain words';

function findings(v: Value): Finding[] {
  const out: Finding[] = [];
  for (const layer of LAYERS) {
    for (const status of STATUSES) {
      out.push(
        makeFinding(layer, `check-${status}`, {
          status,
          title: v(`Title ${HOSTILE_VALUES[0]}`),
          summary: v(`Summary ${HOSTILE}`),
          evidence: [
            // No label: the later values start two spaces in, where a fence would count.
            { label: '', value: [v('first'), v('```'), v('````'), v('~~~')], code: true },
            { label: v('TXT customer.example'), value: v(HOSTILE), code: true },
            { label: v('reply'), value: [v(HOSTILE_VALUES[2] ?? ''), v('```'), v('    ```html'), v('~~~'), v(HOSTILE_VALUES[4] ?? '')], code: true },
          ],
          explanation: v(`Why ${HOSTILE}`),
          fix: status === 'pass' ? '' : v(`Fix ${HOSTILE}`),
        }),
      );
    }
  }
  return out;
}

function reply(v: Value, layer: InterpretedReply['layer'], raw = `550 5.1.1 ${HOSTILE}`): InterpretedReply {
  return {
    raw: v(raw),
    recipient: v('alice|bob@recipient.example'),
    replyCode: v('550'),
    status: v('5.1.1 | <b>'),
    provider: v('Exchange [Online](http://evil.example)'),
    category: v('recipient-unknown *x*'),
    layer,
    reason: 'userunknown',
    confidence: 0.9,
    explanation: v(`Explanation ${HOSTILE}`),
    fix: v(`Fix ${HOSTILE}`),
    ruleId: 'test',
    reportedBy: v('Gmail <b>'),
  };
}

function report(v: Value): Report {
  const target = {
    ...emptyTarget('customer.example'),
    recipients: [v('alice@recipient.example'), v('[x](http://evil.example)@b.example'), v('bob@recipient.example'), v('carol@recipient.example')],
    smtpUsers: ['AKIAEXAMPLEEXAMPLE00'],
    notes: [v(`note ${HOSTILE}`), v('note two | x'), v('note three\n# h')],
    replies: [reply(v, 'relay'), reply(v, 'recipient')],
  };
  return buildReport({
    runId: 'run-md-hostile',
    target,
    findings: findings(v),
    startedAt: new Date('2026-03-02T10:00:00Z'),
    durationMs: 42,
    counters: { dnsQueries: 1, dnsQueriesDistinct: 1, awsCalls: 0, awsCallsDistinct: 0 },
  });
}

/** A fence line (CommonMark 4.5): up to three spaces, then three or more backticks or tildes. */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** The characters that open or close inline markup in CommonMark and GFM, when not backslash-escaped. */
/** (`!`, `(` and `)` make an image or a link only next to an unescaped `[` or `]`, which this counts.) */
const INLINE_ACTIVE = new Set(['`', '*', '_', '[', ']', '<', '>', '|', '~', '$', '@', '\\']);
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

interface Shape {
  lines: number;
  /** Per line: `fence`, `in-fence`, or the line's block start and its unescaped inline markup. */
  skeleton: string[];
}

/** The structure CommonMark/GFM reads from a document, with the literal text left out. */
function shape(markdown: string): Shape {
  const lines = markdown.split('\n');
  const skeleton: string[] = [];
  let open: string | undefined;
  for (const line of lines) {
    const fence = FENCE.exec(line);
    if (open !== undefined) {
      // Inside a fence only a closing fence counts: the same character, at least as long, nothing after.
      if (fence && fence[1]![0] === open[0] && fence[1]!.length >= open.length && line.trim() === fence[1]) {
        skeleton.push('fence-close');
        open = undefined;
      } else skeleton.push('in-fence');
      continue;
    }
    if (fence) {
      open = fence[1];
      skeleton.push(`fence-open ${line.trim()}`);
      continue;
    }
    // How the line starts decides its block: heading, quote, list, thematic break, HTML block,
    // link reference definition, table row, setext underline, indented code.
    const start = /^( {4,}|\s*(?:#{1,6}(?:\s|$)|>|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|<|\[|\||[=-]+\s*$))?/.exec(line)?.[0] ?? '';
    let inline = '';
    for (let i = 0; i < line.length; i += 1) {
      const char = line[i]!;
      if (char === '\\' && i + 1 < line.length && ASCII_PUNCTUATION.test(line[i + 1]!)) {
        i += 1; // an escaped character is literal text
        continue;
      }
      if (INLINE_ACTIVE.has(char)) inline += char;
      // An entity reference decodes to a character, never to markup; only the ones the escaper writes may appear.
      if (char === '&') inline += /^&(?:amp|lt|gt);/.test(line.slice(i)) ? '' : '&?';
    }
    skeleton.push(`${start.replace(/\S.*/, (s) => s[0] ?? '')}|${inline}`);
  }
  expect(open, 'every fence is closed').toBeUndefined();
  return { lines: lines.length, skeleton };
}

/** What GFM would autolink in literal text: URLs, www. names and e-mail addresses (outside fences). */
function autolinkable(markdown: string): string[] {
  const prose = markdown.split(/^```[^\n]*\n[\s\S]*?\n```$/m).join('\n');
  // Backslash escapes are text to a reader but break the autolink scan (a `\:` or `\@` is a separate text node).
  return [...prose.matchAll(/(?<![\\\w])(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<]*|[\w.+-]+(?<!\\)@[\w-]+\.[\w.-]+/gi)].map((m) => m[0]);
}

describe('hostile values cannot change the Markdown structure', () => {
  it('a report: same lines, block starts, fences, table cells and unescaped markup as its plain twin', () => {
    const plain = renderReportMarkdown(report(plainValue));
    const hostile = renderReportMarkdown(report(hostileValue));
    expect(hostile).not.toBe(plain);
    const [a, b] = [shape(plain), shape(hostile)];
    expect(b.lines).toBe(a.lines);
    for (const [index, line] of b.skeleton.entries()) expect(line, `line ${index + 1}: ${hostile.split('\n')[index]}`).toBe(a.skeleton[index]);

    // Every status of every layer is in a table, and every row has exactly three cells.
    for (const status of STATUSES) expect(hostile).toContain(`| ${MARKDOWN_STATUS[status]} | `);
    const rows = hostile.split('\n').filter((line) => line.startsWith('| '));
    expect(rows.length).toBe(LAYERS.length * (STATUSES.length + 1));
    for (const row of rows) expect(row.match(/(?<!\\)(?:\\\\)*\|/g), row).toHaveLength(4);

    // No autolink, and the hostile words are all still there for a reader, as text.
    expect(autolinkable(plain)).toEqual([]);
    expect(autolinkable(hostile)).toEqual([]);
    expect(hostile).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(hostile).toContain('\\[x\\](http\\://evil.example/a)');
  });

  it('classify --format markdown: the same for interpreted replies', () => {
    const [plain, hostile] = [plainValue, hostileValue].map((v) => renderRepliesMarkdown([reply(v, 'recipient'), reply(v, 'relay', '```')], [v(`note ${HOSTILE}`)]));
    const [a, b] = [shape(plain!), shape(hostile!)];
    expect(b.lines).toBe(a.lines);
    for (const [index, line] of b.skeleton.entries()) expect(line, `line ${index + 1}: ${hostile!.split('\n')[index]}`).toBe(a.skeleton[index]);
    for (const row of hostile!.split('\n').filter((line) => line.startsWith('| '))) expect(row.match(/(?<!\\)(?:\\\\)*\|/g), row).toHaveLength(7);
    expect(autolinkable(hostile!)).toEqual([]);
  });

  it('the reading is strict enough to see an injection: one unescaped value changes the shape', () => {
    const plain = renderReportMarkdown(report(plainValue));
    for (const injected of ['[x](http://evil.example)', '<img src=x>', 'a | b', '`code`', '*em*', '_em_', 'line\n# heading']) {
      const raw = plain.replace('plain words', injected);
      const [a, b] = [shape(plain), shape(raw)];
      expect(b.skeleton.join('\n') === a.skeleton.join('\n') && b.lines === a.lines, injected).toBe(false);
    }
    expect(autolinkable('see https://evil.example and alice@evil.example')).toHaveLength(2);
  });
});

describe('rendered by a CommonMark/GFM parser (marked)', () => {
  type Token = { type: string; tokens?: Token[]; items?: Token[]; header?: Array<{ tokens: Token[] }>; rows?: Array<Array<{ tokens: Token[] }>> };
  /** Every token below the top, depth first, without the text-level ones whose count follows the text's length. */
  const TEXT_LEVEL = new Set(['text', 'escape', 'space']);
  function structure(tokens: Token[], out: string[] = []): string[] {
    for (const token of tokens) {
      if (!TEXT_LEVEL.has(token.type)) out.push(token.type);
      structure(token.tokens ?? [], out);
      structure(token.items ?? [], out);
      for (const cell of token.header ?? []) structure(cell.tokens, out);
      for (const row of token.rows ?? []) for (const cell of row) structure(cell.tokens, out);
      if (token.rows) out.push(`rows:${token.rows.length}x${token.header?.length ?? 0}`);
    }
    return out;
  }
  const lex = async (markdown: string): Promise<Token[]> => {
    const { Lexer } = await import('marked');
    return new Lexer({ gfm: true }).lex(markdown) as unknown as Token[];
  };
  const parse = async (markdown: string): Promise<string[]> => structure(await lex(markdown));
  /** The text of every table cell (GFM drops cells past the header's count, so a split shows here). */
  const cellTexts = async (markdown: string): Promise<string[]> =>
    (await lex(markdown)).flatMap((token) => (token.rows ?? []).flatMap((row) => row.map((cell) => (cell as unknown as { text: string }).text)));

  it('a hostile report parses to the same tokens as its plain twin: no link, image, HTML or extra cell', async () => {
    const [plain, hostile] = await Promise.all([parse(renderReportMarkdown(report(plainValue))), parse(renderReportMarkdown(report(hostileValue)))]);
    for (const forbidden of ['link', 'image', 'html']) expect(hostile.filter((type) => type === forbidden), forbidden).toEqual(plain.filter((type) => type === forbidden));
    expect(hostile).toEqual(plain);
    // A pipe in a value stays inside its cell.
    const cells = await cellTexts(renderReportMarkdown(report(hostileValue)));
    expect(cells.some((text) => text.includes('a | b || c'))).toBe(true);
  });

  it('classify --format markdown: the same for interpreted replies', async () => {
    const [plain, hostile] = await Promise.all(
      [plainValue, hostileValue].map((v) => parse(renderRepliesMarkdown([reply(v, 'recipient'), reply(v, 'relay', '```')], [v(`note ${HOSTILE}`)]))),
    );
    expect(hostile).toEqual(plain);
  });

  it('the parser sees an injection: one unescaped value changes the tokens', async () => {
    const plain = renderReportMarkdown(report(plainValue));
    const tokens = await parse(plain);
    for (const injected of ['[x](http://evil.example)', '<img src=x>', '`code`', '*em*', 'www.evil.example', 'line\n# heading']) {
      expect(await parse(plain.replace('plain words', injected)), injected).not.toEqual(tokens);
    }
    // An unescaped pipe in a row splits the cell: its text is cut.
    const split = plain.replace(/^(\| .*?)plain words/m, '$1a | b');
    expect((await cellTexts(split)).some((text) => text.includes('a | b'))).toBe(false);
    expect((await cellTexts(split)).some((text) => text.startsWith('a'))).toBe(true);
  });
});
