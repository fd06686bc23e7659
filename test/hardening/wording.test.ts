/** Issue 12, smaller items: one wording for every loser of an approval race; the bot is never a broken mention. */
import { describe, expect, it } from 'vitest';
import { alreadyDecidedText } from '../../src/remediation/policy.js';

describe('alreadyDecidedText', () => {
  it('names the bot in words, never as <@system>', () => {
    expect(alreadyDecidedText({ state: 'expired', decidedBy: 'system' })).toBe('This request is already expired (by maildiag itself).');
  });

  it('one message for both ways of losing the race on an executing request', () => {
    expect(alreadyDecidedText({ state: 'executing', decidedBy: 'U0APPROVER' })).toBe('This request is already executing (by <@U0APPROVER>); it runs once.');
    expect(alreadyDecidedText(undefined)).toBe('This request is already decided.');
  });
});
