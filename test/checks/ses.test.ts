import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sesIdentityFacts } from '../../src/checks/ses/facts.js';
import {
  CUSTOMER_DOMAIN,
  DKIM_TOKENS,
  healthyAccount,
  healthyScenario,
  MAIL_FROM_DOMAIN,
  otherRegionScenario,
  RECIPIENT,
  sandboxScenario,
  SENDER,
  startAwsEndpoint,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';
import { findingById, runAwsLayers } from '../support/aws-run.js';

let endpoint: TestAwsEndpoint;
beforeAll(async () => {
  endpoint = await startAwsEndpoint(healthyScenario());
});
afterAll(() => endpoint.close());
beforeEach(() => endpoint.reset(healthyScenario()));

const ses = (input = SENDER, settings = {}) => runAwsLayers({ endpoint, input, settings, layers: ['ses'] });
const sesFindings = (report: Awaited<ReturnType<typeof ses>>['report']) => report.findings.filter((f) => f.layer === 'ses');

describe('ses layer, healthy account', () => {
  it('passes identity, account, DKIM, MAIL FROM and VDM advice', async () => {
    const { report } = await ses();
    const byId = Object.fromEntries(sesFindings(report).map((f) => [f.id, f.status]));
    expect(byId).toEqual({
      'ses.identity:us-east-1': 'pass',
      'ses.account:us-east-1': 'pass',
      'ses.dkim:us-east-1': 'pass',
      'ses.mail-from:us-east-1': 'pass',
      'ses.recommendations:us-east-1': 'pass',
      // No message id in the input: nothing to look up.
      'ses.message': 'skipped',
    });
    expect(findingById(report, 'ses.identity:us-east-1').summary).toBe(`${CUSTOMER_DOMAIN} is verified for sending in us-east-1 and covers ${SENDER}.`);
    expect(endpoint.callsOf('GetAccount')).toHaveLength(1);
  });

  it('shares identity facts with the DNS layer, once per run', async () => {
    const { ctx } = await ses();
    const before = endpoint.callsOf('GetEmailIdentity').length;
    const facts = await Promise.all([sesIdentityFacts(ctx, 'us-east-1'), sesIdentityFacts(ctx, 'us-east-1')]);
    expect(endpoint.callsOf('GetEmailIdentity')).toHaveLength(before);
    expect(facts[0]).toEqual({
      region: 'us-east-1',
      identity: CUSTOMER_DOMAIN,
      verifiedForSending: true,
      identityType: 'DOMAIN',
      verificationStatus: 'SUCCESS',
      dkim: { identity: CUSTOMER_DOMAIN, identityType: 'DOMAIN', status: 'SUCCESS', signingEnabled: true, tokens: DKIM_TOKENS, signingHostedZone: 'dkim.amazonses.com', origin: 'AWS_SES' },
      mailFrom: { domain: MAIL_FROM_DOMAIN, status: 'SUCCESS', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
  });
});

describe('ses layer, account states', () => {
  it('sandbox: fails when the recipient is not verified, and warns on the quota', async () => {
    endpoint.reset(sandboxScenario());
    const { report } = await ses(`${SENDER} to=${RECIPIENT}`);
    const sandbox = findingById(report, 'ses.account:sandbox:us-east-1');
    expect(sandbox.status).toBe('fail');
    expect(sandbox.summary).toContain(`${RECIPIENT} is not verified`);
    expect(sandbox.explanation).toContain('Email address is not verified');
    const quota = findingById(report, 'ses.account:quota:us-east-1');
    expect(quota.status).toBe('warn');
    expect(quota.summary).toContain('190 of 200');
    expect(findingById(report, 'ses.recommendations:us-east-1').status).toBe('info');
  });

  it('sandbox without a recipient is a warning', async () => {
    endpoint.reset(sandboxScenario());
    const { report } = await ses();
    expect(findingById(report, 'ses.account:sandbox:us-east-1').status).toBe('warn');
  });

  it.each([
    [{ sendingEnabled: false }, 'ses.account:sending:us-east-1', 'fail'],
    [{ enforcementStatus: 'PROBATION' as const }, 'ses.account:probation:us-east-1', 'warn'],
    [{ sentLast24Hours: 50_000 }, 'ses.account:quota:us-east-1', 'fail'],
  ])('%o → %s is %s', async (overrides, id, status) => {
    endpoint.scenario.regions['us-east-1']!.account = healthyAccount(overrides);
    const { report } = await ses();
    expect(findingById(report, id).status).toBe(status);
  });

  it('reports a region that is not enabled instead of throwing', async () => {
    endpoint.scenario.faults.disabledRegions = ['af-south-1'];
    const { report } = await ses(`${SENDER} region=af-south-1`);
    const account = findingById(report, 'ses.account:af-south-1');
    expect(account.status).toBe('warn');
    expect(account.summary).toContain('af-south-1 is not enabled');
  });
});

describe('ses layer, identity in another region', () => {
  it('names the classic 554 for the region that sends', async () => {
    endpoint.reset(otherRegionScenario());
    const { report } = await ses(SENDER, { regions: ['us-east-1', 'eu-west-1'] });
    const east = findingById(report, 'ses.identity:us-east-1');
    expect(east).toMatchObject({ status: 'fail', priority: 2 });
    expect(east.summary).toBe(`${SENDER} is verified in eu-west-1 but not in us-east-1: mail sent through us-east-1 is rejected.`);
    expect(east.evidence.find((e) => e.label === 'what senders get')?.value).toContain('failed the check in region US-EAST-1');
    expect(findingById(report, 'ses.identity:eu-west-1').status).toBe('pass');
  });

  it('fails when no region has the identity', async () => {
    endpoint.reset(otherRegionScenario());
    const { report } = await ses(SENDER);
    expect(findingById(report, 'ses.identity:us-east-1').summary).toContain('SES has no identity');
  });

  it('fails an identity that exists but is not verified', async () => {
    const identity = endpoint.scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!;
    identity.verifiedForSending = false;
    identity.verificationStatus = 'PENDING';
    const { report } = await ses();
    expect(findingById(report, 'ses.identity:us-east-1').summary).toContain('not verified for sending (VerificationStatus PENDING)');
  });
});

describe('ses layer, DKIM and MAIL FROM as SES sees them', () => {
  it('fails DKIM FAILED with the CNAMEs to publish', async () => {
    endpoint.scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!.dkim!.status = 'FAILED';
    const { report } = await ses();
    const dkim = findingById(report, 'ses.dkim:us-east-1');
    expect(dkim.status).toBe('fail');
    expect(dkim.fix).toContain(`${DKIM_TOKENS[0]}._domainkey.${CUSTOMER_DOMAIN} CNAME ${DKIM_TOKENS[0]}.dkim.amazonses.com`);
  });

  it('warns on DKIM PENDING', async () => {
    endpoint.scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!.dkim!.status = 'PENDING';
    const { report } = await ses();
    expect(findingById(report, 'ses.dkim:us-east-1').status).toBe('warn');
  });

  it.each([
    ['FAILED', 'REJECT_MESSAGE', 'fail'],
    ['FAILED', 'USE_DEFAULT_VALUE', 'warn'],
    ['PENDING', 'USE_DEFAULT_VALUE', 'warn'],
  ] as const)('MAIL FROM %s with %s → %s', async (mailFromStatus, behaviour, status) => {
    endpoint.scenario.regions['us-east-1']!.identities[CUSTOMER_DOMAIN]!.mailFrom = { domain: MAIL_FROM_DOMAIN, status: mailFromStatus, behaviorOnMxFailure: behaviour };
    const { report } = await ses();
    const finding = findingById(report, 'ses.mail-from:us-east-1');
    expect(finding.status).toBe(status);
    expect(finding.fix).toContain('feedback-smtp.us-east-1.amazonses.com');
  });
});

describe('ses layer, VDM recommendations', () => {
  it('turns an open recommendation for the identity into a finding and ignores other identities', async () => {
    endpoint.scenario.regions['us-east-1']!.recommendations.push(
      { resourceArn: `arn:aws:ses:us-east-1:111122223333:identity/${CUSTOMER_DOMAIN}`, type: 'DMARC', description: 'DMARC policy is p=none', status: 'OPEN', impact: 'HIGH', createdTimestamp: new Date('2026-02-01T00:00:00Z') },
      { resourceArn: 'arn:aws:ses:us-east-1:111122223333:identity/other.example', type: 'SPF', description: 'other', status: 'OPEN', impact: 'HIGH', createdTimestamp: new Date('2026-02-01T00:00:00Z') },
    );
    const { report } = await ses();
    const advice = report.findings.filter((f) => f.check === 'recommendations');
    expect(advice).toHaveLength(1);
    expect(advice[0]).toMatchObject({ status: 'warn', title: 'VDM recommendation: DMARC', summary: 'DMARC policy is p=none' });
    expect(endpoint.callsOf('ListRecommendations')[0]?.params).toEqual({ Filter: { STATUS: 'OPEN' } });
  });
});
