/** The AWS layers (relay, ses, suppression) end to end, per scenario preset, through the real SDK and a real SMTP server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/report.js';
import { createSmtpProber } from '../../src/io/smtp-probe.js';
import {
  accessDeniedScenario,
  type AwsScenario,
  canonicalScenario,
  healthyScenario,
  otherRegionScenario,
  RECIPIENT,
  ROTATED_KEY_ID,
  sandboxScenario,
  SENDER,
  SMTP_USER,
  startAwsEndpoint,
  suppressedWithInsightsScenario,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';
import { runAwsLayers } from '../support/aws-run.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

let endpoint: TestAwsEndpoint;
let smtp: TestSmtpServer;
beforeAll(async () => {
  endpoint = await startAwsEndpoint(healthyScenario());
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await endpoint.close();
  await smtp.close();
});

async function run(scenario: AwsScenario, input: string, regions = ['us-east-1']) {
  endpoint.reset(scenario);
  return runAwsLayers({
    endpoint,
    input,
    settings: { regions, smtpUsers: [SMTP_USER], smtpEndpoint: { host: smtp.host, port: smtp.port } },
    smtp: createSmtpProber({ tls: { ca: smtp.ca } }),
  });
}

const layerStatus = (report: Report) => Object.fromEntries(report.layers.filter((l) => l.layer !== 'dns' && l.layer !== 'recipient').map((l) => [l.layer, l.status]));

describe('AWS layers per scenario', () => {
  it('canonical: the rotated key is the root cause, the recipient is suppressed, SES is healthy', async () => {
    const { report, ctx } = await run(canonicalScenario(), `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`);
    expect(layerStatus(report)).toEqual({ relay: 'fail', ses: 'pass', suppression: 'fail' });
    expect(report.rootCause).toMatchObject({ id: `relay.credentials:${ROTATED_KEY_ID}`, priority: 0 });
    expect(report.findings.filter((f) => f.remediation).map((f) => f.remediation)).toEqual([
      { kind: 'rotate-smtp-credential', iamUser: SMTP_USER, region: 'us-east-1', oldAccessKeyId: ROTATED_KEY_ID },
      { kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1', reason: 'BOUNCE' },
    ]);
    // One request per distinct call, shared between checks.
    const perOperation = Object.fromEntries(
      [...new Set(endpoint.calls.map((c) => c.operation))].map((op) => [op, endpoint.callsOf(op).length]),
    );
    expect(perOperation).toEqual({
      GetAccount: 1,
      GetEmailIdentity: 2,
      GetSuppressedDestination: 1,
      GetMessageInsights: 1,
      ListRecommendations: 1,
      ListAccessKeys: 1,
      GetAccessKeyLastUsed: 2,
      GetUser: 1,
      SimulatePrincipalPolicy: 1,
    });
    expect(ctx.counters).toMatchObject({ awsCalls: endpoint.calls.length, awsCallsDistinct: endpoint.calls.length });
  });

  it('healthy: every AWS layer passes', async () => {
    const { report } = await run(healthyScenario(), `${SENDER} to=${RECIPIENT}`);
    expect(layerStatus(report)).toEqual({ relay: 'pass', ses: 'pass', suppression: 'pass' });
    expect(report.verdict).toBe('pass');
  });

  it('sandbox: the SES layer fails for the unverified recipient', async () => {
    const { report } = await run(sandboxScenario(), `${SENDER} to=${RECIPIENT}`);
    expect(layerStatus(report).ses).toBe('fail');
    expect(report.rootCause?.id).toBe('ses.account:sandbox:us-east-1');
  });

  it('identity only in another region: the sending region fails with the 554 explanation', async () => {
    const { report } = await run(otherRegionScenario(), `${SENDER} to=${RECIPIENT}`, ['us-east-1', 'eu-west-1']);
    expect(report.rootCause?.id).toBe('ses.identity:us-east-1');
    expect(report.rootCause?.summary).toContain('verified in eu-west-1 but not in us-east-1');
  });

  it('suppressed with insights: only the suppression layer fails', async () => {
    const { report } = await run(suppressedWithInsightsScenario(), `${SENDER} to=${RECIPIENT}`);
    expect(layerStatus(report)).toEqual({ relay: 'pass', ses: 'pass', suppression: 'fail' });
  });

  it('AccessDenied everywhere: the report completes, each AWS layer is error, naming the missing actions', async () => {
    const { report } = await run(accessDeniedScenario(), `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`);
    expect(layerStatus(report)).toEqual({ relay: 'error', ses: 'error', suppression: 'error' });
    const errors = report.findings.filter((f) => f.status === 'error');
    const lacking = new Set(errors.flatMap((f) => f.evidence.filter((e) => e.label === 'IAM action the bot lacks').map((e) => String(e.value))));
    expect([...lacking].sort()).toEqual(['iam:GetAccessKeyLastUsed', 'iam:GetUser', 'iam:ListAccessKeys', 'ses:GetAccount', 'ses:GetEmailIdentity', 'ses:GetSuppressedDestination']);
    for (const finding of errors) expect(finding.summary).toMatch(/^Could not check /);
    expect(report.findings.some((f) => f.status === 'fail')).toBe(false);
  });
});
