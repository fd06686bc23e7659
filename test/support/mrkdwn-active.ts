/**
 * A conservative model of what Slack acts on in mrkdwn text, for the escaper tests and the
 * fuzz suite: returns what would be active in `text`, or undefined. Outside code spans: the
 * formatting characters `* _ ~` and backticks (bold, italic, strike, code), `<` and `>` (links,
 * mentions, `<!channel>`), a bare `&` (a forged entity), an unbroken `@channel`/`@here`/
 * `@everyone`, a block quote at a line start (`&gt;`), and control characters; inside a code
 * span only `<`, `>`, a bare `&` and control characters count (Slack formats nothing there).
 * Code spans are ours: a backtick pair on one line with something between.
 */
import { hasActiveControl } from '../../src/core/sanitize.js';

const CODE_SPAN = /`([^`\n]+)`/g;

export function activeMrkdwn(text: string): string | undefined {
  if (hasActiveControl(text)) return 'a control character';
  for (const [, inside = ''] of text.matchAll(CODE_SPAN)) {
    if (/[<>]/.test(inside)) return `< or > inside a code span: ${inside}`;
    if (/&(?!amp;|lt;|gt;)/.test(inside)) return `a bare & inside a code span: ${inside}`;
  }
  const outside = text.replace(CODE_SPAN, ' ');
  const formatting = /[*_~`]/.exec(outside);
  if (formatting) return `the formatting character ${formatting[0]} outside code spans`;
  if (/[<>]/.test(outside)) return '< or > outside code spans';
  if (/&(?!amp;|lt;|gt;)/.test(outside)) return 'a bare &';
  if (/@(channel|here|everyone)\b/i.test(outside)) return 'a broadcast word';
  if (/^\s*&gt;/m.test(outside)) return 'a block quote';
  return undefined;
}
