/**
 * The DNS authentication checks end to end: real DNS client and per-run cache against the
 * loopback DNS server serving fixture zones.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimCheck, checkEasyDkim } from '../../src/checks/dns/dkim.js';
import { dmarcCheck } from '../../src/checks/dns/dmarc.js';
import { dnsLayer } from '../../src/checks/dns/index.js';
import { dnsInputsFromFacts } from '../../src/checks/dns/inputs.js';
import { mailFromCheck } from '../../src/checks/dns/mail-from.js';
import { spfCheck, UNLISTED_PROBE_IP } from '../../src/checks/dns/spf.js';
import { evaluateSpf } from '../../src/checks/dns/spf-evaluator.js';
import { walkSpfTree } from '../../src/checks/dns/spf-tree.js';
import { createRunContext, newCounters } from '../../src/core/context.js';
import { invokeCheck, runDiagnosis, type Check } from '../../src/core/engine.js';
import type { Finding } from '../../src/core/finding.js';
import type { RunContext } from '../../src/core/ports.js';
import { emptyTarget, type Target } from '../../src/core/target.js';
import { createDnsClient, createRunDns, type RecordedLookup } from '../../src/io/dns.js';
import { startDnsServer, type FixtureRecord, type TestDnsServer, type ZoneData } from '../support/dns-server.js';

const txt = (value: string): FixtureRecord => ({ type: 'TXT', value });
const cname = (value: string): FixtureRecord => ({ type: 'CNAME', value });
const mx = (exchange: string, priority = 10): FixtureRecord => ({ type: 'MX', value: { exchange, priority } });
const dkimCnames = (domain: string, zone = 'dkim.amazonses.com'): ZoneData =>
  Object.fromEntries(['tok1', 'tok2', 'tok3'].map((t) => [`${t}._domainkey.${domain}`, [cname(`${t}.${zone}`)]]));

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

const ZONE: ZoneData = {
  'sel._domainkey.good.example': [txt(`v=DKIM1; k=rsa; p=${rsa2048}`)],
  'old._domainkey.good.example': [txt('v=DKIM1; k=rsa; p=')],
  'amazonses.com': [txt('v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 -all')],
  // A healthy SES sender with a custom MAIL FROM.
  'good.example': [txt('v=spf1 include:amazonses.com include:_spf.mailhost.example ~all'), txt('google-site-verification=abc')],
  '_spf.mailhost.example': [txt('v=spf1 ip4:203.0.113.0/24 ~all')],
  '_dmarc.good.example': [txt('v=DMARC1; p=quarantine; rua=mailto:dmarc@good.example')],
  'mail.good.example': [mx('feedback-smtp.us-east-1.amazonses.com'), txt('v=spf1 include:amazonses.com ~all')],
  ...dkimCnames('good.example'),
  // Org-domain fallback: no _dmarc.sub.good.example.
  'sub.good.example': [txt('v=spf1 include:amazonses.com -all')],
  'plusall.example': [txt('v=spf1 +all')],
  '_dmarc.plusall.example': [txt('v=DMARC1; p=none')],
  // 12 lookups: include:a (3) + include:b (9), where the 11th lookup sits in b → d.
  'deep.example': [txt('v=spf1 include:a.deep.example include:b.deep.example -all')],
  'a.deep.example': [txt('v=spf1 a mx -all')],
  'b.deep.example': [txt('v=spf1 include:c.deep.example include:d.deep.example mx -all')],
  'c.deep.example': [txt('v=spf1 a mx a:h1.deep.example a:h2.deep.example -all')],
  'd.deep.example': [txt('v=spf1 a -all')],
  'void.example': [txt('v=spf1 a:nx1.void.example a:nx2.void.example a:nx3.void.example -all')],
  // a/mx terms below two includes: their lookups are prefetched while the tree is walked.
  'aterms.example': [txt('v=spf1 include:i1.aterms.example -all')],
  'i1.aterms.example': [txt('v=spf1 include:i2.aterms.example a:relay1.aterms.example ~all')],
  'i2.aterms.example': [txt('v=spf1 a:relay2.aterms.example mx:mail.aterms.example exists:nx.aterms.example ~all a:never.aterms.example')],
  'relay1.aterms.example': [{ type: 'A', value: '198.51.100.10' }],
  'relay2.aterms.example': [{ type: 'A', value: '198.51.100.11' }],
  'mail.aterms.example': [mx('mx1.aterms.example')],
  'mx1.aterms.example': [{ type: 'A', value: '198.51.100.12' }],
  'twospf.example': [txt('v=spf1 -all'), txt('v=spf1 include:amazonses.com -all')],
  // DKIM: one good, one pointing elsewhere, one missing.
  'wrongdkim.example': [txt('v=spf1 -all')],
  'tok1._domainkey.wrongdkim.example': [cname('tok1.dkim.amazonses.com')],
  'tok2._domainkey.wrongdkim.example': [cname('tok2.dkim.other-esp.example')],
  'nodmarc.example': [txt('v=spf1 -all')],
  // MAIL FROM problems.
  'mfwrong.example': [txt('v=spf1 -all')],
  'bounce.mfwrong.example': [mx('feedback-smtp.eu-west-1.amazonses.com'), txt('v=spf1 -all')],
  'mfmulti.example': [txt('v=spf1 -all')],
  'bounce.mfmulti.example': [mx('feedback-smtp.us-east-1.amazonses.com'), mx('mx2.mfmulti.example', 20), txt('v=spf1 include:amazonses.com ~all')],
  // DNS failures.
  'servfail.example': { fail: 'SERVFAIL' },
  '_dmarc.servfail.example': { fail: 'SERVFAIL' },
  'timeout.example': { fail: 'TIMEOUT' },
  'badinclude.example': [txt('v=spf1 include:broken.example -all')],
  'broken.example': { fail: 'SERVFAIL' },
};

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({ zone: ZONE });
});
afterAll(() => server.close());

interface Run {
  ctx: RunContext;
  lookups: RecordedLookup[];
  /** Queries the server saw during this run. */
  serverQueries: () => string[];
}

