/**
 * mrkdwn escaping and truncation. Everything that comes from users, DNS or AWS passes
 * through `escapeMrkdwn` before it reaches a message, so a TXT record or a pasted line can
 * never become `<!channel>`, a user mention or a forged `<https://...|link>`.
 */
import { oneLine } from '../../core/sanitize.js';

/**
 * One value for mrkdwn. Slack's control characters are exactly &, < and > (docs: "Escaping
 * text"); besides those, what an untrusted value could use to reshape a report is neutralised:
 * line breaks are shown as ` ⏎ ` (a value can never start a line of its own, such as a forged
 * ":white_check_mark: *Relay: all checks passed*"), runs of three backticks become U+02CB
 * (a value can never open or close a code block), and control characters and bidi overrides
 * are shown as escapes (core/sanitize).
 */
export function escapeMrkdwn(text: string): string {
  return (
    oneLine(text)
      .replace(/`{3,}/g, (run) => 'ˋ'.repeat(run.length))
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // Plain "@channel" does not notify in bot messages, but a word joiner makes sure no
      // client or future parse mode turns it into a broadcast.
      .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1')
  );
}

/** Cuts `text` to at most `max` characters, saying how many were left out. Works on raw text. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` … (${text.length - max} more characters)`;
  const keep = Math.max(0, max - note.length);
  return `${text.slice(0, keep)}${note}`;
}

/**
 * Escapes `text` and cuts it so the escaped result has at most `max` characters (escaping
 * can grow text fivefold: `&` becomes `&amp;`), saying how many raw characters were left out.
 */
export function escapeWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  const budget = Math.max(0, max - 32);
  let used = 0;
  let cut = 0;
  for (const char of text) {
    const size = escapeMrkdwn(char).length;
    if (used + size > budget) break;
    used += size;
    cut += char.length;
  }
  return `${escapeMrkdwn(text.slice(0, cut))} … (${text.length - cut} more characters)`;
}

/**
 * Inline code for an untrusted value: escaped, on one line, without backticks (a backtick
 * would close the code span early), cut so no entity is split and the result fits `max`.
 */
export function inlineCode(value: string, max: number): string {
  const single = value.replace(/\r?\n/g, ' ⏎ ').replace(/`/g, 'ˋ');
  return `\`${escapeWithin(single, max)}\``;
}

/**
 * Truncates already-rendered mrkdwn to `max` characters without splitting an entity
 * (`&amp;`) or leaving a code span open. Used as the last guard on a section's text.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = '\n… (truncated: the rest is in the JSON report, `maildiag --json`)';
  let cut = text.slice(0, Math.max(0, max - note.length - 1));
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  if ((cut.match(/`/g)?.length ?? 0) % 2 === 1) cut += '`';
  return `${cut}${note}`;
}
