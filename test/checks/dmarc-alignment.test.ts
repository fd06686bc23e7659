/**
 * DMARC alignment concluded from SES facts, end to end: DNS fixture zones on the loopback DNS
 * server, SES identity state on the loopback AWS endpoint, the whole engine.
 *
 * Expectations come from the facts (RFC 7489 section 3.1 and 6.3; KNOWLEDGE.md section 3-4):
 * - SPF aligns only through a verified custom MAIL FROM; without one, or while it is not
 *   verified (USE_DEFAULT_VALUE), SES's envelope is under amazonses.com and never aligns.
 * - DKIM aligns only when SES signs with the domain's key: Easy DKIM with SigningEnabled and
 *   Status SUCCESS on a domain identity; an address identity has no Easy DKIM of its own.
 * - Neither aligning: every message fails DMARC; p=reject → rejected, p=quarantine → spam
 *   folder, p=none → delivered but unauthenticated.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsScenario,
  CUSTOMER_DOMAIN,
  healthyScenario,
  type IdentityState,
  SENDER,
  startAwsEndpoint,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';
import { startDnsServer, type TestDnsServer, type ZoneData } from '../support/dns-server.js';
import { finding, runEverything, wordsOf } from '../support/full-run.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

let dns: TestDnsServer;
let aws: TestAwsEndpoint;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
  aws = await startAwsEndpoint(healthyScenario());
});
afterAll(async () => {
  await dns.close();
  await aws.close();
});
beforeEach(() => dns.setZone(canonicalZones()));

function zonesWithDmarc(record: string): ZoneData {
  return { ...canonicalZones(), [`_dmarc.${CUSTOMER_DOMAIN}`]: [{ type: 'TXT', value: record }] };
}

/** The healthy scenario with the sender's domain identity changed. */
function scenarioWith(change: (identity: IdentityState) => void): AwsScenario {
  const scenario = healthyScenario();
  change(scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!);
  return scenario;
}

async function alignmentOf(scenario: AwsScenario, dmarc: string, input = `${SENDER} to=alice@recipient.example`) {
  aws.reset(scenario);
  dns.setZone(zonesWithDmarc(dmarc));
  const { report } = await runEverything({ dns, aws, input, layers: ['ses', 'dns'] });
  return { report, alignment: finding(report, 'dns.dmarc:alignment') };
}

const noMailFrom = (identity: IdentityState): void => {
  delete identity.mailFrom;
};

