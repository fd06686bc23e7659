import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/watch/classify.js';
import { LEFT_FOR_DLQ, MAX_BODY_BYTES, parseSesMessage, type SesEvent } from '../../src/watch/ses-events.js';
import {
  bounceEvent,
  complaintEvent,
  deliveryDelayEvent,
  deliveryEvent,
  EXO_UNKNOWN_RECIPIENT,
  GMAIL_DMARC,
  rejectEvent,
  renderingFailureEvent,
  sendEvent,
  snsEnvelope,
  subscriptionEvent,
  YAHOO_DEFERRED,
} from '../support/ses-events.js';

const ok = (body: string): SesEvent => {
  const outcome = parseSesMessage(body);
  if (!outcome.ok) throw new Error(`expected an event, got ${outcome.reason}: ${outcome.detail}`);
  return outcome.event;
};

describe('parseSesMessage: both SES formats, with and without the SNS envelope', () => {
  const cases: Array<[string, Record<string, unknown>, SesEvent['type'], number]> = [
    ['identity notification Bounce', bounceEvent([{ emailAddress: 'alice@recipient.example', diagnosticCode: EXO_UNKNOWN_RECIPIENT }]), 'Bounce', 1],
    ['identity notification Complaint', complaintEvent(['bob@recipient.example']), 'Complaint', 1],
    ['identity notification Delivery', deliveryEvent(['carol@recipient.example', 'dan@recipient.example']), 'Delivery', 2],
    ['event publishing Bounce', bounceEvent([{ emailAddress: 'alice@recipient.example' }], { format: 'event' }), 'Bounce', 1],
    ['event publishing Complaint', complaintEvent(['bob@recipient.example'], { format: 'event' }), 'Complaint', 1],
    ['event publishing Delivery', deliveryEvent(['carol@recipient.example'], { format: 'event' }), 'Delivery', 1],
    ['event publishing Send', sendEvent(['carol@recipient.example']), 'Send', 1],
    ['event publishing Reject', rejectEvent(['carol@recipient.example']), 'Reject', 1],
    ['event publishing DeliveryDelay', deliveryDelayEvent([{ emailAddress: 'eve@yahoo.com', diagnosticCode: YAHOO_DEFERRED }]), 'DeliveryDelay', 1],
    ['event publishing Rendering Failure', renderingFailureEvent(), 'RenderingFailure', 1],
    ['event publishing Subscription', subscriptionEvent('frank@recipient.example'), 'Subscription', 1],
  ];
  for (const [name, event, type, recipients] of cases) {
    it(`${name}, bare and enveloped`, () => {
      const bare = ok(JSON.stringify(event));
      const wrapped = ok(snsEnvelope(event, `sns-${name}`));
      for (const parsed of [bare, wrapped]) {
        expect(parsed.type).toBe(type);
        expect(parsed.format).toBe('eventType' in event ? 'event' : 'notification');
        expect(parsed.mail.identity).toBe('customer.example');
        expect(parsed.mail.region).toBe('us-east-1');
        expect(parsed.recipients).toHaveLength(recipients);
      }
      expect(wrapped.dedupeId).toBe(`sns:sns-${name}`);
      expect(wrapped.dedupeBySns).toBe(true);
      expect(bare.dedupeId).toMatch(/^ses:[0-9a-f]{40}$/);
      // The same bare body is the same event: a redelivery has the same id.
      expect(ok(JSON.stringify(event)).dedupeId).toBe(bare.dedupeId);
    });
  }

  it('keeps the bounce details and the remote reply', () => {
    const event = ok(JSON.stringify(bounceEvent([{ emailAddress: 'Alice <ALICE@Recipient.Example>', diagnosticCode: EXO_UNKNOWN_RECIPIENT, status: '5.4.1' }])));
    expect(event.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'General' });
    expect(event.recipients[0]).toEqual({ address: 'alice@recipient.example', diagnosticCode: EXO_UNKNOWN_RECIPIENT, status: '5.4.1', action: 'failed' });
  });

  it('defines an outcome for every bad input, and never throws', () => {
    const cases: Array<[string, string, string]> = [
      ['truncated JSON', '{"notificationType":"Bounce","mail":{', 'not-json'],
      ['not JSON at all', 'hello', 'not-json'],
      ['JSON that is not SES', '{"hello":"world"}', 'not-ses'],
      ['a JSON array', '[1,2,3]', 'not-ses'],
      ['over 256 KB', `"${'a'.repeat(MAX_BODY_BYTES)}"`, 'too-large'],
      ['over 256 KB in multi-byte characters', `"${'é'.repeat(MAX_BODY_BYTES / 2 + 10)}"`, 'too-large'],
      ['unknown eventType', JSON.stringify({ ...sendEvent(['a@b.example']), eventType: 'Teleport' }), 'unknown-type'],
      ['SNS envelope around garbage', JSON.stringify({ Type: 'Notification', MessageId: 'm1', Message: '<<garbage>>' }), 'sns-not-json'],
      ['SNS envelope around non-SES JSON', JSON.stringify({ Type: 'Notification', MessageId: 'm2', Message: '{"a":1}' }), 'sns-not-ses'],
      ['SNS subscription confirmation', JSON.stringify({ Type: 'SubscriptionConfirmation', MessageId: 'm3', Message: 'confirm' }), 'sns-control'],
      ['a Bounce without its bounce object', JSON.stringify({ notificationType: 'Bounce', mail: { messageId: 'x', source: 'a@b.example', destination: [] } }), 'invalid-event'],
      ['a wrongly typed field', JSON.stringify(bounceEvent([{ emailAddress: 'a@b.example' }])).replace('"bounceType":"Permanent"', '"bounceType":7'), 'invalid-event'],
      ['mail without messageId', JSON.stringify({ notificationType: 'Delivery', mail: { source: 'a@b.example' }, delivery: {} }), 'invalid-event'],
    ];
    for (const [name, body, reason] of cases) {
      const outcome = parseSesMessage(body);
      expect(outcome.ok, name).toBe(false);
      if (!outcome.ok) expect(outcome.reason, name).toBe(reason);
    }
    // Envelope-level garbage keeps the SNS id for the logs.
    const garbage = parseSesMessage(JSON.stringify({ Type: 'Notification', MessageId: 'm1', Message: '<<garbage>>' }));
    expect(garbage.ok === false && garbage.snsMessageId).toBe('m1');
    // Unreadable bodies go to the DLQ; what is readable but unwanted is skipped.
    expect(LEFT_FOR_DLQ.has('not-json') && LEFT_FOR_DLQ.has('too-large') && LEFT_FOR_DLQ.has('sns-not-json')).toBe(true);
    expect(LEFT_FOR_DLQ.has('unknown-type') || LEFT_FOR_DLQ.has('sns-control')).toBe(false);
  });

  it('bounds what it keeps from a hostile event (recipient count, reply length)', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ emailAddress: `u${i}@recipient.example`, diagnosticCode: i === 0 ? `550 ${'x'.repeat(15_000)}` : '550 5.1.1 unknown' }));
    const event = ok(JSON.stringify(bounceEvent(many)));
    expect(event.recipients).toHaveLength(100);
    expect(event.recipients[0]?.diagnosticCode?.length).toBeLessThanOrEqual(2_000);
  });
});

