/**
 * Stand-in for html-to-text inside mailparser (see ../defer-modules.ts): the real package
 * loads on the first call. mailparser imports `htmlToText` only.
 */
import { loadDeferred, parentOf } from '../defer-modules.js';

type HtmlToText = (html: string, options?: unknown) => string;
let real: { htmlToText: HtmlToText } | undefined;

export function htmlToText(html: string, options?: unknown): string {
  real ??= loadDeferred('html-to-text', parentOf(import.meta.url)) as { htmlToText: HtmlToText };
  return real.htmlToText(html, options);
}
