import { describe, expect, it } from 'vitest';
import { extractFromThread, normalizeSlackText } from '../../src/knowledge/ticket-text.js';

/** The canonical scenario, as Slack delivers it (entities, links, a code block and a quote). */
const CANONICAL_THREAD = [
  'Customer says three emails sent as <mailto:admin@acme-widgets.example|admin@acme-widgets.example> to <mailto:alice@customer.example|alice@customer.example> never arrived.',
  'They use Gmail "Send mail as" through <http://email-smtp.us-east-1.amazonaws.com|email-smtp.us-east-1.amazonaws.com> port 587, username AKIAIOSFODNN7EXAMPLE. Gmail shows:\n```Authentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"```',
  '&gt; An earlier message bounced with:\n&gt; Remote Server returned \'550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT015.eop-nam12.prod.protection.outlook.com]\'',
  'SES message id: 0100018f3b2c4d5e-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000',
];

describe('normalizeSlackText', () => {
  it('keeps link targets, drops markup and decodes entities', () => {
    expect(normalizeSlackText('<mailto:a@b.example|a@b.example> &lt;c@d.example&gt; <http://x.example|x.example> <@U123>')).toBe('a@b.example <c@d.example> http://x.example  ');
    expect(normalizeSlackText('> quoted\n```code```')).toBe('quoted\n\ncode\n');
  });
});

describe('extractFromThread', () => {
  it('builds the canonical two-layer target with evidence and reasons', () => {
    const result = extractFromThread(CANONICAL_THREAD);
    expect(result.recognised).toBe(true);
    expect(result.target).toMatchObject({
      senderDomain: 'acme-widgets.example',
      senderAddress: 'admin@acme-widgets.example',
      recipients: ['alice@customer.example'],
      regions: ['us-east-1'],
      smtpUsers: ['AKIAIOSFODNN7EXAMPLE'],
      messageIds: ['0100018f3b2c4d5e-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000'],
    });
    const byLayer = Object.fromEntries(result.replies.map((reply) => [reply.layer, reply]));
    expect(byLayer.relay).toMatchObject({ replyCode: '535', provider: 'Amazon SES', category: 'relay-credentials-invalid', ruleId: 'ses.smtp-credentials-invalid' });
    expect(byLayer.recipient).toMatchObject({ status: '5.4.1', provider: 'Exchange Online', category: 'recipient-unknown', recipient: 'alice@customer.example' });
    expect(result.target?.replies).toHaveLength(2);
    expect(result.notes.some((note) => note.startsWith('Sender admin@acme-widgets.example chosen because'))).toBe(true);
    expect(result.notes.some((note) => note.startsWith('Recipient:') && note.includes('alice@customer.example'))).toBe(true);
  });

  it('takes the recipient from an NDR and the sender from a From line', () => {
    const result = extractFromThread([
      'From: Ops <ops@shop.example>\nTo: bob@client.example\nSubject: order',
      'Final-Recipient: rfc822; bob@client.example\nDiagnostic-Code: smtp; 550 5.1.1 <bob@client.example>: Recipient address rejected: User unknown',
    ]);
    expect(result.target?.senderDomain).toBe('shop.example');
    expect(result.recipients).toEqual(['bob@client.example']);
    expect(result.replies[0]).toMatchObject({ recipient: 'bob@client.example', reason: 'userunknown' });
  });

  it('ignores infrastructure addresses and flags temporary keys', () => {
    const result = extractFromThread(['Bounce from MAILER-DAEMON@amazonses.com; we sent as info@acme.example with ASIAIOSFODNN7EXAMPLE']);
    expect(result.target?.senderDomain).toBe('acme.example');
    expect(result.recipients).toEqual([]);
    expect(result.smtpUsers).toEqual([]);
    expect(result.notes.some((note) => note.includes('temporary (STS)'))).toBe(true);
  });
});
