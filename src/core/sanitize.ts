/**
 * Values from DNS, AWS, threads and bounces are untrusted text. Before any of them reaches a
 * terminal or a Slack message, control characters are made visible instead of acted on:
 * C0 controls (ESC starts terminal sequences: clear screen, window title, hidden text; CR
 * overwrites a line), DEL, C1 controls (CSI U+009B is a one-character ESC [), and the
 * bidirectional overrides, isolates and marks that reorder what a reader sees ("Trojan
 * Source"), plus the Unicode line and paragraph separators.
 *
 * They are shown as `\xHH` or `\uHHHH`, so a reader sees that the record holds them.
 */

/** Every character `escapeControls` rewrites (tab and line feed are the callers' choice). */
export const CONTROL_CHARACTERS = /(?![\t\n])\p{Cc}|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

function visible(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Control characters (except tab and line feed) as visible escapes. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL_CHARACTERS, visible);
}

/** One line: controls escaped, tabs as spaces, every line break shown as ` ⏎ `. */
export function oneLine(text: string): string {
  return escapeControls(text.replace(/\r\n|\r|\n|\u2028|\u2029/g, ' ⏎ ')).replace(/\t/g, ' ');
}

/** True when `text` still holds a character a terminal or a Slack client would act on. */
export function hasActiveControl(text: string): boolean {
  return new RegExp(CONTROL_CHARACTERS.source, 'u').test(text.replace(/[\t\n]/g, ''));
}