function newRun(targetInit: Partial<Target> & { senderDomain: string }): Run {
  const counters = newCounters();
  const dns = createRunDns(createDnsClient({ servers: [server.address], timeoutMs: 1_000, tries: 1 }), counters);
  const ctx = createRunContext({ target: { ...emptyTarget(targetInit.senderDomain), ...targetInit }, dns, counters });
  const start = server.queries.length;
  return { ctx, lookups: dns.lookups, serverQueries: () => server.queries.slice(start).map((q) => `${q.type} ${q.name}`) };
}

async function runCheck(check: Check, target: Partial<Target> & { senderDomain: string }): Promise<{ findings: Finding[]; run: Run }> {
  const run = newRun(target);
  const findings = await invokeCheck(check, run.ctx);
  return { findings, run };
}

const byId = (findings: Finding[], id: string): Finding => {
  const found = findings.find((f) => f.id === id);
  if (!found) throw new Error(`no finding ${id}; have ${findings.map((f) => f.id).join(', ')}`);
  return found;
};
const evidenceText = (finding: Finding): string => finding.evidence.map((e) => `${e.label}: ${[e.value].flat().join('\n')}`).join('\n');

function expectNoRepeatedQueries(run: Run): void {
  const made = run.serverQueries();
  expect(new Set(made).size, `repeated queries: ${made.join(', ')}`).toBe(made.length);
}

