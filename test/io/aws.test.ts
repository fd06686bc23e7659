import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newCounters } from '../../src/core/context.js';
import type { RunCounters } from '../../src/core/ports.js';
import { AwsCallError, createAwsGateways, detectAwsCredentials } from '../../src/io/aws.js';
import {
  BOUNCE_MESSAGE_ID,
  canonicalScenario,
  CURRENT_KEY_ID,
  CUSTOMER_DOMAIN,
  DKIM_TOKENS,
  EXO_DIAGNOSTIC,
  RECIPIENT,
  ROTATED_KEY_ID,
  SMTP_USER,
  startAwsEndpoint,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';

let endpoint: TestAwsEndpoint;
let counters: RunCounters;
beforeAll(async () => {
  endpoint = await startAwsEndpoint(canonicalScenario());
});
afterAll(() => endpoint.close());
beforeEach(() => {
  endpoint.reset(canonicalScenario());
  counters = newCounters();
});

const CREDENTIALS = { accessKeyId: 'AKIAMAILDIAGTESTBOT1', secretAccessKey: 'loopback-only-secret' };
function gateways(maxAttempts = 1) {
  return createAwsGateways({ endpoint: endpoint.url, credentials: CREDENTIALS, maxAttempts }, counters);
}

async function rejection(promise: Promise<unknown>): Promise<AwsCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsCallError);
  return error as AwsCallError;
}

