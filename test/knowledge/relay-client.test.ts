import { describe, expect, it } from 'vitest';
import { interpretReplies } from '../../src/knowledge/bounce/classify.js';

describe('the client that showed a relay reply', () => {
  it("names Gmail when the 535 comes in Gmail's \"Send mail as\" error box", () => {
    const [reply] = interpretReplies(
      'Authentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"',
    );
    expect(reply).toMatchObject({ provider: 'Amazon SES', layer: 'relay', replyCode: '535', reportedBy: 'Gmail' });
  });

  it('names no client for a bare reply line', () => {
    const [reply] = interpretReplies('535 Authentication Credentials Invalid');
    expect(reply?.layer).toBe('relay');
    expect(reply?.reportedBy).toBeUndefined();
  });

  it('never marks a recipient-side reply as relayed', () => {
    const replies = interpretReplies(
      'Please check your username/password. Server returned error: "550 5.1.1 The email account that you tried to reach does not exist"',
    );
    expect(replies.every((r) => r.layer === 'relay' || r.reportedBy === undefined)).toBe(true);
  });
});