describe('spf', () => {
  it('passes a healthy sender, shows the tree, and SES passes for the custom MAIL FROM', async () => {
    const { findings, run } = await runCheck(spfCheck, { senderDomain: 'good.example', mailFromDomain: 'mail.good.example' });
    const record = byId(findings, 'dns.spf:good.example');
    expect(record.status).toBe('pass');
    expect(record.summary).toContain('2 lookups of 10');
    expect(evidenceText(record)).toContain('good.example (2 lookups) → include:_spf.mailhost.example (1)');
    expect(byId(findings, 'dns.spf:mail.good.example').status).toBe('pass');
    const ses = byId(findings, 'dns.spf:ses');
    expect(ses.status).toBe('pass');
    expect(evidenceText(ses)).toContain('199.255.192.1: pass');
    expect(evidenceText(ses)).toContain('54.240.0.1: pass');
    expectNoRepeatedQueries(run);
    expect(run.serverQueries().sort()).toEqual(
      ['TXT amazonses.com', 'TXT good.example', 'TXT _spf.mailhost.example', 'TXT mail.good.example'].sort(),
    );
  });

  it('without a custom MAIL FROM, explains that SPF passes for amazonses.com but cannot align', async () => {
    const { findings } = await runCheck(spfCheck, { senderDomain: 'good.example' });
    const ses = byId(findings, 'dns.spf:ses');
    expect(ses.status).toBe('info');
    expect(ses.summary).toContain('DMARC can pass only through DKIM');
    expect(ses.explanation).toContain('include:amazonses.com');
  });

  it('warns on +all', async () => {
    const { findings } = await runCheck(spfCheck, { senderDomain: 'plusall.example' });
    const record = byId(findings, 'dns.spf:plusall.example');
    expect(record.status).toBe('warn');
    expect(record.summary).toContain('authorises every server');
  });

  it('fails a record over 10 lookups and names the branch that crosses the limit', async () => {
    const { findings, run } = await runCheck(spfCheck, { senderDomain: 'deep.example' });
    const record = byId(findings, 'dns.spf:deep.example');
    expect(record.status).toBe('fail');
    expect(record.summary).toContain('12 DNS lookups');
    expect(record.summary).toContain('include:b.deep.example is the branch that crosses the limit (lookups 4–12)');
    const tree = record.evidence.find((e) => e.label.startsWith('include tree'))?.value as string[];
    expect(tree[0]).toBe('deep.example (12 lookups)');
    expect(tree).toContain('deep.example (12 lookups) → include:a.deep.example (3)');
    expect(tree.find((line) => line.includes('include:d.deep.example (2)'))).toContain('the 11th lookup is here');
    expect(tree.find((line) => line.endsWith('include:c.deep.example (5)'))).toBe(
      'deep.example (12 lookups) → include:b.deep.example (9) → include:c.deep.example (5)',
    );
    expectNoRepeatedQueries(run);
  });

  it('prefetches the lookups of a, mx and exists terms during the walk without changing what check_host() counts', async () => {
    const walked = newRun({ senderDomain: 'aterms.example' });
    await walkSpfTree(walked.ctx.dns, 'aterms.example', { prefetch: 'A' });
    // Started while the tree was walked (before any evaluation); terms after `all` are never reached.
    const asked = walked.lookups.map((l) => `${l.type} ${l.name}`);
    expect(asked).toEqual(expect.arrayContaining(['A relay1.aterms.example', 'A relay2.aterms.example', 'MX mail.aterms.example', 'A nx.aterms.example']));
    expect(asked).not.toContain('A never.aterms.example');
    const plain = newRun({ senderDomain: 'aterms.example' });
    await walkSpfTree(plain.ctx.dns, 'aterms.example');
    expect(plain.lookups.map((l) => l.type)).toEqual(['TXT', 'TXT', 'TXT']);

    // The evaluation meets the cache and counts exactly what it counts without a prefetch.
    const withPrefetch = await evaluateSpf(walked.ctx.dns, { ip: UNLISTED_PROBE_IP, sender: 'postmaster@aterms.example', helo: 'aterms.example' });
    const without = await evaluateSpf(newRun({ senderDomain: 'aterms.example' }).ctx.dns, { ip: UNLISTED_PROBE_IP, sender: 'postmaster@aterms.example', helo: 'aterms.example' });
    expect(withPrefetch.lookups).toEqual(without.lookups);
    expect(withPrefetch.lookups).toMatchObject({ count: 6, void: 1 });
    expect(withPrefetch.result).toBe(without.result);
    // The evaluation asked for nothing the walk had not already started, except the MX host found by the prefetch.
    expect(walked.lookups.map((l) => `${l.type} ${l.name}`).slice(asked.length)).toEqual(asked.includes('A mx1.aterms.example') ? [] : ['A mx1.aterms.example']);
  });

  it('fails on more than two void lookups', async () => {
    const { findings } = await runCheck(spfCheck, { senderDomain: 'void.example' });
    const record = byId(findings, 'dns.spf:void.example');
    expect(record.status).toBe('fail');
    expect(record.summary).toContain('void lookups');
  });

  it('fails two v=spf1 records', async () => {
    const { findings } = await runCheck(spfCheck, { senderDomain: 'twospf.example' });
    const record = byId(findings, 'dns.spf:twospf.example');
    expect(record.status).toBe('fail');
    expect(record.summary).toContain('2 v=spf1 records');
  });

  it('reports SERVFAIL and TIMEOUT as "could not check", never as missing', async () => {
    for (const domain of ['servfail.example', 'timeout.example']) {
      const { findings } = await runCheck(spfCheck, { senderDomain: domain });
      const record = byId(findings, `dns.spf:${domain}`);
      expect(record.status, domain).toBe('error');
      expect(record.summary).toMatch(/^Could not check/);
      expect(record.summary).not.toContain('no SPF record');
    }
    const { findings } = await runCheck(spfCheck, { senderDomain: 'badinclude.example' });
    const record = byId(findings, 'dns.spf:badinclude.example');
    expect(record.status).toBe('error');
    expect(record.summary).toContain('TXT broken.example: SERVFAIL');
  });
});