describe('DMARC alignment concluded from SES facts', () => {
  it('p=reject, no custom MAIL FROM, DKIM signing disabled: fails, every message rejected', async () => {
    const { report, alignment } = await alignmentOf(
      scenarioWith((identity) => {
        noMailFrom(identity);
        identity.dkim!.signingEnabled = false;
      }),
      'v=DMARC1; p=reject; rua=mailto:dmarc@customer.example',
    );
    expect(alignment.status).toBe('fail');
    expect(alignment.summary).toMatch(/Neither SPF nor DKIM can align/);
    expect(alignment.summary).toMatch(/p=reject refuse every message/);
    expect(alignment.explanation).toMatch(/signing is disabled/);
    expect(alignment.explanation).toMatch(/no custom MAIL FROM/);
    expect(alignment.fix).toMatch(/enable DKIM signing for customer\.example/);
    expect(alignment.fix).toMatch(/custom MAIL FROM/);
    expect(wordsOf(alignment)).toContain('SigningEnabled false');
    // It is the conclusion that explains non-delivery, and no finding claims DKIM carries DMARC.
    expect(report.rootCause?.id).toBe('dns.dmarc:alignment');
    for (const f of report.findings) expect(wordsOf(f)).not.toMatch(/DKIM alone/);
  });

  it('p=quarantine with DKIM FAILED: fails, messages go to spam', async () => {
    const { alignment } = await alignmentOf(
      scenarioWith((identity) => {
        noMailFrom(identity);
        identity.dkim!.status = 'FAILED';
      }),
      'v=DMARC1; p=quarantine; rua=mailto:dmarc@customer.example',
    );
    expect(alignment.status).toBe('fail');
    expect(alignment.summary).toMatch(/spam or junk/);
    expect(alignment.explanation).toMatch(/DKIM for customer\.example is FAILED/);
  });

  it('p=none with DKIM disabled: delivered, but unauthenticated (a warning, not a failure)', async () => {
    const { alignment } = await alignmentOf(
      scenarioWith((identity) => {
        noMailFrom(identity);
        identity.dkim!.signingEnabled = false;
      }),
      'v=DMARC1; p=none; rua=mailto:dmarc@customer.example',
    );
    expect(alignment.status).toBe('warn');
    expect(alignment.summary).toMatch(/every message fails DMARC/);
    expect(alignment.summary).toMatch(/still deliver it, but unauthenticated/);
  });

  it('an inherited record applies sp=: a subdomain sender under p=none; sp=reject is rejected', async () => {
    const scenario = healthyScenario();
    const region = scenario.regions['us-east-1']!;
    region.identities['news.customer.example'] = {
      type: 'DOMAIN',
      verifiedForSending: true,
      verificationStatus: 'SUCCESS',
      dkim: { signingEnabled: false, status: 'SUCCESS', tokens: ['t1', 't2', 't3'], signingHostedZone: 'dkim.amazonses.com', origin: 'AWS_SES' },
    };
    const { alignment } = await alignmentOf(scenario, 'v=DMARC1; p=none; sp=reject; rua=mailto:dmarc@customer.example', 'ops@news.customer.example');
    expect(alignment.status).toBe('fail');
    expect(alignment.summary).toMatch(/p=reject refuse/);
  });

  it('custom MAIL FROM FAILED with USE_DEFAULT_VALUE and DKIM off: SPF alignment lost too, so it fails', async () => {
    const { alignment } = await alignmentOf(
      scenarioWith((identity) => {
        identity.mailFrom = { domain: `bounce.${CUSTOMER_DOMAIN}`, status: 'FAILED', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' };
        identity.dkim!.signingEnabled = false;
      }),
      'v=DMARC1; p=reject',
    );
    expect(alignment.status).toBe('fail');
    expect(alignment.explanation).toMatch(/bounce\.customer\.example is FAILED, so SES falls back to its amazonses\.com envelope sender/);
    expect(alignment.explanation).toMatch(/SPF alignment is lost/);
  });

  it('an address identity without a domain identity cannot align DKIM: fix is to verify the domain', async () => {
    const scenario = healthyScenario();
    scenario.regions['us-east-1']!.identities = {
      [SENDER]: { type: 'EMAIL_ADDRESS', verifiedForSending: true, verificationStatus: 'SUCCESS' },
    };
    const { report, alignment } = await alignmentOf(scenario, 'v=DMARC1; p=reject');
    expect(alignment.status).toBe('fail');
    expect(alignment.explanation).toMatch(/admin@customer\.example is an address identity/);
    expect(alignment.fix).toMatch(/verify the domain customer\.example in SES/);
    for (const f of report.findings) expect(f.fix).not.toMatch(/Easy DKIM for admin@/);
  });

  it('DKIM healthy, no custom MAIL FROM: DMARC rests on DKIM alone (info)', async () => {
    const { report, alignment } = await alignmentOf(scenarioWith(noMailFrom), 'v=DMARC1; p=reject; rua=mailto:dmarc@customer.example');
    expect(alignment.status).toBe('info');
    expect(alignment.summary).toMatch(/rests on DKIM alone, which is healthy/);
    expect(alignment.summary).toMatch(/SigningEnabled true/);
    // SES was read and has no custom MAIL FROM: the DNS MAIL FROM check says why it has nothing
    // to check, and does not ask for AWS access the bot already has.
    const mailFrom = finding(report, 'dns.mail-from');
    expect(mailFrom.status).toBe('skipped');
    expect(mailFrom.summary).toMatch(/SES reports no custom MAIL FROM for customer\.example in us-east-1/);
    expect(wordsOf(mailFrom)).not.toMatch(/AWS access/);
  });

  it('DKIM TEMPORARY_FAILURE, no custom MAIL FROM: at risk (warn), not "rests on DKIM alone"', async () => {
    const { alignment } = await alignmentOf(
      scenarioWith((identity) => {
        noMailFrom(identity);
        identity.dkim!.status = 'TEMPORARY_FAILURE';
      }),
      'v=DMARC1; p=reject',
    );
    expect(alignment.status).toBe('warn');
    expect(alignment.summary).toMatch(/can pass only through DKIM, which is at risk/);
    expect(wordsOf(alignment)).not.toMatch(/DKIM alone/);
  });

  it('verified custom MAIL FROM but DKIM signing off: DMARC rests on SPF alone (warn)', async () => {
    const { alignment } = await alignmentOf(
      scenarioWith((identity) => {
        identity.dkim!.signingEnabled = false;
      }),
      'v=DMARC1; p=reject',
    );
    expect(alignment.status).toBe('warn');
    expect(alignment.summary).toMatch(/rests on SPF alone/);
    expect(alignment.fix).toMatch(/enable DKIM signing/i);
  });

  it('aspf=s with a verified MAIL FROM subdomain and DKIM off: neither aligns', async () => {
    const { alignment } = await alignmentOf(
      scenarioWith((identity) => {
        identity.dkim!.signingEnabled = false;
      }),
      'v=DMARC1; p=quarantine; aspf=s',
    );
    expect(alignment.status).toBe('fail');
    expect(alignment.explanation).toMatch(/aspf=s requires it to equal customer\.example exactly/);
  });

  it('both paths healthy: passes', async () => {
    const { alignment } = await alignmentOf(healthyScenario(), 'v=DMARC1; p=reject; rua=mailto:dmarc@customer.example');
    expect(alignment.status).toBe('pass');
    expect(alignment.summary).toMatch(/Both SPF and DKIM can align/);
  });
});
