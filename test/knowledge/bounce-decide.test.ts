/** The reason decision (KNOWLEDGE.md section 7) on extracted facts, and the format registry. */
import { describe, expect, it } from 'vitest';
import { REASON_DEFAULTS } from '../../src/knowledge/bounce/by-reason.js';
import { interpretReplies } from '../../src/knowledge/bounce/classify.js';
import { type DecisionFacts, decide } from '../../src/knowledge/bounce/decide.js';
import { FORMAT_MODULES, identifyFormat } from '../../src/knowledge/bounce/formats/index.js';
import { REASON_TEXTS } from '../../src/knowledge/bounce/reason-text.js';
import { REMOTE_HOST_TABLES } from '../../src/knowledge/bounce/rhost/tables.js';
import { CATEGORIES, SISIMAI_REASONS } from '../../src/knowledge/bounce/rules.js';

const reasonOf = (facts: Partial<DecisionFacts>): string => decide({ text: '', ...facts }).reason;

describe('decide: the command phase', () => {
  it('reads "user unknown" at RCPT as userunknown, after DATA or with no command as filtered', () => {
    expect(reasonOf({ text: '550 User unknown', command: 'RCPT' })).toBe('userunknown');
    expect(reasonOf({ text: '550 User unknown', command: 'DATA' })).toBe('filtered');
    expect(reasonOf({ text: '550 User unknown' })).toBe('filtered');
    // X.1.1 names the mailbox whatever the phase.
    expect(reasonOf({ text: '550 5.1.1 User unknown', status: '5.1.1', command: 'DATA' })).toBe('userunknown');
  });

  it('never calls a refusal before DATA spam', () => {
    expect(reasonOf({ text: '554 rejected as spam', command: 'RCPT', status: '5.7.1' })).toBe('spamdetected');
    expect(reasonOf({ text: '554 rejected as spam', command: 'DATA' })).toBe('spamdetected');
    // At RCPT the first order skips spamdetected; the second order (text only) still names it.
    expect(decide({ text: '554 rejected as spam', command: 'RCPT' }).via).toBe('second-order');
  });

  it('reads a refusal at MAIL FROM as about the sender', () => {
    expect(reasonOf({ text: '553 Access denied', command: 'MAIL' })).toBe('rejected');
    expect(reasonOf({ text: '550 Unauthenticated senders not allowed', command: 'MAIL' })).toBe('securityerror');
  });
});

describe('decide: status table, priority and fallbacks', () => {
  it.each([
    ['5.2.2', 'mailboxfull'], ['5.3.4', 'mesgtoobig'], ['5.2.3', 'exceedlimit'], ['5.7.13', 'suspend'], ['5.1.6', 'hasmoved'],
    ['5.7.26', 'authfailure'], ['5.7.25', 'requireptr'], ['5.1.2', 'hostunknown'], ['5.1.10', 'notaccept'], ['4.4.7', 'expired'],
    ['5.5.3', 'toomanyconn'], ['4.2.1', 'blocked'], ['5.7.30', 'failedstarttls'], ['5.3.1', 'systemfull'], ['2.0.0', 'delivered'],
  ])('status %s alone gives %s', (status, reason) => {
    expect(reasonOf({ text: `${status} see status`, status })).toBe(reason);
  });

  it('takes the first reason of the priority order when several texts match', () => {
    expect(reasonOf({ text: 'mailbox full; message too large', command: 'RCPT' })).toBe('mailboxfull');
    expect(reasonOf({ text: 'user unknown, listed in spamhaus', command: 'RCPT' })).toBe('userunknown');
  });

  it('applies the fallbacks in order', () => {
    expect(reasonOf({ text: 'temporarily deferred', action: 'delayed' })).toBe('expired');
    expect(reasonOf({ text: 'refused', status: '5.6.0' })).toBe('contenterror');
    expect(reasonOf({ text: 'refused', status: '5.7.0' })).toBe('securityerror');
    expect(reasonOf({ text: 'exit 75', diagnosticType: 'X-UNIX' })).toBe('mailererror');
    expect(reasonOf({ text: '501 go away', command: 'EHLO' })).toBe('blocked');
    expect(reasonOf({ text: '500 what?', replyCode: '500' })).toBe('syntaxerror');
    expect(reasonOf({ text: 'something nobody documented' })).toBe('onhold');
    expect(reasonOf({ text: '' })).toBe('undefined');
    expect(reasonOf({ text: 'I am away', formatReason: 'vacation' })).toBe('vacation');
  });

  it('reaches every reason the issue names from plain facts', () => {
    const reached = new Set([
      reasonOf({ text: 'virus found in attachment', status: '5.7.0' }),
      reasonOf({ text: 'receiving mail at a rate that prevents additional messages' }),
      reasonOf({ text: 'must issue a STARTTLS command first', status: '5.7.0' }),
      reasonOf({ text: 'the address is on the suppression list' }),
      reasonOf({ text: 'multiple addresses in From: header are not accepted', status: '5.7.1' }),
      reasonOf({ text: 'no PTR record for your IP', command: 'CONN' }),
      reasonOf({ text: 'mailbox has moved', command: 'RCPT' }),
      reasonOf({ text: 'insufficient system storage' }),
      reasonOf({ text: 'command died with status 1' }),
      reasonOf({ text: 'auto reply', formatReason: 'vacation' }),
    ]);
    for (const reason of ['virusdetected', 'speeding', 'failedstarttls', 'suppressed', 'notcompliantrfc', 'requireptr', 'hasmoved', 'systemfull', 'mailererror', 'vacation']) {
      expect(reached, reason).toContain(reason);
    }
  });
});

