/**
 * Escaping for Markdown that is pasted into tickets (GitHub, GitLab, Jira/Zendesk Markdown
 * editors: CommonMark with the GFM table extension). Everything that comes from DNS, AWS or
 * users passes through here, so a TXT record cannot become a link, an image, HTML, a heading,
 * a table cell break or a code fence that swallows the rest of the report.
 */

/**
 * C0 and C1 control characters (except tab and line breaks, handled by the callers), DEL,
 * and the bidirectional overrides and isolates that reorder what a reader sees
 * ("Trojan Source"), shown as U+FFFD instead.
 */
const CONTROL = /(?![\t\n\r])\p{Cc}|[\u202a-\u202e\u2066-\u2069]/gu;

export function neutralizeControls(text: string): string {
  return text.replace(CONTROL, '\uFFFD');
}

/**
 * The ASCII punctuation that means something inline in CommonMark and GFM: code spans,
 * emphasis and strikethrough, link and image brackets, table cell breaks, GitHub math (`$`),
 * mentions (`@`) and issue references (`#`). A backslash makes each literal. Characters that
 * only matter at the start of a line (`-`, `+`, `1.`, `>`) need nothing: these values never
 * start one.
 */
const INLINE_MARKUP = /[\\`*_[\]#|~$@]/g;

/**
 * One line of inline Markdown: control characters replaced, line breaks shown as ` ⏎ `
 * (a line break would end a table row or start a new block), `&`, `<` and `>` as entities
 * (no HTML, no `<https://…>` autolink), inline markup backslash-escaped (no `[text](url)`,
 * `![image](url)`, emphasis, code spans or `|` cell breaks), and the `:` of `scheme://` and
 * the `.` of `www.` escaped, which keeps GFM from turning a URL in a record into a link.
 */
export function escapeMarkdownInline(text: string): string {
  return neutralizeControls(text)
    .replace(/\r\n|\r|\n/g, ' ⏎ ')
    .replace(/\t/g, ' ')
    .replace(INLINE_MARKUP, (char) => `\\${char}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Cuts raw text to at most `max` characters, saying how many were left out (before escaping). */
export function truncateRaw(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const note = ` … (${chars.length - max} more characters)`;
  return `${chars.slice(0, Math.max(0, max - note.length)).join('')}${note}`;
}

/** Escaped inline text of at most `max` raw characters. */
export function inlineWithin(text: string, max: number): string {
  return escapeMarkdownInline(truncateRaw(text, max));
}

/**
 * A fenced code block whose lines are shown verbatim. Inside a fence nothing is Markdown or
 * HTML, so only two things can escape it: a line that is itself a fence (three or more
 * backticks), and control characters. Runs of three or more backticks become U+02CB
 * (modifier letter grave accent, which looks the same), and control characters U+FFFD.
 */
export function fencedBlock(lines: readonly string[], info = 'text'): string {
  const safe = lines.flatMap((line) => line.split(/\r\n|\r|\n/)).map((line) => neutralizeControls(line.replace(/\t/g, '    ')).replace(/`{3,}/g, (run) => 'ˋ'.repeat(run.length)));
  return [`\`\`\`${info}`, ...safe, '```'].join('\n');
}
