/**
 * mrkdwn escaping and truncation: the one place untrusted values (DNS, AWS, threads, bounces)
 * are made safe for a Slack message, so a TXT record or a pasted line can never become
 * `<!channel>`, a user mention, a forged `<https://...|link>`, a line of its own, a code block,
 * or a bold, italic, strike-through or code span around the report's own text.
 *
 * Slack has no escape for its formatting characters (its docs name only `&`, `<`, `>`), so
 * they are replaced by lookalikes that Slack does not parse: `*` → `∗` (U+2217), `_` → `ˍ`
 * (U+02CD), `~` → `∼` (U+223C), and a backtick → `ˋ` (U+02CB). Inside a code span nothing but
 * a backtick is active, so `inlineCode` keeps every other character as it is (copyable).
 */
import { oneLine } from '../../core/sanitize.js';

/** Slack's formatting characters and the lookalikes shown instead (outside code spans). */
export const MRKDWN_LOOKALIKES: Readonly<Record<string, string>> = { '*': '\u2217', _: '\u02cd', '~': '\u223c', '`': '\u02cb' };
const FORMATTING = /[*_~`]/g;

/** `& < >` as entities (Slack's control characters), and broadcast words defused. */
function escapeEntities(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // Plain "@channel" does not notify in bot messages, but a word joiner makes sure no
      // client or future parse mode turns it into a broadcast.
      .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1')
  );
}

/**
 * One value for mrkdwn text. Besides Slack's control characters (`& < >`, docs: "Escaping
 * text"), everything an untrusted value could use to reshape a report is neutralised: line
 * breaks are shown as ` ⏎ ` (a value can never start a line of its own, such as a forged
 * ":white_check_mark: *Relay: all checks passed*"), the formatting characters `* _ ~` and
 * backticks become lookalikes (a value can never open or close a bold, italic, strike or code
 * span, or a code block), and control characters and bidi overrides are shown as escapes
 * (core/sanitize). A leading `>` (a block quote where the value starts a line) becomes `›`.
 */
export function escapeMrkdwn(text: string): string {
  return escapeEntities(
    oneLine(text)
      .replace(FORMATTING, (char) => MRKDWN_LOOKALIKES[char] ?? char)
      // Where a value starts a line, a leading `>` would make it a block quote: U+203A instead.
      .replace(/^(\s*)>/, '$1\u203a'),
  );
}

/**
 * One value for the inside of a code span: on one line, backticks as `ˋ` (a backtick would
 * close the span early), `& < >` and controls escaped; `* _ ~` stay as they are, since Slack
 * does not format inside code.
 */
export function escapeCodeText(text: string): string {
  return escapeEntities(oneLine(text).replace(/`/g, MRKDWN_LOOKALIKES['`'] ?? 'ˋ'));
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
export function escapeWithin(text: string, max: number, escapeOne: (text: string) => string = escapeMrkdwn): string {
  const escaped = escapeOne(text);
  if (escaped.length <= max) return escaped;
  const budget = Math.max(0, max - 32);
  let used = 0;
  let cut = 0;
  for (const char of text) {
    const size = escapeOne(char).length;
    if (used + size > budget) break;
    used += size;
    cut += char.length;
  }
  return `${escapeOne(text.slice(0, cut))} … (${text.length - cut} more characters)`;
}

/**
 * Inline code for an untrusted value: on one line, without backticks (a backtick would close
 * the code span early), `& < >` escaped, cut so no entity is split and the result fits `max`.
 * Everything else is shown as it is, so the value can be copied. An empty value is `(empty)`.
 */
export function inlineCode(value: string, max: number): string {
  // Two backticks with nothing between are no code span: they could pair with a later one.
  if (value === '') return '(empty)';
  return `\`${escapeWithin(value, max, escapeCodeText)}\``;
}

/**
 * Text we wrote (a finding's explanation and fix) that may hold values from outside: its line
 * breaks are ours and kept as line breaks (a list of records to create shows as a list), and
 * its backtick pairs are ours and kept as code spans (a record to publish stays copyable).
 * Every line is then escaped like a value: outside the code spans by `escapeMrkdwn` (no
 * formatting, mention, link or control survives), inside them by `escapeCodeText`. A backtick
 * without a partner is shown as `ˋ`. An untrusted value with a backtick can only move where a
 * code span of ours starts or ends, never make anything active.
 */
export function escapeAuthored(text: string): string {
  return text
    .split(/\r\n|\r|\n|\u2028|\u2029/)
    .map((line) => {
      const parts = line.split('`');
      return parts
        .map((part, index) => {
          if (index % 2 === 0) return escapeMrkdwn(part);
          // An odd part is code when a closing backtick follows it (it is not the last part).
          if (index === parts.length - 1) return escapeMrkdwn(`\`${part}`);
          return part === '' ? '' : `\`${escapeCodeText(part)}\``;
        })
        .join('');
    })
    .join('\n');
}

/** `escapeAuthored`, cut so the result has at most `max` characters, saying how many raw characters were left out. */
export function authoredWithin(text: string, max: number): string {
  const whole = escapeAuthored(text);
  if (whole.length <= max) return whole;
  const fits = (cut: number): string | undefined => {
    const shown = `${escapeAuthored(text.slice(0, cut))} … (${text.length - cut} more characters)`;
    return shown.length <= max ? shown : undefined;
  };
  // The escaped length grows with the cut (give or take a code span's two backticks):
  // bisect, then step back until it fits.
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid) !== undefined) low = mid;
    else high = mid - 1;
  }
  for (let cut = low; cut >= 0; cut -= 1) {
    // Never split a surrogate pair.
    if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1] ?? '')) continue;
    const shown = fits(cut);
    if (shown !== undefined) return shown;
  }
  return '…';
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
