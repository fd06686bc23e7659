/**
 * Reads a format's per-recipient blocks (formats/types.ts BlockSpec) from the human-readable
 * part of a notice: the address line, then the lines that carry its reason. Bounded: at most
 * MAX_BLOCKS recipients, each reason capped, lines capped; the patterns are the modules' own.
 */
import type { BlockSpec } from './formats/types.js';

export const MAX_BLOCKS = 100;
const MAX_TEXT = 1200;
const MAX_LINE = 2000;

export interface RecipientBlock {
  recipient: string;
  text: string;
}

const ADDRESS = /^[^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}$/;

export function readBlocks(text: string, spec: BlockSpec): RecipientBlock[] {
  const lines = text.split('\n');
  let index = 0;
  if (spec.start) {
    index = lines.findIndex((line) => spec.start?.test(line.slice(0, MAX_LINE)));
    if (index < 0) return [];
    // The start line may itself introduce the first recipient (`... to <a>.`).
    if (!spec.recipient.test((lines[index] ?? '').slice(0, MAX_LINE))) index++;
  }
  const continuation = spec.continuation ?? /^\s{2,}\S/;
  const blocks: RecipientBlock[] = [];
  const lead: string[] = [];
  let current: RecipientBlock | undefined;
  for (; index < lines.length && blocks.length < MAX_BLOCKS; index++) {
    const line = (lines[index] ?? '').slice(0, MAX_LINE);
    if (spec.end?.test(line)) break;
    const match = spec.recipient.exec(line);
    const address = (spec.textFirst ? match?.[2] : match?.[1])?.trim();
    if (match && address && ADDRESS.test(address)) {
      const own = ((spec.textFirst ? match[1] : match[2]) ?? '').trim();
      current = { recipient: address, text: spec.leadIsReason ? [...lead, own].join(' ').trim() : own };
      blocks.push(current);
      continue;
    }
    if (line.trim() === '') continue;
    if (!current) {
      if (spec.leadIsReason && lead.join(' ').length < MAX_TEXT) lead.push(line.trim());
      continue;
    }
    if (continuation.test(line) && current.text.length < MAX_TEXT) current.text = `${current.text} ${line.trim()}`.trim().slice(0, MAX_TEXT);
  }
  return blocks;
}