describe('tables are well-formed', () => {
  it('every reason has a default category of that reason, a layer and a fix', () => {
    for (const reason of SISIMAI_REASONS) {
      const row = REASON_DEFAULTS[reason];
      expect(row, reason).toBeDefined();
      expect(CATEGORIES[row.category].reason).toBe(reason);
      if (reason !== 'delivered') expect(row.fix.length, reason).toBeGreaterThan(10);
    }
  });

  it('every text pattern and provider table names its source', () => {
    for (const row of REASON_TEXTS) expect(row.source, row.reason).toMatch(/sisimai reason definition|RFC|documentation/);
    for (const table of REMOTE_HOST_TABLES) {
      expect(table.source.length, table.name).toBeGreaterThan(10);
      expect(table.codes.length, table.name).toBeGreaterThan(0);
    }
  });

  it('every format module has a unique id, a source and a detection', () => {
    const ids = FORMAT_MODULES.map((module) => module.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const module of FORMAT_MODULES) {
      expect(module.source.length, module.id).toBeGreaterThan(5);
      expect(Object.values(module.detect).length, module.id).toBeGreaterThan(0);
    }
  });

  it('identifies formats by their documented markers', () => {
    const head = { from: '', subject: '', headers: '' };
    expect(identifyFormat({ ...head, body: 'This is the mail system at host mx.example.org.' })?.id).toBe('postfix');
    expect(identifyFormat({ ...head, body: 'Hi. This is the qmail-send program at mx.example.org.' })?.id).toBe('qmail');
    expect(identifyFormat({ ...head, body: 'This message was created automatically by mail delivery software.' })?.id).toBe('exim');
    expect(identifyFormat({ ...head, headers: 'Auto-Submitted: auto-replied', body: 'I am out of the office.' })?.id).toBe('rfc3834');
    expect(identifyFormat({ ...head, body: 'hello' })).toBeUndefined();
  });
});

describe('interpretReplies cache', () => {
  it('returns copies: changing one answer does not change the next', () => {
    const first = interpretReplies('550 5.1.1 <a@example.org>... User unknown');
    const firstReply = first[0];
    expect(firstReply?.reason).toBe('userunknown');
    if (firstReply) firstReply.reason = 'tampered';
    expect(interpretReplies('550 5.1.1 <a@example.org>... User unknown')[0]?.reason).toBe('userunknown');
  });
});

