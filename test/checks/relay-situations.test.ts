/**
 * Relay situations built from facts: ticket-thread text (read by the product's own thread
 * extraction), IAM/SES state on the loopback AWS endpoint, DNS zones on the loopback server.
 *
 * Facts (KNOWLEDGE.md section 1-2, 5):
 * - SMTP passwords are derived per region: a password made for region A fails with 535 at
 *   email-smtp.<B>.amazonaws.com.
 * - SMTP credentials created before 2019-01-10 are SigV2; SES answers them "454 Throttling
 *   failure: Maximum SigV2 SMTP sending rate exceeded" (or 535): a new key with a SigV4 password fixes it.
 * - Exchange Online 5.7.700-5.7.749: the tenant or IP traffic is not accepted; only the
 *   recipient's admin (their tenant) or, for SES's shared IPs, AWS can act.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURRENT_KEY_ID,
  CUSTOMER_DOMAIN,
  emptyRegion,
  healthyScenario,
  SMTP_USER,
  startAwsEndpoint,
  type TestAwsEndpoint,
  verifiedDomainIdentity,
} from '../support/aws-endpoint.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { finding, runEverything, wordsOf } from '../support/full-run.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

let dns: TestDnsServer;
let aws: TestAwsEndpoint;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
  aws = await startAwsEndpoint(healthyScenario());
});
afterAll(async () => {
  await Promise.all([dns.close(), aws.close()]);
});

describe('a key used in one region and relayed through another', () => {
  it('names the key and both regions, fails on the 535, and fixes by deriving for the relay region or pointing back', async () => {
    const scenario = healthyScenario();
    // IAM saw the key used in us-east-1; the domain is verified in eu-west-1 too.
    scenario.iamUsers[SMTP_USER]!.keys[0]!.lastUsed = { date: new Date('2026-03-01T08:00:00Z'), serviceName: 'ses', region: 'us-east-1' };
    scenario.regions['eu-west-1'] = emptyRegion();
    scenario.regions['eu-west-1'].identities[CUSTOMER_DOMAIN] = verifiedDomainIdentity();
    aws.reset(scenario);
    const { report, target } = await runEverything({
      dns,
      aws,
      input: {
        thread: [
          `Mail sent as admin@${CUSTOMER_DOMAIN} stopped after we moved our Postfix relay to email-smtp.eu-west-1.amazonaws.com:587 (SASL user ${CURRENT_KEY_ID}).`,
          'Dec  1 08:14:03 app1 postfix/smtp[2231]: 3F1A2C0A1B: SASL authentication failed; server email-smtp.eu-west-1.amazonaws.com[52.1.2.3] said: 535 Authentication Credentials Invalid',
        ],
      },
      settings: { smtpUsers: [SMTP_USER] },
      layers: ['relay'],
    });
    expect(target.relayEndpointRegions).toEqual(['eu-west-1']);
    const key = finding(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(key.status).toBe('fail');
    expect(key.summary).toContain(CURRENT_KEY_ID);
    expect(key.summary).toContain('last used in us-east-1');
    expect(key.summary).toContain('email-smtp.eu-west-1.amazonaws.com');
    expect(key.summary).toContain('535 Authentication Credentials Invalid');
    expect(key.fix).toContain('Derive the SMTP password for eu-west-1');
    expect(key.fix).toContain('point the relay back at email-smtp.us-east-1.amazonaws.com');
    expect(key.remediation).toMatchObject({ kind: 'rotate-smtp-credential', region: 'eu-west-1', oldAccessKeyId: CURRENT_KEY_ID });
    expect(report.rootCause?.id).toBe(key.id);
  });

  it('without a failing reply it is a warning that still names both regions', async () => {
    const scenario = healthyScenario();
    scenario.iamUsers[SMTP_USER]!.keys[0]!.lastUsed = { date: new Date('2026-03-01T08:00:00Z'), serviceName: 'ses', region: 'us-east-1' };
    aws.reset(scenario);
    const { report } = await runEverything({
      dns,
      aws,
      input: { thread: [`We send as admin@${CUSTOMER_DOMAIN} via email-smtp.eu-west-1.amazonaws.com with ${CURRENT_KEY_ID}; is that set up right?`] },
      layers: ['relay'],
    });
    const key = finding(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(key.status).toBe('warn');
    expect(key.summary).toMatch(/last used in us-east-1 \(IAM\), but the relay connects to email-smtp\.eu-west-1/);
  });
});

describe('SigV2 SMTP credentials', () => {
  const oldKeyScenario = () => {
    const scenario = healthyScenario();
    const key = scenario.iamUsers[SMTP_USER]!.keys[0]!;
    key.createDate = new Date('2018-06-01T10:00:00Z');
    key.lastUsed = { date: new Date('2026-02-28T10:00:00Z'), serviceName: 'ses', region: 'us-east-1' };
    return scenario;
  };

  it.each([
    ['454 Throttling failure: Maximum SigV2 SMTP sending rate exceeded.', '454'],
    ['535 Authentication Credentials Invalid', '535'],
  ])('the key finding connects creation date, cutoff and the fix when the relay gets %s', async (reply) => {
    aws.reset(oldKeyScenario());
    const { report } = await runEverything({
      dns,
      aws,
      input: {
        thread: [
          `Our app sends as admin@${CUSTOMER_DOMAIN} through email-smtp.us-east-1.amazonaws.com, SMTP username ${CURRENT_KEY_ID}. Since this morning the log says:\nSMTP AUTH failed: ${reply}`,
        ],
      },
      layers: ['relay', 'recipient'],
    });
    const key = finding(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(key.status).toBe('fail');
    expect(key.summary).toContain(CURRENT_KEY_ID);
    expect(key.summary).toContain('created on 2018-06-01, before 2019-01-10');
    expect(key.summary).toContain('SigV2');
    expect(key.fix).toMatch(/Create a new access key for ses-smtp-user\.gmail, derive its SigV4 SMTP password/);
    expect(key.fix).toContain(`deactivate ${CURRENT_KEY_ID}`);
    expect(key.remediation).toMatchObject({ kind: 'rotate-smtp-credential', oldAccessKeyId: CURRENT_KEY_ID });
    expect(wordsOf(key)).toContain(reply.replace(/\.$/, ''));
    // The reply's own finding names the key too, and a SigV2 reply is a relay credential problem, not a quota.
    const replyFinding = report.findings.find((f) => f.check === 'replies' && f.status !== 'skipped');
    expect(replyFinding?.layer).toBe('relay');
    expect(replyFinding?.summary).toContain(CURRENT_KEY_ID);
  });

  it('an old key without a failing reply is a warning that says why', async () => {
    aws.reset(oldKeyScenario());
    const { report } = await runEverything({ dns, aws, input: `admin@${CUSTOMER_DOMAIN} smtp-user=${CURRENT_KEY_ID}`, layers: ['relay'] });
    const key = finding(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(key.status).toBe('warn');
    expect(key.summary).toContain('before 2019-01-10');
    expect(key.fix).toContain('SigV4');
  });
});

describe('Exchange Online blocks the sending IP', () => {
  it('5.7.708: the fix names the recipient tenant admin and AWS support, not a Microsoft case by the sender', async () => {
    aws.reset(healthyScenario());
    const { report } = await runEverything({
      dns,
      aws,
      input: {
        thread: [
          `Mail sent as admin@${CUSTOMER_DOMAIN} to alice@recipient.example bounced:\nRemote Server returned '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(1430) [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]'`,
        ],
      },
      layers: ['recipient'],
    });
    const reply = report.findings.find((f) => f.check === 'replies' && wordsOf(f).includes('5.7.708'));
    expect(reply?.fix).toMatch(/recipient\.example's Exchange Online administrator/);
    expect(reply?.fix).toMatch(/AWS Support case/);
    expect(reply?.fix).not.toMatch(/^Contact Microsoft support/);
  });
});
