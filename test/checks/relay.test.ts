import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { interpretRelayReply } from '../../src/checks/relay/replies.js';
import { createSmtpProber } from '../../src/io/smtp-probe.js';
import { deriveSmtpPassword } from '../../src/knowledge/smtp-password.js';
import {
  canonicalScenario,
  CURRENT_KEY_ID,
  CURRENT_KEY_SECRET,
  healthyScenario,
  ROTATED_KEY_ID,
  SENDER,
  SMTP_USER,
  startAwsEndpoint,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';
import { BOT_CREDENTIALS, findingById, runAwsLayers } from '../support/aws-run.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

let endpoint: TestAwsEndpoint;
let smtp: TestSmtpServer;
const CURRENT_PASSWORD = deriveSmtpPassword(CURRENT_KEY_SECRET, 'us-east-1');

beforeAll(async () => {
  endpoint = await startAwsEndpoint(canonicalScenario());
  smtp = await startSmtpServer({ credential: { username: CURRENT_KEY_ID, password: CURRENT_PASSWORD } });
});
afterAll(async () => {
  await endpoint.close();
  await smtp.close();
});
beforeEach(() => endpoint.reset(canonicalScenario()));

const CANONICAL_INPUT = `${SENDER} to=alice@recipient.example smtp-user=${ROTATED_KEY_ID}`;
const smtpSettings = () => ({ smtpUsers: [SMTP_USER], smtpEndpoint: { host: smtp.host, port: smtp.port } });

describe('relay layer, canonical scenario (rotated key)', () => {
  it.each(['NoSuchEntity', 'AccessDenied'] as const)('makes the missing key the root cause when IAM answers %s', async (answer) => {
    endpoint.scenario.missingKeyAnswer = answer;
    const { report } = await runAwsLayers({ endpoint, input: CANONICAL_INPUT, settings: { smtpUsers: [SMTP_USER] }, layers: ['relay'] });
    const missing = findingById(report, `relay.credentials:${ROTATED_KEY_ID}`);
    expect(missing).toMatchObject({
      status: 'fail',
      priority: 0,
      remediation: { kind: 'rotate-smtp-credential', iamUser: SMTP_USER, region: 'us-east-1', oldAccessKeyId: ROTATED_KEY_ID },
    });
    expect(missing.summary).toContain('535 Authentication Credentials Invalid');
    expect(missing.explanation).toContain('Send mail as');
    expect(missing.evidence.map((e) => e.label)).toEqual(expect.arrayContaining([`GetAccessKeyLastUsed ${ROTATED_KEY_ID}`, `ListAccessKeys ${SMTP_USER}`]));
    expect(report.rootCause?.id).toBe(missing.id);
    // The new key exists but Gmail was never updated: it has never been used.
    const current = findingById(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(current.status).toBe('warn');
    expect(current.summary).toContain('never been used');
  });

  it('without a configured SMTP user, still fails but cannot offer the rotation', async () => {
    endpoint.scenario.missingKeyAnswer = 'AccessDenied';
    const { report } = await runAwsLayers({ endpoint, input: CANONICAL_INPUT, layers: ['relay'] });
    const missing = findingById(report, `relay.credentials:${ROTATED_KEY_ID}`);
    expect(missing.status).toBe('fail');
    expect(missing.priority).toBe(3);
    expect(missing.remediation).toBeUndefined();
    expect(missing.fix).toContain('MAILDIAG_SMTP_USERS');
  });

  it('asks IAM once per key and per user, sharing calls between checks', async () => {
    await runAwsLayers({ endpoint, input: CANONICAL_INPUT, settings: smtpSettings() });
    expect(endpoint.callsOf('GetAccessKeyLastUsed').map((c) => c.params.AccessKeyId).sort()).toEqual([CURRENT_KEY_ID, ROTATED_KEY_ID].sort());
    expect(endpoint.callsOf('ListAccessKeys')).toHaveLength(1);
    expect(endpoint.callsOf('GetUser')).toHaveLength(1);
    expect(endpoint.callsOf('SimulatePrincipalPolicy')).toHaveLength(1);
    expect(endpoint.callsOf('GetEmailIdentity').map((c) => c.params.key).sort()).toEqual(['admin@customer.example', 'customer.example']);
  });
});

describe('relay layer, key states', () => {
  it('fails an inactive key and offers its rotation', async () => {
    endpoint.reset(healthyScenario());
    endpoint.scenario.iamUsers[SMTP_USER]!.keys[0]!.status = 'Inactive';
    const { report } = await runAwsLayers({ endpoint, input: `${SENDER} smtp-user=${CURRENT_KEY_ID}`, layers: ['relay'] });
    const finding = findingById(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(finding).toMatchObject({ status: 'fail', priority: 2, remediation: { kind: 'rotate-smtp-credential', oldAccessKeyId: CURRENT_KEY_ID, iamUser: SMTP_USER } });
    expect(finding.summary).toContain('Inactive');
  });

  it('warns when the key was last used in another region than the relay endpoint', async () => {
    endpoint.reset(healthyScenario());
    endpoint.scenario.iamUsers[SMTP_USER]!.keys[0]!.lastUsed = { date: new Date('2026-03-01T00:00:00Z'), serviceName: 'ses', region: 'eu-west-1' };
    const { report } = await runAwsLayers({ endpoint, input: SENDER, settings: { smtpUsers: [SMTP_USER] }, layers: ['relay'] });
    const finding = findingById(report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(finding.status).toBe('warn');
    expect(finding.summary).toContain('last used in eu-west-1');
    expect(finding.evidence.find((e) => e.label.startsWith('GetAccessKeyLastUsed'))?.value).toBe('LastUsedDate 2026-03-01T00:00:00Z, ServiceName ses, Region eu-west-1');
  });

  it('warns on a key older than the rotation age and passes a healthy one', async () => {
    endpoint.reset(healthyScenario());
    const fresh = await runAwsLayers({ endpoint, input: SENDER, settings: { smtpUsers: [SMTP_USER] }, layers: ['relay'] });
    expect(findingById(fresh.report, `relay.credentials:${CURRENT_KEY_ID}`).status).toBe('pass');
    const old = await runAwsLayers({ endpoint, input: SENDER, settings: { smtpUsers: [SMTP_USER], keyMaxAgeDays: 10 }, layers: ['relay'] });
    const finding = findingById(old.report, `relay.credentials:${CURRENT_KEY_ID}`);
    expect(finding.status).toBe('warn');
    expect(finding.summary).toContain('30 days old, over the 10-day rotation age');
  });

  it('reports nothing to check without users or smtp-user', async () => {
    const { report } = await runAwsLayers({ endpoint, input: SENDER, layers: ['relay'] });
    expect(findingById(report, 'relay.credentials').status).toBe('info');
  });
});

describe('relay layer, send permission', () => {
  it.each([
    ['allowed', 'pass'],
    ['implicitDeny', 'fail'],
    ['explicitDeny', 'fail'],
  ] as const)('maps SimulatePrincipalPolicy %s to %s, on the identity ARN', async (decision, status) => {
    endpoint.reset(healthyScenario());
    endpoint.scenario.iamUsers[SMTP_USER]!.sendDecision = decision;
    const { report } = await runAwsLayers({ endpoint, input: SENDER, settings: { smtpUsers: [SMTP_USER] }, layers: ['relay'] });
    const finding = findingById(report, `relay.send-permission:${SMTP_USER}`);
    expect(finding.status).toBe(status);
    expect(endpoint.callsOf('SimulatePrincipalPolicy')[0]?.params).toMatchObject({
      PolicySourceArn: `arn:aws:iam::111122223333:user/${SMTP_USER}`,
      'ActionNames.member.1': 'ses:SendRawEmail',
      'ResourceArns.member.1': 'arn:aws:ses:us-east-1:111122223333:identity/customer.example',
    });
    if (decision === 'implicitDeny') expect(finding.summary).toContain('no policy attached to the user allows it');
    if (decision === 'explicitDeny') expect(finding.summary).toContain('DenySesOutsideBusinessHours');
  });
});

describe('relay layer, SMTP endpoint probe', () => {
  it('checks the endpoint without AUTH when the bot holds no credential', async () => {
    const before = smtp.sessions.length;
    const { report } = await runAwsLayers({ endpoint, input: CANONICAL_INPUT, settings: smtpSettings(), smtp: createSmtpProber({ tls: { ca: smtp.ca } }), layers: ['relay'] });
    const finding = findingById(report, 'relay.smtp-endpoint:us-east-1');
    expect(finding.status).toBe('pass');
    expect(finding.summary).toContain('AUTH was not tried');
    expect(smtp.sessions.slice(before).flatMap((s) => s.auths)).toEqual([]);
  });

  it('passes when the held credential authenticates (235) and fails on 535', async () => {
    const holding = (password: string) =>
      createSmtpProber({ tls: { ca: smtp.ca }, credentialFor: (region) => (region === 'us-east-1' ? { username: CURRENT_KEY_ID, password } : undefined) });
    const ok = await runAwsLayers({ endpoint, input: CANONICAL_INPUT, settings: smtpSettings(), smtp: holding(CURRENT_PASSWORD), layers: ['relay'] });
    expect(findingById(ok.report, 'relay.smtp-endpoint:us-east-1').status).toBe('pass');
    const wrong = await runAwsLayers({
      endpoint,
      input: CANONICAL_INPUT,
      settings: smtpSettings(),
      smtp: holding(deriveSmtpPassword(CURRENT_KEY_SECRET, 'eu-west-1')),
      layers: ['relay'],
    });
    const failed = findingById(wrong.report, 'relay.smtp-endpoint:us-east-1');
    expect(failed).toMatchObject({ status: 'fail', priority: 1 });
    expect(failed.summary).toContain('535 Authentication Credentials Invalid');
  });

  it('reports an unreachable endpoint as could-not-check', async () => {
    const closed = await startSmtpServer();
    const port = closed.port;
    await closed.close();
    const { report } = await runAwsLayers({
      endpoint,
      input: CANONICAL_INPUT,
      settings: { smtpUsers: [SMTP_USER], smtpEndpoint: { host: '127.0.0.1', port } },
      smtp: createSmtpProber(),
      layers: ['relay'],
    });
    expect(findingById(report, 'relay.smtp-endpoint:us-east-1').status).toBe('error');
  });
});

describe('relay replies', () => {
  it.each([
    [535, 'Authentication Credentials Invalid', 'fail'],
    [530, 'Authentication required', 'fail'],
    [454, 'Throttling failure: Daily message quota exceeded.', 'warn'],
    [454, 'Temporary authentication failure', 'warn'],
    [554, 'Access denied: User arn:aws:iam::1:user/u is not authorized to perform ses:SendRawEmail on resource x', 'fail'],
    [235, 'Authentication successful', 'pass'],
  ] as const)('%i %s → %s', (code, text, status) => {
    expect(interpretRelayReply({ code, text }, { region: 'us-east-1' }).status).toBe(status);
  });

  it('tells quota throttling from a temporary SES failure', () => {
    expect(interpretRelayReply({ code: 454, text: 'Throttling failure: Maximum sending rate exceeded.' }, { region: 'us-east-1' }).meaning).toContain('throttling');
    expect(interpretRelayReply({ code: 454, text: 'Temporary authentication failure' }, { region: 'us-east-1' }).meaning).toContain('temporary failure');
  });
});

describe('relay layer never leaks a secret', () => {
  it('keeps secrets and derived passwords out of findings, errors and logs', async () => {
    const wrongPassword = deriveSmtpPassword(CURRENT_KEY_SECRET, 'eu-west-1');
    const secrets = [CURRENT_KEY_SECRET, CURRENT_PASSWORD, wrongPassword, BOT_CREDENTIALS.secretAccessKey, Buffer.from(`\0${CURRENT_KEY_ID}\0${wrongPassword}`).toString('base64')];
    const prober = createSmtpProber({ tls: { ca: smtp.ca }, credentialFor: () => ({ username: CURRENT_KEY_ID, password: wrongPassword }) });
    const runs = [await runAwsLayers({ endpoint, input: CANONICAL_INPUT, settings: smtpSettings(), smtp: prober })];
    endpoint.scenario.faults.accessDenied = true;
    runs.push(await runAwsLayers({ endpoint, input: CANONICAL_INPUT, settings: smtpSettings(), smtp: prober }));
    for (const run of runs) {
      const visible = JSON.stringify(run.report) + run.logText;
      for (const secret of secrets) expect(visible).not.toContain(secret);
    }
    // The runs did exercise AUTH and the error paths.
    expect(findingById(runs[0]!.report, 'relay.smtp-endpoint:us-east-1').status).toBe('fail');
    expect(runs[1]!.report.findings.some((f) => f.layer === 'relay' && f.status === 'error')).toBe(true);
  });
});
