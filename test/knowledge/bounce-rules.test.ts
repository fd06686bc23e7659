import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../src/core/finding.js';
import { interpretReplyText } from '../../src/knowledge/bounce/classify.js';
import { BOUNCE_RULES, CATEGORIES, SISIMAI_REASONS } from '../../src/knowledge/bounce/rules.js';

describe('rule table is well-formed', () => {
  it('has unique ids', () => {
    const ids = BOUNCE_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(BOUNCE_RULES.map((rule) => [rule.id, rule] as const))('%s has explanation, source, a valid layer and a mapped reason', (_id, rule) => {
    expect(rule.explanation.length).toBeGreaterThan(10);
    expect(rule.source.length).toBeGreaterThan(3);
    if (rule.category !== 'delivered') expect(rule.fix.length).toBeGreaterThan(10);
    expect(LAYERS).toContain(rule.layer);
    expect(CATEGORIES[rule.category]).toBeDefined();
    expect(rule.reason).toBe(CATEGORIES[rule.category].reason);
    expect(SISIMAI_REASONS).toContain(rule.reason);
    expect(rule.confidence).toBeGreaterThan(0);
    expect(rule.confidence).toBeLessThanOrEqual(1);
    expect(rule.replyCode ?? rule.status ?? rule.text ?? rule.provider).toBeDefined();
  });

  it('maps every category onto a sisimai reason and a layer', () => {
    for (const info of Object.values(CATEGORIES)) {
      expect(SISIMAI_REASONS).toContain(info.reason);
      expect(LAYERS).toContain(info.layer);
    }
  });

  it('puts provider rows before generic status rows, and those before class rows', () => {
    const firstIndex = (prefix: string): number => BOUNCE_RULES.findIndex((rule) => rule.id.startsWith(prefix));
    const lastIndex = (prefix: string): number => BOUNCE_RULES.map((rule) => rule.id.startsWith(prefix)).lastIndexOf(true);
    expect(lastIndex('exo.')).toBeLessThan(firstIndex('status.'));
    expect(lastIndex('google.')).toBeLessThan(firstIndex('status.'));
    expect(lastIndex('status.')).toBeLessThan(firstIndex('text.'));
    expect(lastIndex('text.')).toBeLessThan(firstIndex('class.'));
  });
});

interface Case {
  text: string;
  provider?: string;
  category: string;
  layer: string;
  reason: string;
  rule?: string;
}

const cases: Case[] = [
  // Amazon SES SMTP (the relay)
  { text: '535 Authentication Credentials Invalid', category: 'relay-credentials-invalid', layer: 'relay', reason: 'securityerror', rule: 'ses.smtp-credentials-invalid' },
  { text: 'Authentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"', category: 'relay-credentials-invalid', layer: 'relay', reason: 'securityerror', rule: 'ses.smtp-credentials-invalid' },
  { text: '530 Authentication required', category: 'relay-auth-required', layer: 'relay', reason: 'securityerror' },
  { text: '454 Throttling failure: Daily message quota exceeded.', category: 'ses-throttled', layer: 'ses', reason: 'toomanyconn' },
  { text: '454 Throttling failure: Maximum sending rate exceeded.', category: 'ses-throttled', layer: 'ses', reason: 'toomanyconn' },
  { text: '454 Temporary authentication failure', category: 'ses-temporary-failure', layer: 'ses', reason: 'systemerror' },
  { text: '554 Access denied: User arn:aws:iam::123456789012:user/smtp is not authorized to perform ses:SendRawEmail on resource arn:aws:ses:us-east-1:123456789012:identity/example.com', category: 'relay-not-authorized', layer: 'relay', reason: 'securityerror' },
  { text: '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: admin@example.com', category: 'ses-identity-not-verified', layer: 'ses', reason: 'norelaying' },
  { text: '454 Maximum SigV2 SMTP sending rate exceeded', category: 'relay-sigv2-credentials', layer: 'relay', reason: 'securityerror' },
  // Gmail's own login: provider decides over the bare code
  { text: '535-5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials - gsmtp', provider: 'Google', category: 'relay-login-failed', layer: 'relay', reason: 'securityerror', rule: 'google.535-5.7.8-login' },
  { text: '534-5.7.9 Application-specific password required. - gsmtp', provider: 'Google', category: 'relay-login-failed', layer: 'relay', reason: 'securityerror' },
  // Exchange Online
  { text: '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DM6NAM12FT034.eop-nam12.prod.protection.outlook.com]', category: 'recipient-unknown', layer: 'recipient', reason: 'userunknown', rule: 'exo.5.4.1-dbeb-access-denied' },
  { text: '550 5.4.1 Relay Access Denied [BN8NAM12FT003.eop-nam12.prod.protection.outlook.com]', category: 'recipient-domain-not-hosted', layer: 'recipient', reason: 'norelaying', rule: 'exo.5.4.1-relay-access-denied' },
  { text: '550 5.7.509 Access denied, sending domain [EXAMPLE.COM] does not pass DMARC verification and has a DMARC policy of reject.', category: 'sender-authentication-failed', layer: 'dns', reason: 'authfailure' },
  { text: '550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/', category: 'sending-ip-blocked', layer: 'ses', reason: 'blocked' },
  { text: '550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required [prod.outlook.com]', category: 'recipient-restricted', layer: 'recipient', reason: 'securityerror' },
  { text: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. [prod.outlook.com]', category: 'relay-login-failed', layer: 'relay', reason: 'securityerror' },
  { text: '451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS761) [protection.outlook.com]', category: 'rate-limited', layer: 'ses', reason: 'toomanyconn' },
  // Google as receiver
  { text: '550-5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy. - gsmtp', category: 'sender-authentication-failed', layer: 'dns', reason: 'authfailure' },
  { text: '550-5.7.27 The sender does not pass SPF. - gsmtp', provider: 'Google', category: 'sender-authentication-failed', layer: 'dns', reason: 'authfailure', rule: 'google.5.7.27-spf' },
  { text: '550-5.7.30 This message does not pass DKIM. - gsmtp', provider: 'Google', category: 'sender-authentication-failed', layer: 'dns', reason: 'authfailure', rule: 'google.5.7.30-dkim' },
  { text: '550-5.1.1 The email account that you tried to reach does not exist. - gsmtp', category: 'recipient-unknown', layer: 'recipient', reason: 'userunknown' },
  { text: '550-5.2.1 The email account that you tried to reach is disabled. - gsmtp', category: 'mailbox-disabled', layer: 'recipient', reason: 'suspend' },
  { text: '452-4.2.2 The email account that you tried to reach is over quota. - gsmtp', category: 'mailbox-full', layer: 'recipient', reason: 'mailboxfull' },
  { text: '550-5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address. - gsmtp', category: 'low-reputation', layer: 'ses', reason: 'badreputation' },
  { text: '421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp', category: 'rate-limited', layer: 'ses', reason: 'toomanyconn' },
  // Generic RFC 3463 / RFC 7372 and text rows
  { text: '550 5.1.1 <bob@example.org>... User Unknown', category: 'recipient-unknown', layer: 'recipient', reason: 'userunknown', rule: 'status.x.1.1-bad-mailbox' },
  { text: '552 5.2.2 Mailbox full', category: 'mailbox-full', layer: 'recipient', reason: 'mailboxfull' },
  { text: '552 5.3.4 Message too large', category: 'message-too-big', layer: 'recipient', reason: 'mesgtoobig' },
  { text: '550 5.7.25 Reverse DNS validation failed', category: 'ptr-required', layer: 'ses', reason: 'requireptr' },
  { text: '554 5.7.1 Client host rejected: blocked using zen.spamhaus.org', category: 'sending-ip-blocked', layer: 'ses', reason: 'blocked' },
  { text: '554 5.7.1 Your message was rejected due to example.com\'s DMARC policy.', category: 'sender-authentication-failed', layer: 'dns', reason: 'authfailure' },
  { text: '421 4.4.2 Connection timed out', category: 'delivery-expired', layer: 'recipient', reason: 'expired' },
  { text: '550 5.7.27 Sender address has null MX', category: 'sender-null-mx', layer: 'dns', reason: 'notaccept', rule: 'status.x.7.27-null-mx-sender' },
];

describe('interpretReplyText', () => {
  it.each(cases.map((c) => [c.text.slice(0, 70), c] as const))('%s', (_name, c) => {
    const reply = interpretReplyText(c.text, c.provider ? { provider: c.provider } : {});
    expect(reply).toBeDefined();
    expect(reply?.category).toBe(c.category);
    expect(reply?.layer).toBe(c.layer);
    expect(reply?.reason).toBe(c.reason);
    if (c.rule) expect(reply?.ruleId).toBe(c.rule);
    expect(reply?.explanation).not.toBe('');
  });

  it('reads codes and names the provider from the reply wording', () => {
    const reply = interpretReplyText('550 5.4.1 Recipient address rejected: Access denied. AS(201806281)', { recipient: 'alice@customer.example' });
    expect(reply).toMatchObject({ replyCode: '550', status: '5.4.1', provider: 'Exchange Online', recipient: 'alice@customer.example' });
    expect(interpretReplyText('535 Authentication Credentials Invalid')?.provider).toBe('Amazon SES');
  });

  it('tells SES 535 from Gmail 535 5.7.8 (provider before generic code)', () => {
    expect(interpretReplyText('535 Authentication Credentials Invalid')?.ruleId).toBe('ses.smtp-credentials-invalid');
    expect(interpretReplyText('535 5.7.8 Username and Password not accepted', { provider: 'Google' })?.ruleId).toBe('google.535-5.7.8-login');
    // Without a provider, 535 5.7.8 is still a login failure, never the SES credential row.
    expect(interpretReplyText('535 5.7.8 Error: authentication failed')?.category).toBe('relay-login-failed');
  });

  it('reads 5.4.1 Access denied as an unknown recipient only at Microsoft', () => {
    expect(interpretReplyText('550 5.4.1 Recipient address rejected: Access denied', { provider: 'Exchange Online' })?.category).toBe('recipient-unknown');
    // Elsewhere, 5.4.1 "access denied" is a generic network/routing status.
    expect(interpretReplyText('550 5.4.1 Access denied', { provider: 'Yahoo' })?.ruleId).not.toMatch(/^exo\./);
  });

  it('reads Google 5.7.27 as SPF but RFC 7505 X.7.27 elsewhere', () => {
    expect(interpretReplyText('550 5.7.27 message rejected', { provider: 'Google' })?.category).toBe('sender-authentication-failed');
    expect(interpretReplyText('550 5.7.27 message rejected', { provider: 'Yahoo' })?.category).toBe('sender-null-mx');
  });

  it('returns undefined for text without a reply', () => {
    expect(interpretReplyText('')).toBeUndefined();
    expect(interpretReplyText('hello, how are you today?')).toBeUndefined();
  });
});
