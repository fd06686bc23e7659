import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseTargetText } from '../../src/core/target.js';

describe('parseTargetText: accepted input', () => {
  const cases: Array<[string, string, Partial<ReturnType<typeof parseTargetText>>]> = [
    ['plain domain', 'example.com', { senderDomain: 'example.com' }],
    ['upper case and trailing dot', 'EXAMPLE.Com.', { senderDomain: 'example.com' }],
    ['address gives its domain', 'ops@example.com', { senderDomain: 'example.com', senderAddress: 'ops@example.com' }],
    ['Slack link with label', '<http://example.com|example.com>', { senderDomain: 'example.com' }],
    ['Slack link without label', '<https://www.example.com/path>', { senderDomain: 'www.example.com' }],
    ['Slack mailto link', '<mailto:ops@Example.com|ops@Example.com>', { senderDomain: 'example.com', senderAddress: 'ops@example.com' }],
    ['surrounding punctuation', '"(example.com),"', { senderDomain: 'example.com' }],
    ['internationalised name', 'bücher.example', { senderDomain: 'xn--bcher-kva.example' }],
    ['internationalised address', 'info@münchen.de', { senderDomain: 'xn--mnchen-3ya.de', senderAddress: 'info@xn--mnchen-3ya.de' }],
    [
      'recipients, regions and SMTP users',
      'ops@example.com to=alice@customer.com to=<mailto:bob@customer.com|bob@customer.com> region=EU-WEST-1 smtp-user=AKIAIOSFODNN7EXAMPLE',
      { recipients: ['alice@customer.com', 'bob@customer.com'], regions: ['eu-west-1'], smtpUsers: ['AKIAIOSFODNN7EXAMPLE'] },
    ],
    [
      'SES message ids, lower-cased',
      'example.com message-id=0100018F3C2A1B2C-7d8e9f00-1111-2222-3333-444455556666-000000',
      { messageIds: ['0100018f3c2a1b2c-7d8e9f00-1111-2222-3333-444455556666-000000'] },
    ],
    ['repeated options are de-duplicated', 'example.com to=a@b.com to=a@b.com region=us-east-1 region=us-east-1', { recipients: ['a@b.com'], regions: ['us-east-1'] }],
    ['extra whitespace', '   example.com    to=a@b.com  ', { senderDomain: 'example.com', recipients: ['a@b.com'] }],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(parseTargetText(text)).toMatchObject(expected);
  });
});

describe('parseTargetText: rejected input names the offending token', () => {
  const longLabel = `${'a'.repeat(64)}.com`;
  const longName = `${Array.from({ length: 60 }, () => 'abcd').join('.')}.com`;
  const cases: Array<[string, string, RegExp, string | undefined]> = [
    ['empty', '', /give a sending domain/, undefined],
    ['not a domain', 'hello', /'hello' is not a domain or email address/, 'hello'],
    ['IPv4 address', '192.0.2.1', /'192\.0\.2\.1' is an IP address/, '192.0.2.1'],
    ['IPv6 literal', '[2001:db8::1]', /is an IP address/, '[2001:db8::1]'],
    ['label over 63', longLabel, /longer than 63 characters/, longLabel],
    ['name over 253', longName, /longer than 253 characters/, longName],
    ['unknown option', 'example.com from=a@b.com', /unknown option 'from=a@b\.com'/, 'from=a@b.com'],
    ['bad message id', 'example.com message-id=12345', /'message-id=12345' is not an SES message id/, 'message-id=12345'],
    ['unknown region', 'example.com region=us-east-9', /unknown AWS region 'region=us-east-9'/, 'region=us-east-9'],
    ['bad recipient', 'example.com to=alice', /'to=alice' is not an email address/, 'to=alice'],
    ['empty option', 'example.com to=', /'to=' has no value/, 'to='],
    ['two targets', 'example.com example.org', /unexpected 'example\.org'/, 'example.org'],
    ['temporary key', 'example.com smtp-user=ASIAIOSFODNN7EXAMPLE', /temporary \(STS\) access key/, 'smtp-user=ASIAIOSFODNN7EXAMPLE'],
    ['not a key id', 'example.com smtp-user=admin', /not an SMTP username/, 'smtp-user=admin'],
    ['numeric TLD', 'example.123', /not a domain/, 'example.123'],
    ['underscore-free hyphen rules', '-bad.example.com', /not a domain/, '-bad.example.com'],
  ];
  it.each(cases)('%s', (_name, text, message, token) => {
    let caught: unknown;
    try {
      parseTargetText(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).toMatch(message);
    expect((caught as InputError).token).toBe(token);
  });
});
