/**
 * Advice that fits the situation, built from facts (SES state on the loopback AWS endpoint,
 * zones on the loopback DNS server):
 * - a custom MAIL FROM that fails with USE_DEFAULT_VALUE: mail still flows through
 *   amazonses.com (SESv2 MailFromAttributes), so SES and DNS grade it the same (warn, not the
 *   root cause) and the DMARC consequence (SPF alignment lost) is spelled out;
 * - an address identity cannot have Easy DKIM: the fix is to verify the domain;
 * - no finding is an empty "Nothing to report.".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_DOMAIN, healthyScenario, SENDER, startAwsEndpoint, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { finding, runEverything, wordsOf } from '../support/full-run.js';
import { canonicalZones, MAIL_FROM_DOMAIN } from '../support/scenarios/canonical-dns.js';

let dns: TestDnsServer;
let aws: TestAwsEndpoint;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
  aws = await startAwsEndpoint(healthyScenario());
});
afterAll(async () => {
  await Promise.all([dns.close(), aws.close()]);
});

describe('custom MAIL FROM failing with USE_DEFAULT_VALUE', () => {
  it('SES and DNS agree on warn, neither is the root cause, and SPF alignment lost is spelled out', async () => {
    const scenario = healthyScenario();
    scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!.mailFrom = { domain: MAIL_FROM_DOMAIN, status: 'FAILED', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' };
    aws.reset(scenario);
    const zones = canonicalZones();
    delete zones[MAIL_FROM_DOMAIN]; // the MX and SPF records were removed
    dns.setZone(zones);
    const { report } = await runEverything({ dns, aws, input: `${SENDER} to=alice@recipient.example`, layers: ['ses', 'dns'] });
    const ses = finding(report, 'ses.mail-from:us-east-1');
    const mx = finding(report, `dns.mail-from:${MAIL_FROM_DOMAIN}:mx`);
    const spf = finding(report, `dns.mail-from:${MAIL_FROM_DOMAIN}:spf`);
    const record = finding(report, `dns.spf:${MAIL_FROM_DOMAIN}`);
    expect([ses.status, mx.status, spf.status, record.status]).toEqual(['warn', 'warn', 'warn', 'warn']);
    expect(report.rootCause, report.rootCause?.summary).toBeUndefined();
    expect(mx.summary).toMatch(/Mail still flows/);
    expect(mx.summary).toMatch(/SPF alignment is lost/);
    expect(ses.explanation).toMatch(/SPF alignment is lost/);
    // DKIM is healthy here, so DMARC still passes through it.
    expect(finding(report, 'dns.dmarc:alignment').summary).toMatch(/rests on DKIM alone, which is healthy/);
  });

  it('with REJECT_MESSAGE SES refuses to send: both fail', async () => {
    const scenario = healthyScenario();
    scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!.mailFrom = { domain: MAIL_FROM_DOMAIN, status: 'FAILED', behaviorOnMxFailure: 'REJECT_MESSAGE' };
    aws.reset(scenario);
    const zones = canonicalZones();
    delete zones[MAIL_FROM_DOMAIN];
    dns.setZone(zones);
    const { report } = await runEverything({ dns, aws, input: SENDER, layers: ['ses', 'dns'] });
    expect(finding(report, 'ses.mail-from:us-east-1').status).toBe('fail');
    expect(finding(report, `dns.mail-from:${MAIL_FROM_DOMAIN}:mx`).status).toBe('fail');
  });
});

describe('an address identity', () => {
  it('is told to verify its domain, never to set up Easy DKIM for the address', async () => {
    const scenario = healthyScenario();
    scenario.regions['us-east-1']!.identities = { [SENDER]: { type: 'EMAIL_ADDRESS', verifiedForSending: true, verificationStatus: 'SUCCESS' } };
    aws.reset(scenario);
    dns.setZone(canonicalZones());
    const { report } = await runEverything({ dns, aws, input: SENDER, layers: ['ses', 'dns'] });
    const dkim = finding(report, 'ses.dkim:us-east-1');
    expect(dkim.status).toBe('warn');
    expect(dkim.fix).toMatch(/^Verify the domain customer\.example in SES in us-east-1/);
    for (const f of report.findings) expect(f.fix).not.toMatch(/Easy DKIM for admin@/);
  });
});

describe('findings always say something', () => {
  it('no finding is an empty "Nothing to report."', async () => {
    aws.reset(healthyScenario());
    dns.setZone(canonicalZones());
    const { report } = await runEverything({ dns, aws, input: SENDER });
    for (const f of report.findings) {
      expect(f.summary).not.toBe('Nothing to report.');
      expect(f.summary.length).toBeGreaterThan(0);
      // Every finding says why or what to do, or shows what it rests on.
      expect(f.explanation !== '' || f.fix !== '' || f.evidence.length > 0, wordsOf(f)).toBe(true);
    }
  });
});
