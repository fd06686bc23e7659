import { describe, expect, it } from 'vitest';
import { interpretBounce } from '../../src/knowledge/bounce/classify.js';
import { parseBounce } from '../../src/knowledge/bounce/parse.js';

/** A multipart/report DSN with two recipients and a quoted-printable, folded Diagnostic-Code. */
const MULTIPART_DSN = [
  'From: MAILER-DAEMON@a1-2.smtp-out.us-east-1.amazonses.com',
  'To: admin@acme.example',
  'Subject: Delivery Status Notification (Failure)',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
  '',
  '--BOUNDARY',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'An error occurred while trying to deliver the mail to the following recipients:',
  'alice@customer.example',
  'bob@customer.example',
  '',
  '--BOUNDARY',
  'Content-Type: message/delivery-status',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Reporting-MTA: dns; a1-2.smtp-out.us-east-1.amazonses.com',
  '',
  'Final-Recipient: rfc822; alice@customer.example',
  'Action: failed',
  'Status: 5.4.1',
  'Remote-MTA: dns; customer-example.mail.protection.outlook.com',
  'Diagnostic-Code: smtp; 550 5.4.1 Recipient address rejected: Access denied. AS(2=',
  '01806281) [DM6NAM12FT034.eop-nam12.prod.protection.outlook.com]',
  '',
  'Final-Recipient: rfc822; bob@customer.example',
  'Action: failed',
  'Status: 5.2.2',
  'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
  '',
  '--BOUNDARY',
  'Content-Type: message/rfc822',
  '',
  'From: admin@acme.example',
  'To: alice@customer.example',
  'Subject: hello',
  '',
  '550 5.1.1 this line is in the original message and must not be read',
  '--BOUNDARY--',
  '',
].join('\r\n');

describe('parseBounce', () => {
  it('reads each recipient of a multipart DSN, decoding quoted-printable soft breaks', async () => {
    const parsed = await parseBounce(Buffer.from(MULTIPART_DSN));
    expect(parsed.fragments).toHaveLength(2);
    expect(parsed.fragments[0]).toMatchObject({
      recipient: 'alice@customer.example',
      replyCode: '550',
      status: '5.4.1',
      action: 'failed',
      remoteHost: 'customer-example.mail.protection.outlook.com',
      origin: 'delivery-status',
    });
    expect(parsed.fragments[0]?.text).toContain('AS(201806281)');
    expect(parsed.fragments[1]).toMatchObject({ recipient: 'bob@customer.example', status: '5.2.2' });
    expect(parsed.reportingHost).toBe('a1-2.smtp-out.us-east-1.amazonses.com');
  });

  it('interprets the DSN per recipient with provider and layer', async () => {
    const result = await interpretBounce(MULTIPART_DSN);
    expect(result.replies.map((reply) => [reply.recipient, reply.provider, reply.category, reply.layer])).toEqual([
      ['alice@customer.example', 'Exchange Online', 'recipient-unknown', 'recipient'],
      ['bob@customer.example', 'unknown', 'mailbox-full', 'recipient'],
    ]);
    expect(result.replies[0]?.ruleId).toBe('exo.5.4.1-dbeb-access-denied');
    expect(result.notes).toEqual([]);
  });

  it('reads a Postfix notice with a folded reply and the SMTP stage', async () => {
    const text = [
      'This is the mail system at host mail.acme.example.',
      '',
      '<carol@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1',
      '    <carol@example.org>... User Unknown (in reply to RCPT TO command)',
    ].join('\n');
    const parsed = await parseBounce(text);
    expect(parsed.fragments[0]).toMatchObject({ recipient: 'carol@example.org', remoteHost: 'mx.example.org', replyCode: '550', status: '5.1.1', command: 'RCPT' });
    expect(parsed.fragments[0]?.text).toContain('User Unknown');
  });

  it('joins a Google multi-line reply and drops the repeated code prefixes', async () => {
    const text = [
      '<bob@gmail.example>: host gmail-smtp-in.l.google.com[192.0.2.2] said:',
      '    550-5.7.26 Unauthenticated email from acme.example is not accepted due to',
      '    550-5.7.26 domain\'s DMARC policy. Please contact the administrator of',
      '    550 5.7.26 acme.example domain. - gsmtp (in reply to end of DATA command)',
    ].join('\n');
    const result = await interpretBounce(text);
    expect(result.replies).toHaveLength(1);
    expect(result.replies[0]).toMatchObject({ provider: 'Google', status: '5.7.26', reason: 'authfailure', layer: 'dns' });
    expect(result.replies[0]?.raw).not.toContain('550-5.7.26 domain');
  });

  it('reads an SES bounce notification (JSON) and names suppression', async () => {
    const json = JSON.stringify({
      notificationType: 'Bounce',
      bounce: { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList', bouncedRecipients: [{ emailAddress: 'alice@customer.example' }] },
    });
    const result = await interpretBounce(json);
    expect(result.replies[0]).toMatchObject({ recipient: 'alice@customer.example', category: 'suppressed', layer: 'suppression', reason: 'suppressed' });
  });
});