describe('SESv2 gateway through the real SDK', () => {
  it('reads the account, with epoch-second timestamps and VDM as a boolean', async () => {
    const account = await gateways().ses('us-east-1').getAccount();
    expect(account).toMatchObject({
      region: 'us-east-1',
      productionAccessEnabled: true,
      sendingEnabled: true,
      enforcementStatus: 'HEALTHY',
      sendQuota: { max24HourSend: 50_000, maxSendRate: 14, sentLast24Hours: 1_200 },
      vdmEnabled: true,
    });
  });

  it('reads an identity with DKIM and MAIL FROM, and answers undefined for an unknown one', async () => {
    const ses = gateways().ses('us-east-1');
    const identity = await ses.getEmailIdentity(CUSTOMER_DOMAIN);
    expect(identity?.verifiedForSending).toBe(true);
    expect(identity?.dkim).toMatchObject({ status: 'SUCCESS', tokens: DKIM_TOKENS, signingHostedZone: 'dkim.amazonses.com' });
    expect(identity?.dkim?.lastKeyGenerationTimestamp?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(identity?.mailFrom).toEqual({ mailFromDomain: `bounce.${CUSTOMER_DOMAIN}`, status: 'SUCCESS', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' });
    expect(await ses.getEmailIdentity(`admin@${CUSTOMER_DOMAIN}`)).toBeUndefined();
    expect(endpoint.callsOf('GetEmailIdentity').map((c) => c.params.key)).toEqual([CUSTOMER_DOMAIN, `admin@${CUSTOMER_DOMAIN}`]);
  });

  it('reads a suppressed destination and its message insights', async () => {
    const ses = gateways().ses('us-east-1');
    const entry = await ses.getSuppressedDestination(RECIPIENT);
    expect(entry).toMatchObject({ emailAddress: RECIPIENT, reason: 'BOUNCE', messageId: BOUNCE_MESSAGE_ID });
    expect(entry?.lastUpdateTime).toBeInstanceOf(Date);
    expect(await ses.getSuppressedDestination('bob@recipient.example')).toBeUndefined();
    const insights = await ses.getMessageInsights(BOUNCE_MESSAGE_ID);
    const bounce = insights?.destinations[0]?.events.find((e) => e.type === 'BOUNCE');
    expect(bounce?.bounce?.diagnosticCode).toBe(EXO_DIAGNOSTIC);
    expect(await ses.getMessageInsights('no-such-message')).toBeUndefined();
  });

  it('sends ListRecommendations with the resource filter', async () => {
    endpoint.scenario.regions['us-east-1']!.recommendations.push({
      resourceArn: 'arn:aws:ses:us-east-1:111122223333:identity/customer.example',
      type: 'DMARC',
      description: 'No DMARC record',
      status: 'OPEN',
      impact: 'HIGH',
      createdTimestamp: new Date('2026-01-01T00:00:00Z'),
    });
    const found = await gateways().ses('us-east-1').listRecommendations({ resourceArn: 'arn:aws:ses:us-east-1:111122223333:identity/customer.example' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: 'DMARC', impact: 'HIGH', status: 'OPEN' });
    expect(found[0]?.createdTimestamp?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('memoises per run: same call and arguments send one request; counters say so', async () => {
    const aws = gateways();
    await Promise.all([aws.ses('us-east-1').getAccount(), aws.ses('us-east-1').getAccount(), aws.ses('us-east-1').getAccount()]);
    await aws.ses('eu-west-1').getAccount();
    expect(endpoint.callsOf('GetAccount').map((c) => c.region)).toEqual(['us-east-1', 'eu-west-1']);
    expect(counters).toMatchObject({ awsCalls: 2, awsCallsDistinct: 2 });
  });

  it('reports AccessDenied naming the call, the region and the missing action', async () => {
    endpoint.scenario.faults.accessDenied = ['GetAccount'];
    const error = await rejection(gateways().ses('eu-west-1').getAccount());
    expect(error).toMatchObject({ kind: 'access-denied', operation: 'GetAccount', region: 'eu-west-1', awsCode: 'AccessDeniedException', missingAction: 'ses:GetAccount' });
    expect(error.message).toContain('ses:GetAccount');
    expect(error.message).toContain('eu-west-1');
    expect(error.message).not.toContain(CREDENTIALS.secretAccessKey);
  });

  it('retries throttling through the SDK when attempts allow, and reports it otherwise', async () => {
    endpoint.scenario.faults.throttle = { GetAccount: 1 };
    const error = await rejection(gateways(1).ses('us-east-1').getAccount());
    expect(error.kind).toBe('throttled');
    endpoint.reset(canonicalScenario());
    endpoint.scenario.faults.throttle = { GetAccount: 1 };
    counters = newCounters();
    const account = await gateways(3).ses('us-east-1').getAccount();
    expect(account.sendingEnabled).toBe(true);
    expect(endpoint.callsOf('GetAccount')).toHaveLength(2);
    expect(counters).toMatchObject({ awsCalls: 2, awsCallsDistinct: 1 });
  });

  it('reports a disabled opt-in region as such', async () => {
    endpoint.scenario.faults.disabledRegions = ['af-south-1'];
    const error = await rejection(gateways().ses('af-south-1').getAccount());
    expect(error.kind).toBe('region-not-enabled');
    expect(error.message).toContain('af-south-1 is not enabled');
  });

  it('deletes a suppressed destination (remediation, never cached)', async () => {
    const ses = gateways().ses('us-east-1');
    await ses.deleteSuppressedDestination(RECIPIENT);
    expect(endpoint.scenario.regions['us-east-1']!.suppressed[RECIPIENT]).toBeUndefined();
    expect(await rejection(ses.deleteSuppressedDestination(RECIPIENT))).toMatchObject({ kind: 'not-found' });
  });
});

describe('IAM gateway through the real SDK', () => {
  it('lists access keys and last use', async () => {
    const iam = gateways().iam;
    const keys = await iam.listAccessKeys(SMTP_USER);
    expect(keys).toEqual([{ userName: SMTP_USER, accessKeyId: CURRENT_KEY_ID, status: 'Active', createDate: expect.any(Date) }]);
    const lastUsed = await iam.getAccessKeyLastUsed(CURRENT_KEY_ID);
    expect(lastUsed).toEqual({ found: true, accessKeyId: CURRENT_KEY_ID, userName: SMTP_USER, lastUsedDate: undefined, serviceName: undefined, region: undefined });
  });

  it.each(['NoSuchEntity', 'AccessDenied'] as const)('answers "not found" for a deleted key reported as %s', async (answer) => {
    endpoint.scenario.missingKeyAnswer = answer;
    const result = await gateways().iam.getAccessKeyLastUsed(ROTATED_KEY_ID);
    expect(result).toMatchObject({ found: false, accessKeyId: ROTATED_KEY_ID, answeredWith: answer });
  });

  it('keeps an AccessDenied that does not name the key as an error', async () => {
    endpoint.scenario.faults.accessDenied = ['GetAccessKeyLastUsed'];
    const error = await rejection(gateways().iam.getAccessKeyLastUsed(CURRENT_KEY_ID));
    expect(error).toMatchObject({ kind: 'access-denied', missingAction: 'iam:GetAccessKeyLastUsed', service: 'IAM' });
  });

  it('gets a user and simulates the send policy', async () => {
    const iam = gateways().iam;
    const user = await iam.getUser(SMTP_USER);
    expect(user.arn).toBe(`arn:aws:iam::111122223333:user/${SMTP_USER}`);
    endpoint.scenario.iamUsers[SMTP_USER]!.sendDecision = 'explicitDeny';
    const [result] = await iam.simulatePrincipalPolicy({ policySourceArn: user.arn, actionNames: ['ses:SendRawEmail'], resourceArns: ['arn:aws:ses:us-east-1:111122223333:identity/customer.example'] });
    expect(result).toMatchObject({ action: 'ses:SendRawEmail', decision: 'explicitDeny', matchedStatements: ['DenySesOutsideBusinessHours'], organizationsAllowed: true });
    expect(endpoint.callsOf('SimulatePrincipalPolicy')[0]?.params).toMatchObject({ 'ActionNames.member.1': 'ses:SendRawEmail' });
  });

  it('creates, deactivates and deletes keys; a third key is refused', async () => {
    const iam = gateways().iam;
    const created = await iam.createAccessKey(SMTP_USER);
    expect(created.accessKeyId).toMatch(/^AKIA/);
    expect(created.secretAccessKey.length).toBeGreaterThan(20);
    expect(await rejection(iam.createAccessKey(SMTP_USER))).toMatchObject({ awsCode: 'LimitExceeded' });
    await iam.updateAccessKey(SMTP_USER, CURRENT_KEY_ID, 'Inactive');
    expect(endpoint.scenario.iamUsers[SMTP_USER]!.keys.find((k) => k.accessKeyId === CURRENT_KEY_ID)?.status).toBe('Inactive');
    await iam.deleteAccessKey(SMTP_USER, CURRENT_KEY_ID);
    expect(endpoint.scenario.iamUsers[SMTP_USER]!.keys.map((k) => k.accessKeyId)).toEqual([created.accessKeyId]);
  });
});

describe('detectAwsCredentials', () => {
  const emptyHome = mkdtempSync(join(tmpdir(), 'maildiag-home-'));
  it('finds environment, container and web-identity credentials without network', () => {
    expect(detectAwsCredentials({ HOME: emptyHome, AWS_ACCESS_KEY_ID: 'AKIAX', AWS_SECRET_ACCESS_KEY: 'never-shown' })).toEqual({ available: true, source: 'environment (AWS_ACCESS_KEY_ID)' });
    expect(detectAwsCredentials({ HOME: emptyHome, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds' }).available).toBe(true);
    expect(detectAwsCredentials({ HOME: emptyHome, AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_ROLE_ARN: 'arn:aws:iam::1:role/r' }).available).toBe(true);
  });

  it('finds a named profile in the shared files and nothing in an empty home', () => {
    const home = mkdtempSync(join(tmpdir(), 'maildiag-aws-'));
    const config = join(home, 'config');
    writeFileSync(config, '[profile ops]\nregion = eu-west-1\n');
    expect(detectAwsCredentials({ HOME: home, AWS_CONFIG_FILE: config, AWS_PROFILE: 'ops' }).available).toBe(true);
    expect(detectAwsCredentials({ HOME: home, AWS_CONFIG_FILE: config, AWS_PROFILE: 'other' }).available).toBe(false);
    const none = detectAwsCredentials({ HOME: emptyHome });
    expect(none.available).toBe(false);
    expect(none.source).toContain('MAILDIAG_AWS=on');
  });

  it('obeys MAILDIAG_AWS=on/off', () => {
    expect(detectAwsCredentials({ HOME: emptyHome, MAILDIAG_AWS: 'on' }).available).toBe(true);
    expect(detectAwsCredentials({ HOME: emptyHome, MAILDIAG_AWS: 'off', AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'B' }).available).toBe(false);
  });

  it('never puts a secret into the source description', () => {
    const result = detectAwsCredentials({ HOME: emptyHome, AWS_ACCESS_KEY_ID: 'AKIAX', AWS_SECRET_ACCESS_KEY: 'never-shown', AWS_SESSION_TOKEN: 'tok' });
    expect(JSON.stringify(result)).not.toMatch(/never-shown|tok\b/);
  });
});

describe('wire facts the loopback endpoint relies on (checked against the real SDK)', () => {
  async function rawServer(body: string, contentType: string) {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', contentType);
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('IAM XML without the <ListAccessKeysResult> wrapper silently yields no keys', async () => {
    const raw = await rawServer(
      '<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><AccessKeyMetadata><member><UserName>u</UserName><AccessKeyId>AKIAX</AccessKeyId><Status>Active</Status></member></AccessKeyMetadata></ListAccessKeysResponse>',
      'text/xml',
    );
    try {
      const keys = await createAwsGateways({ endpoint: raw.url, credentials: CREDENTIALS, maxAttempts: 1 }, newCounters()).iam.listAccessKeys('u');
      expect(keys).toEqual([]);
    } finally {
      await raw.close();
    }
  });

  it('SESv2 timestamps must be epoch seconds: an ISO string does not deserialize', async () => {
    const raw = await rawServer(JSON.stringify({ SuppressedDestination: { EmailAddress: 'a@b.example', Reason: 'BOUNCE', LastUpdateTime: '2026-02-21T12:00:00Z' } }), 'application/json');
    try {
      const outcome = await createAwsGateways({ endpoint: raw.url, credentials: CREDENTIALS, maxAttempts: 1 }, newCounters())
        .ses('us-east-1')
        .getSuppressedDestination('a@b.example')
        .then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
      // The SDK throws a TypeError ("Expected real number, got implicit NaN"), which we wrap.
      expect(outcome).toHaveProperty('error');
      const error = (outcome as { error: AwsCallError }).error;
      expect(error).toBeInstanceOf(AwsCallError);
      expect(error.message).toContain('ses:GetSuppressedDestination');
    } finally {
      await raw.close();
    }
  });
});