describe('remote-host tables', () => {
  it("choose a provider's table by the recipient's MX when the reply names no host", () => {
    // Tencent's own meaning of "frequency limited" (a connection limit) differs from the generic reading (sending rate).
    const reply = '550 frequency limited';
    expect(interpretReplies(reply)[0]?.reason).toBe('speeding');
    const viaMx = interpretReplies(reply, { mxHosts: ['mx3.qq.com.'] })[0];
    expect(viaMx?.reason).toBe('toomanyconn');
    expect(viaMx?.decidedBy).toBe('rhost:Tencent:frequency');
    // An MX elsewhere chooses no table.
    expect(interpretReplies(reply, { mxHosts: ['mx.example.net'] })[0]?.reason).toBe('speeding');
  });

  it('read Apple, I.UA and KDDI codes by their published meanings', () => {
    const apple = (text: string): string | undefined => interpretReplies(text, { mxHosts: ['mx01.mail.icloud.com'] })[0]?.reason;
    expect(apple('554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM authentication checks')).toBe('authfailure');
    expect(apple('421 4.7.1 Messages to a@icloud.com deferred due to excessive volume. Try again later')).toBe('speeding');
    expect(apple('550 5.1.1 <a@icloud.com>: inactive email address (in reply to RCPT TO command)')).toBe('userunknown');
    const iua = (code: string): string | undefined => interpretReplies(`550 Mailbox error, see http://mail.i.ua/err/${code}/`)[0]?.reason;
    expect([iua('2'), iua('4'), iua('9'), iua('10')]).toEqual(['userunknown', 'mailboxfull', 'blocked', 'filtered']);
    const kddi = (text: string): string | undefined => interpretReplies(text, { mxHosts: ['lsean.ezweb.ne.jp'] })[0]?.reason;
    expect(kddi('550 : User unknown')).toBe('filtered');
    expect(kddi('550 <a@ezweb.ne.jp>: User unknown')).toBe('userunknown');
  });

  it("reads Yahoo's TSS04 as reputation and TS01-TS03 as a connection limit", () => {
    const yahoo = (text: string): string | undefined => interpretReplies(text, { remoteHost: 'mta7.am0.yahoodns.net' })[0]?.reason;
    expect(yahoo('421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints')).toBe('badreputation');
    expect(yahoo('421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints')).toBe('toomanyconn');
  });
});

describe('reason wordings from the documented definitions', () => {
  // One wording per reason that the first version's phrases missed (sisimai's reason definitions).
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['450 service permits 2 unverifyable sending IPs - mx.example.com is not 192.0.2.1', 'requireptr'],
    ['550 domain [example.com] mismatches client ip 192.0.2.1', 'requireptr'],
    ['552 account is exceeding their quota', 'mailboxfull'],
    ['550 sorry, this recipient is in my badrecipientto list', 'userunknown'],
    ['550 the account or domain may not exist', 'hostunknown'],
    ['550 blocked by SpamAssassin', 'spamdetected'],
    ['553 sorry, that domain isn\'t in my list of allowed rcpthosts', 'norelaying'],
    ['550 5.7.1 Sender is in my black list', 'rejected'],
    ['554 your message could not be delivered for more than 5 days', 'expired'],
    ['421 throttling failure: maximum sending rate exceeded', 'toomanyconn'],
  ];
  it.each(cases)('%s → %s', (text, reason) => {
    // At RCPT, so that an unknown-recipient wording is not read as a filter (the command phase rule).
    expect(reasonOf({ text, command: 'RCPT' })).toBe(reason);
  });
});

describe('advice that names who can act', () => {
  it('Exchange Online 5.7.7xx: the recipient\'s administrator and, for shared SES IPs, AWS Support; never a Microsoft case of the sender\'s own', () => {
    for (const status of ['5.7.705', '5.7.708', '5.7.750']) {
      const reply = interpretReplies(`550 ${status} Service unavailable. Access denied, traffic not accepted from this IP. [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]`)[0];
      expect(reply?.provider, status).toBe('Exchange Online');
      expect(reply?.fix, status).toMatch(/recipient's Exchange Online administrator/);
      expect(reply?.fix, status).toMatch(/AWS Support case/);
      expect(reply?.fix, status).not.toMatch(/Contact Microsoft support/i);
    }
  });
});
