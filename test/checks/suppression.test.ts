import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BOUNCE_MESSAGE_ID,
  canonicalScenario,
  EXO_DIAGNOSTIC,
  healthyScenario,
  RECIPIENT,
  SENDER,
  startAwsEndpoint,
  suppressedWithInsightsScenario,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';
import { findingById, runAwsLayers } from '../support/aws-run.js';

let endpoint: TestAwsEndpoint;
beforeAll(async () => {
  endpoint = await startAwsEndpoint(suppressedWithInsightsScenario());
});
afterAll(() => endpoint.close());
beforeEach(() => endpoint.reset(suppressedWithInsightsScenario()));

const suppression = (input = `${SENDER} to=${RECIPIENT}`) => runAwsLayers({ endpoint, input, layers: ['suppression'] });

describe('suppression layer', () => {
  it('fails a suppressed recipient, shows the remote reply from insights and classifies it', async () => {
    const { report } = await suppression();
    const finding = findingById(report, `suppression.listed:${RECIPIENT}:us-east-1`);
    expect(finding).toMatchObject({ status: 'fail', priority: 1, remediation: { kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' } });
    expect(finding.summary).toContain('reason BOUNCE since 2026-02-21, 9 days ago');
    const evidence = Object.fromEntries(finding.evidence.map((e) => [e.label, e.value]));
    expect(evidence['Attributes.MessageId']).toBe(BOUNCE_MESSAGE_ID);
    expect(evidence["DiagnosticCode (the remote server's reply)"]).toBe(EXO_DIAGNOSTIC);
    expect(evidence['interpreted as']).toMatch(/^Exchange Online: recipient-unknown \(userunknown, 5\.4\.1/);
    expect(finding.fix).toContain('removing it alone will not help');
    expect(endpoint.callsOf('GetMessageInsights').map((c) => c.params.key)).toEqual([BOUNCE_MESSAGE_ID]);
  });

  it('does not ask for insights when VDM is off, and says so', async () => {
    endpoint.scenario.regions['us-east-1']!.account.vdmEnabled = false;
    const { report } = await suppression();
    const finding = findingById(report, `suppression.listed:${RECIPIENT}:us-east-1`);
    expect(finding.status).toBe('fail');
    expect(finding.evidence.find((e) => e.label === 'message insights')?.value).toContain('Virtual Deliverability Manager is off');
    expect(endpoint.callsOf('GetMessageInsights')).toHaveLength(0);
  });

  it('explains a 404 from GetMessageInsights', async () => {
    endpoint.scenario.regions['us-east-1']!.insights = {};
    const { report } = await suppression();
    const finding = findingById(report, `suppression.listed:${RECIPIENT}:us-east-1`);
    expect(finding.evidence.find((e) => e.label === 'message insights')?.value).toContain('found nothing');
  });

  it('keeps the suppression finding when insights are denied, naming the missing action', async () => {
    endpoint.scenario.faults.accessDenied = ['GetMessageInsights'];
    const { report } = await suppression();
    const finding = findingById(report, `suppression.listed:${RECIPIENT}:us-east-1`);
    expect(finding.status).toBe('fail');
    expect(finding.evidence.find((e) => e.label === 'IAM action the bot lacks')?.value).toBe('ses:GetMessageInsights');
  });

  it('passes an address that is not listed, noting the global list', async () => {
    endpoint.reset(healthyScenario());
    const { report } = await suppression();
    const finding = findingById(report, `suppression.listed:${RECIPIENT}:us-east-1`);
    expect(finding.status).toBe('pass');
    expect(finding.explanation).toContain('global suppression list');
  });

  it('checks each recipient in each region', async () => {
    endpoint.reset(canonicalScenario());
    const { report } = await runAwsLayers({ endpoint, input: `${SENDER} to=${RECIPIENT} to=bob@recipient.example`, settings: { regions: ['us-east-1', 'eu-west-1'] }, layers: ['suppression'] });
    expect(report.findings.filter((f) => f.layer === 'suppression').map((f) => `${f.id}=${f.status}`).sort()).toEqual([
      `suppression.listed:${RECIPIENT}:eu-west-1=pass`,
      `suppression.listed:${RECIPIENT}:us-east-1=fail`,
      'suppression.listed:bob@recipient.example:eu-west-1=pass',
      'suppression.listed:bob@recipient.example:us-east-1=pass',
    ]);
    expect(endpoint.callsOf('GetSuppressedDestination')).toHaveLength(4);
  });

  it('says what to do without a recipient', async () => {
    const { report } = await suppression(SENDER);
    expect(findingById(report, 'suppression.listed')).toMatchObject({ status: 'info', fix: 'Run again with to=<recipient address>.' });
  });
});