describe('classification through the bounce knowledge', () => {
  it('reads bounce diagnostic codes with the bounce knowledge: category, provider, suppression', () => {
    const classifier = createClassifier();
    const items = classifier.classify(ok(JSON.stringify(bounceEvent([
      { emailAddress: 'alice@recipient.example', diagnosticCode: EXO_UNKNOWN_RECIPIENT },
      { emailAddress: 'bob@gmail.com', diagnosticCode: GMAIL_DMARC },
    ]))));
    expect(items.map((i) => [i.recipientDomain, i.category, i.interpretation?.provider, i.suppressedNow])).toEqual([
      ['recipient.example', 'recipient-unknown', 'Exchange Online', true],
      ['gmail.com', 'sender-authentication-failed', 'Google', true],
    ]);
  });

  it('names SES suppression and sub-type-only bounces without a reply', () => {
    const classifier = createClassifier();
    const [suppressed] = classifier.classify(ok(JSON.stringify(bounceEvent([{ emailAddress: 'a@recipient.example' }], { bounceSubType: 'OnAccountSuppressionList' }))));
    expect(suppressed).toMatchObject({ category: 'suppressed', alreadySuppressed: true, suppressedNow: false });
    const [full] = classifier.classify(ok(JSON.stringify(bounceEvent([{ emailAddress: 'a@recipient.example' }], { bounceType: 'Transient', bounceSubType: 'MailboxFull' }))));
    expect(full).toMatchObject({ category: 'mailbox-full', suppressedNow: false });
  });

  it('reads one reply once however many recipients repeat it', () => {
    let calls = 0;
    const classifier = createClassifier((text, recipient) => {
      calls += 1;
      return { raw: text, recipient, provider: 'Google', category: 'recipient-unknown', layer: 'recipient', reason: 'userunknown', confidence: 1, explanation: 'e', fix: 'f', ruleId: 'r' };
    });
    for (let i = 0; i < 50; i += 1) classifier.classify(ok(JSON.stringify(bounceEvent([{ emailAddress: `u${i}@gmail.com`, diagnosticCode: `550 5.1.1 <u${i}@gmail.com>: no such user` }]))));
    expect(calls).toBe(1);
  });

  it('groups rejects and rendering failures per sender, not per recipient; counts the rest only', () => {
    const classifier = createClassifier();
    expect(classifier.classify(ok(JSON.stringify(rejectEvent(['a@x.example', 'b@y.example'])))).map((i) => [i.kind, i.recipientDomain])).toEqual([['Reject', '*']]);
    expect(classifier.classify(ok(JSON.stringify(renderingFailureEvent({ templateName: 'Welcome' })))).map((i) => i.category)).toEqual(['Welcome']);
    expect(classifier.classify(ok(JSON.stringify(deliveryEvent(['a@x.example']))))).toEqual([]);
  });
});
