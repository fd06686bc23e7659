import { describe, expect, it } from 'vitest';
import { createClassifier, type WatchItem } from '../../src/watch/classify.js';
import { createGrouper, MAX_OPEN_GROUPS, OTHER_DOMAINS } from '../../src/watch/groups.js';
import { parseSesMessage } from '../../src/watch/ses-events.js';
import { bounceEvent, complaintEvent, deliveryDelayEvent, EXO_UNKNOWN_RECIPIENT, GMAIL_NO_SUCH_USER, MAILBOX_FULL, rejectEvent, renderingFailureEvent, YAHOO_DEFERRED } from '../support/ses-events.js';

const classifier = createClassifier();
const items = (event: Record<string, unknown>): WatchItem[] => {
  const parsed = parseSesMessage(JSON.stringify(event));
  if (!parsed.ok) throw new Error(parsed.reason);
  return classifier.classify(parsed.event);
};
const T0 = new Date('2026-03-02T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const WINDOW = 15 * 60_000;

describe('grouping by sender identity, recipient domain and category', () => {
  it('stays quiet for repeated bounces below the threshold once their category is known, and posts at the threshold', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 3 });
    // First window: the category is new for the sender, so it posts at once.
    const [first] = grouper.add(items(bounceEvent([{ emailAddress: 'a@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])), at(0));
    expect(first?.postReason).toBe('new-category');
    grouper.closeExpired(at(WINDOW));
    // Next window: known category, quiet until the threshold.
    const quiet = grouper.add(items(bounceEvent([{ emailAddress: 'b@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])), at(WINDOW + 1));
    expect(quiet[0]?.postReason).toBeUndefined();
    grouper.add(items(bounceEvent([{ emailAddress: 'c@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])), at(WINDOW + 2));
    const [third] = grouper.add(items(bounceEvent([{ emailAddress: 'd@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])), at(WINDOW + 3));
    expect(third?.count).toBe(3);
    expect(third?.postReason).toBe('threshold');
  });

  it('posts a new category for the same sender and domain at once, in its own group', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 100 });
    grouper.add(items(bounceEvent([{ emailAddress: 'a@gmail.com', diagnosticCode: GMAIL_NO_SUCH_USER }])), at(0));
    const [full] = grouper.add(items(bounceEvent([{ emailAddress: 'b@gmail.com', diagnosticCode: MAILBOX_FULL }], { bounceType: 'Transient', bounceSubType: 'MailboxFull' })), at(1));
    expect(full).toMatchObject({ category: 'mailbox-full', postReason: 'new-category', count: 1 });
    expect(grouper.open).toBe(2);
  });

  it('always posts complaints, rejects and rendering failures', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 1000 });
    for (const event of [complaintEvent(['a@yahoo.com']), rejectEvent(['a@x.example']), renderingFailureEvent()]) {
      grouper.add(items(event), at(0));
      grouper.closeExpired(at(WINDOW));
      const [again] = grouper.add(items(event), at(WINDOW + 1));
      expect(again?.postReason).toBe('always');
      grouper.closeExpired(at(2 * WINDOW + 2));
    }
  });

  it('delays are quiet below the threshold once known', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 2 });
    grouper.add(items(deliveryDelayEvent([{ emailAddress: 'a@yahoo.com', diagnosticCode: YAHOO_DEFERRED }])), at(0));
    grouper.closeExpired(at(WINDOW));
    const [quiet] = grouper.add(items(deliveryDelayEvent([{ emailAddress: 'b@yahoo.com', diagnosticCode: YAHOO_DEFERRED }])), at(WINDOW + 1));
    expect(quiet?.postReason).toBeUndefined();
    const [loud] = grouper.add(items(deliveryDelayEvent([{ emailAddress: 'c@yahoo.com', diagnosticCode: YAHOO_DEFERRED }])), at(WINDOW + 2));
    expect(loud?.postReason).toBe('threshold');
  });

  it('counts events, messages and addresses exactly, keeps a bounded sample, and lists suppressed addresses', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 1 });
    for (let i = 0; i < 200; i += 1) {
      grouper.add(items(bounceEvent([{ emailAddress: `u${i % 120}@recipient.example`, diagnosticCode: EXO_UNKNOWN_RECIPIENT }], { messageId: `m-${i % 150}` })), at(i));
    }
    const [group] = grouper.closeExpired(at(WINDOW + 1000));
    expect(group).toMatchObject({ count: 200, messages: 150, addressCount: 120, suppressedNowCount: 120 });
    expect(group?.addresses.size).toBe(50);
    expect(group?.typical.interpretation?.category).toBe('recipient-unknown');
  });

  it('opens a new group when the window has passed', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 1 });
    const [a] = grouper.add(items(complaintEvent(['a@yahoo.com'])), at(0));
    expect(grouper.closeExpired(at(WINDOW - 1))).toEqual([]);
    expect(grouper.closeExpired(at(WINDOW)).map((g) => g.id)).toEqual([a?.id]);
    const [b] = grouper.add(items(complaintEvent(['b@yahoo.com'])), at(WINDOW + 1));
    expect(b?.id).not.toBe(a?.id);
    expect(b?.count).toBe(1);
  });

  it('folds new recipient domains into one group per sender and category when too many groups are open', () => {
    const grouper = createGrouper({ windowMs: WINDOW, minBounces: 1 });
    for (let i = 0; i < MAX_OPEN_GROUPS + 500; i += 1) {
      grouper.add(items(bounceEvent([{ emailAddress: `a@d${i}.example`, diagnosticCode: GMAIL_NO_SUCH_USER }])), at(i));
    }
    expect(grouper.open).toBe(MAX_OPEN_GROUPS + 1);
    expect(grouper.folded).toBe(500);
    const groups = grouper.closeExpired(at(WINDOW * 2));
    expect(groups.find((g) => g.recipientDomain === OTHER_DOMAINS)?.count).toBe(500);
  });
});
