/**
 * The few Block Kit shapes maildiag uses, typed locally so renderers stay pure and
 * dependency-free (they are structurally compatible with @slack/types' KnownBlock), and a
 * builder that enforces Slack's limits while a message is assembled.
 */
import { truncateMrkdwn, truncateText } from './mrkdwn.js';

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  value: string;
  style?: 'primary' | 'danger';
}
export type Block =
  | { type: 'header'; text: PlainText; block_id?: string }
  | { type: 'section'; text: MrkdwnText; block_id?: string }
  | { type: 'context'; elements: MrkdwnText[]; block_id?: string }
  | { type: 'actions'; elements: ButtonElement[]; block_id?: string }
  | { type: 'divider'; block_id?: string };

/** A message ready for chat.postMessage / chat.update: notification text plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Slack's documented limits, and our own budget below the undocumented total. */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  contextText: 2000,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  /** `msg_blocks_too_long` appears around 12k characters of block text; stay well under. */
  messageTextBudget: 8000,
  /** The notification `text` fallback. */
  fallbackText: 3000,
} as const;

/** Total characters of text in a message's blocks (what `msg_blocks_too_long` measures). */
export function blockTextLength(blocks: readonly Block[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'section' || block.type === 'header') total += block.text.text.length;
    else if (block.type === 'context') for (const element of block.elements) total += element.text.length;
    else if (block.type === 'actions') for (const element of block.elements) total += element.text.text.length + element.value.length;
  }
  return total;
}

export function section(text: string, blockId?: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(text, LIMITS.sectionText) }, ...(blockId ? { block_id: blockId } : {}) };
}

export function header(text: string, blockId?: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncateText(text, LIMITS.headerText), emoji: true }, ...(blockId ? { block_id: blockId } : {}) };
}

export function context(text: string, blockId?: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncateMrkdwn(text, LIMITS.contextText) }], ...(blockId ? { block_id: blockId } : {}) };
}

/**
 * Adds blocks while both budgets hold; once one would break, the message ends with a line
 * saying how many items were left out. `reserve` keeps room for that line.
 */
export class MessageBuilder {
  readonly blocks: Block[] = [];
  private omitted = 0;

  constructor(
    private readonly maxBlocks: number = LIMITS.blocksPerMessage,
    private readonly textBudget: number = LIMITS.messageTextBudget,
  ) {}

  /** Adds a group of blocks that belong together (a finding and its button) or none of them. */
  tryAdd(group: readonly Block[]): boolean {
    const reserveBlocks = 1;
    const reserveText = 200;
    const fitsBlocks = this.blocks.length + group.length <= this.maxBlocks - reserveBlocks;
    const fitsText = blockTextLength(this.blocks) + blockTextLength(group) <= this.textBudget - reserveText;
    if (this.omitted === 0 && fitsBlocks && fitsText) {
      this.blocks.push(...group);
      return true;
    }
    this.omitted += 1;
    return false;
  }

  /** Adds the closing "left out" line (if anything was) and returns the blocks. */
  finish(omissionNote: (count: number) => string): Block[] {
    if (this.omitted > 0) this.blocks.push(context(omissionNote(this.omitted)));
    return this.blocks;
  }
}