describe('dkim', () => {
  it('passes when all three CNAMEs point to SES', async () => {
    const { findings } = await runCheck(dkimCheck, { senderDomain: 'good.example', dkimTokens: ['tok1', 'tok2', 'tok3'] });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.status).toBe('pass');
  });

  it('fails on a missing CNAME and one pointing elsewhere, with the exact records to create', async () => {
    const { findings } = await runCheck(dkimCheck, { senderDomain: 'wrongdkim.example', dkimTokens: ['tok1', 'tok2', 'tok3'] });
    const finding = findings[0]!;
    expect(finding.status).toBe('fail');
    expect(finding.summary).toContain('1 missing and 1 pointing elsewhere');
    expect(finding.fix).toContain('tok3._domainkey.wrongdkim.example CNAME tok3.dkim.amazonses.com');
    expect(finding.fix).toContain('tok2._domainkey.wrongdkim.example CNAME tok2.dkim.amazonses.com');
  });

  it('parses the key record of a selector', async () => {
    const good = await runCheck(dkimCheck, { senderDomain: 'good.example', dkimSelector: 'sel' });
    expect(good.findings[0]).toMatchObject({ id: 'dns.dkim:selector:sel', status: 'pass' });
    expect(good.findings[0]?.summary).toContain('2048 bits');
    const revoked = await runCheck(dkimCheck, { senderDomain: 'good.example', dkimSelector: 'old' });
    expect(revoked.findings[0]?.status).toBe('fail');
    expect(revoked.findings[0]?.summary).toContain('revoked');
    const missing = await runCheck(dkimCheck, { senderDomain: 'good.example', dkimSelector: 'nope' });
    expect(missing.findings[0]?.summary).toContain('No DKIM key at nope._domainkey.good.example');
  });

  it('is skipped with the way to supply tokens when neither tokens nor a selector are known', async () => {
    const { findings } = await runCheck(dkimCheck, { senderDomain: 'good.example' });
    expect(findings[0]?.status).toBe('skipped');
    expect(findings[0]?.fix).toContain('--dkim-tokens');
    expect(findings[0]?.fix).toContain('--dkim-selector');
  });

  it('uses SES facts (regional signing zone) over the target fields', async () => {
    const target = { ...emptyTarget('good.example'), dkimTokens: ['ignored'] };
    const inputs = dnsInputsFromFacts(target, ['af-south-1'], [
      {
        region: 'af-south-1',
        identity: 'good.example',
        verifiedForSending: true,
        dkim: { status: 'FAILED', signingEnabled: true, tokens: ['tok1', 'tok2', 'tok3'], signingHostedZone: 'dkim.af-south-1.amazonses.com' },
      },
    ]);
    expect(inputs.dkim).toEqual([expect.objectContaining({ domain: 'good.example', source: 'ses', tokens: ['tok1', 'tok2', 'tok3'], region: 'af-south-1' })]);
    const run = newRun({ senderDomain: 'good.example' });
    const finding = await checkEasyDkim(run.ctx.dns, inputs.dkim[0]!);
    // The fixture CNAMEs point to dkim.amazonses.com, not the regional zone SES names.
    expect(finding.status).toBe('fail');
    expect(finding.fix).toContain('tok1._domainkey.good.example CNAME tok1.dkim.af-south-1.amazonses.com');
  });

  it('runs through the check when the run memo provides SES facts', async () => {
    const run = newRun({ senderDomain: 'good.example' });
    const inputs = dnsInputsFromFacts(run.ctx.target, ['us-east-1'], [
      {
        region: 'us-east-1',
        identity: 'good.example',
        verifiedForSending: true,
        dkim: { status: 'SUCCESS', signingEnabled: true, tokens: ['tok1', 'tok2', 'tok3'], signingHostedZone: 'dkim.amazonses.com' },
        mailFrom: { domain: 'mail.good.example', status: 'SUCCESS', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
      },
    ]);
    const memo = run.ctx.memo;
    const ctx: RunContext = { ...run.ctx, memo: <T>(key: string, compute: () => Promise<T>) => (key === 'dns.inputs' ? Promise.resolve(inputs as T) : memo(key, compute)) };
    const [dkim] = await invokeCheck(dkimCheck, ctx);
    expect(dkim?.status).toBe('pass');
    expect(dkim?.title).toContain('SES us-east-1');
    const mailFrom = await invokeCheck(mailFromCheck, ctx);
    expect(mailFrom.map((f) => f.status)).toEqual(['pass', 'pass']);
  });
});

