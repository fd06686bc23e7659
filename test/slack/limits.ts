/** Assertions shared by the Slack tests: every posted message respects Block Kit limits. */
import { expect } from 'vitest';
import { type Block, blockTextLength, LIMITS } from '../../src/slack/render/blocks.js';

export function expectWithinLimits(blocks: readonly Block[]): void {
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  expect(blockTextLength(blocks)).toBeLessThanOrEqual(LIMITS.messageTextBudget);
  for (const block of blocks) {
    if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    if (block.type === 'actions') for (const element of block.elements) expect(element.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
  }
}

/** All mrkdwn text of a message's blocks, joined. */
export function blocksText(blocks: readonly Block[]): string {
  return blocks
    .map((block) => {
      if (block.type === 'section' || block.type === 'header') return block.text.text;
      if (block.type === 'context') return block.elements.map((e) => e.text).join('\n');
      if (block.type === 'actions') return block.elements.map((e) => e.text.text).join(' ');
      return '';
    })
    .join('\n');
}
