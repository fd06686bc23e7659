/** Hostile and broken input: each case ends, bounded, with a stated outcome. */
import { describe, expect, it } from 'vitest';
import { interpretBounce, interpretReplyText } from '../../src/knowledge/bounce/classify.js';
import { MAX_FRAGMENTS, MAX_INPUT_BYTES } from '../../src/knowledge/bounce/parse.js';
import { extractFromThread, MAX_RECIPIENTS, MAX_THREAD_CHARS } from '../../src/knowledge/ticket-text.js';

const NOTHING = /Nothing recognised/;

describe('bad input to interpretBounce', () => {
  it('empty text: nothing recognised', async () => {
    const result = await interpretBounce('');
    expect(result.replies).toEqual([]);
    expect(result.notes.join(' ')).toMatch(NOTHING);
  });

  it('binary junk: refused as binary, nothing recognised', async () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const result = await interpretBounce(junk);
    expect(result.replies).toEqual([]);
    expect(result.notes.join(' ')).toMatch(/binary/);
  });

  it('a 10 MB paste is truncated with a note and still read', async () => {
    const line = '550 5.1.1 <x@example.org>... User unknown\n';
    const paste = `${line}${'a'.repeat(10 * 1024 * 1024)}`;
    const result = await interpretBounce(paste);
    expect(result.notes.join(' ')).toMatch(new RegExp(`only the first ${MAX_INPUT_BYTES} bytes`));
    expect(result.replies[0]?.reason).toBe('userunknown');
  });

  it('one huge line with near-matches does not backtrack catastrophically (it completes)', async () => {
    const hostile = `550 ${'5.'.repeat(200_000)} ${'user '.repeat(100_000)}`;
    const result = await interpretBounce(hostile);
    expect(result.replies.length).toBeLessThanOrEqual(1);
  });

  it('a DSN with 500 recipients is capped at the limit with a count of the rest', async () => {
    const blocks = Array.from({ length: 500 }, (_, i) => `Final-Recipient: rfc822; user${i}@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n`);
    const message = `From: MAILER-DAEMON@mx.example.net\nSubject: failure\nContent-Type: text/plain\n\n${blocks.join('\n')}`;
    const result = await interpretBounce(message);
    expect(result.replies).toHaveLength(MAX_FRAGMENTS);
    expect(result.notes.join(' ')).toMatch(/400 more replies/);
  });

  it('malformed MIME (unclosed boundary, bad headers) still yields the reply', async () => {
    const message = 'From: postmaster@mx.example.net\nContent-Type: multipart/report; boundary="X"\n\n--X\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.org\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\n--X\nContent-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!';
    const result = await interpretBounce(message);
    expect(result.replies[0]).toMatchObject({ recipient: 'a@example.org', reason: 'mailboxfull' });
  });

  it('text in other languages: nothing recognised, or a reply when it carries a code', async () => {
    expect((await interpretBounce('Ваше письмо не может быть доставлено. 送信できませんでした。')).notes.join(' ')).toMatch(NOTHING);
    const japanese = await interpretBounce('送信できませんでした: 550 5.1.1 <taro@example.jp>... User unknown');
    expect(japanese.replies[0]?.reason).toBe('userunknown');
  });

  it('a format notice with 5,000 recipient blocks is capped and completes', async () => {
    const blocks = Array.from({ length: 5000 }, (_, i) => `<user${i}@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)`);
    const message = `From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n${blocks.join('\n')}\n`;
    const result = await interpretBounce(message);
    expect(result.replies).toHaveLength(MAX_FRAGMENTS);
    expect(result.replies[0]).toMatchObject({ recipient: 'user0@example.org', reason: 'userunknown', command: 'RCPT' });
  });

  it('hostile lines inside a recognised format (long near-matches, nested brackets) complete bounded', async () => {
    const hostile = `${'<'.repeat(50_000)}a@b.example${'>'.repeat(50_000)}: ${'host '.repeat(40_000)}`;
    const message = `From: MAILER-DAEMON <>\nSubject: Mail delivery failed\n\nThis is the DragonFly Mail Agent v0.13.\n\nThere was an error delivering your mail to <${'x'.repeat(100_000)}@example.org>.\n\n${hostile}\n${'Recipient address: '.repeat(20_000)}\n`;
    const result = await interpretBounce(message);
    expect(result.replies.length).toBeLessThanOrEqual(1);
    for (const reply of result.replies) expect(reply.raw.length).toBeLessThanOrEqual(1200);
  });

  it('an auto-reply that also carries an SMTP rejection is read as the rejection, not a vacation', async () => {
    const message = 'From: alice@example.org\nSubject: Automatic reply: hello\nAuto-Submitted: auto-replied\n\n550 5.2.2 <bob@example.org>... Mailbox full\n';
    expect((await interpretBounce(message)).replies[0]?.reason).toBe('mailboxfull');
    const vacation = await interpretBounce('From: alice@example.org\nSubject: Automatic reply: hello\nAuto-Submitted: auto-replied\n\nI am away until Monday.\n');
    expect(vacation.replies[0]).toMatchObject({ reason: 'vacation', recipient: 'alice@example.org', layer: 'recipient' });
  });

  it('interpretReplyText on junk returns undefined', () => {
    expect(interpretReplyText('\u0000\u0001\u0002')).toBeUndefined();
  });
});

describe('bad input to extractFromThread', () => {
  it('empty thread: nothing recognised, no target', () => {
    const result = extractFromThread(['', '   ']);
    expect(result.recognised).toBe(false);
    expect(result.target).toBeUndefined();
    expect(result.notes.join(' ')).toMatch(NOTHING);
  });

  it('a 10 MB paste is truncated with a note', () => {
    const result = extractFromThread([`sent as ops@acme.example ${'x'.repeat(10 * 1024 * 1024)}`, 'to bob@client.example']);
    expect(result.notes.join(' ')).toMatch(new RegExp(`longer than ${MAX_THREAD_CHARS}.*truncated`));
    expect(result.target?.senderDomain).toBe('acme.example');
    expect(result.recipients).toEqual([]);
  });

  it('500 recipients are capped with a count of the rest', () => {
    const list = Array.from({ length: 500 }, (_, i) => `To: user${i}@client.example`).join('\n');
    const result = extractFromThread([`From: ops@acme.example\n${list}`]);
    expect(result.recipients).toHaveLength(MAX_RECIPIENTS);
    expect(result.notes.join(' ')).toMatch(/400 more recipient addresses/);
  });

  it('a header injection attempt yields only clean addresses', () => {
    const result = extractFromThread(['sent as ops@acme.example\r\nBcc: evil@attacker.example\r\n to alice@client.example%0d%0aBcc:x@y.example']);
    const values = [result.target?.senderAddress ?? '', ...result.recipients];
    for (const value of values) expect(value).not.toMatch(/[\r\n%:]/);
    expect(result.target?.senderDomain).toBe('acme.example');
    expect(result.recipients).not.toContain('evil@attacker.example');
  });

  it('binary junk: nothing recognised', () => {
    const junk = String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 31) % 32));
    expect(extractFromThread([junk]).recognised).toBe(false);
  });
});