describe('dmarc', () => {
  it('passes p=quarantine and explains SPF alignment through the custom MAIL FROM', async () => {
    const { findings } = await runCheck(dmarcCheck, { senderDomain: 'good.example', mailFromDomain: 'mail.good.example' });
    expect(byId(findings, 'dns.dmarc').status).toBe('pass');
    expect(byId(findings, 'dns.dmarc:alignment').status).toBe('pass');
  });

  it('falls back to the organizational domain', async () => {
    const { findings, run } = await runCheck(dmarcCheck, { senderDomain: 'sub.good.example' });
    const policy = byId(findings, 'dns.dmarc');
    expect(policy.status).toBe('pass');
    expect(policy.summary).toContain('inherited from the organizational domain good.example');
    expect(run.serverQueries()).toEqual(['TXT _dmarc.sub.good.example', 'TXT _dmarc.good.example']);
    // Without SES facts nobody knows whether SES signs as the domain: never "rests on DKIM alone".
    const alignment = byId(findings, 'dns.dmarc:alignment');
    expect(alignment.status).toBe('info');
    expect(alignment.summary).toContain('DMARC can pass only through DKIM, which is not known');
    expect(alignment.summary).not.toContain('DKIM alone');
  });

  it('reports p=none as monitoring only and a missing record as a warning', async () => {
    expect(byId((await runCheck(dmarcCheck, { senderDomain: 'plusall.example' })).findings, 'dns.dmarc').summary).toContain('p=none');
    const missing = byId((await runCheck(dmarcCheck, { senderDomain: 'nodmarc.example' })).findings, 'dns.dmarc');
    expect(missing.status).toBe('warn');
    expect(missing.summary).toContain('no DMARC record');
  });

  it('reports SERVFAIL as an error', async () => {
    const { findings } = await runCheck(dmarcCheck, { senderDomain: 'servfail.example' });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.status).toBe('error');
    expect(findings[0]?.summary).toContain('SERVFAIL');
  });
});

describe('mail-from', () => {
  it('fails an MX pointing to another region', async () => {
    const { findings } = await runCheck(mailFromCheck, { senderDomain: 'mfwrong.example', mailFromDomain: 'bounce.mfwrong.example', regions: ['us-east-1'] });
    const mxFinding = byId(findings, 'dns.mail-from:bounce.mfwrong.example:mx');
    expect(mxFinding.status).toBe('fail');
    expect(mxFinding.summary).toContain("SES's eu-west-1 feedback endpoint");
    expect(byId(findings, 'dns.mail-from:bounce.mfwrong.example:spf').status).toBe('fail');
  });

  it('fails several MX records', async () => {
    const { findings } = await runCheck(mailFromCheck, { senderDomain: 'mfmulti.example', mailFromDomain: 'bounce.mfmulti.example', regions: ['us-east-1'] });
    expect(byId(findings, 'dns.mail-from:bounce.mfmulti.example:mx').summary).toContain('2 MX records; SES requires exactly one');
    expect(byId(findings, 'dns.mail-from:bounce.mfmulti.example:spf').status).toBe('pass');
  });

  it('is skipped without a custom MAIL FROM domain', async () => {
    const { findings } = await runCheck(mailFromCheck, { senderDomain: 'good.example' });
    expect(findings[0]?.status).toBe('skipped');
  });
});

describe('the whole DNS layer in one run', () => {
  it('asks each name and type once, and only what the checks need', async () => {
    const run = newRun({ senderDomain: 'good.example', mailFromDomain: 'mail.good.example', dkimTokens: ['tok1', 'tok2', 'tok3'] });
    const report = await runDiagnosis([dnsLayer], run.ctx, { layers: ['dns'] });
    const statuses = Object.fromEntries(report.findings.map((f) => [f.id, f.status]));
    expect(statuses).toMatchObject({
      'dns.spf:good.example': 'pass',
      'dns.spf:mail.good.example': 'pass',
      'dns.spf:ses': 'pass',
      'dns.dkim:tokens': 'pass',
      'dns.dmarc': 'pass',
      'dns.dmarc:alignment': 'pass',
      'dns.mail-from:mail.good.example:mx': 'pass',
      'dns.mail-from:mail.good.example:spf': 'pass',
    });
    expectNoRepeatedQueries(run);
    expect(run.serverQueries().sort()).toEqual(
      [
        'MX good.example',
        'MX mail.good.example',
        'TXT good.example',
        'TXT _spf.mailhost.example',
        'TXT amazonses.com',
        'TXT mail.good.example',
        'TXT _dmarc.good.example',
        'CNAME tok1._domainkey.good.example',
        'CNAME tok2._domainkey.good.example',
        'CNAME tok3._domainkey.good.example',
      ].sort(),
    );
    expect(run.lookups.map((l) => `${l.type} ${l.name}`).sort()).toEqual(run.serverQueries().sort());
  });
});
