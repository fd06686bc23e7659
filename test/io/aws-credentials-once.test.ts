/**
 * Issue 13: AWS SDK clients are built once per process and region, and credentials are
 * resolved once and then left to the SDK. The default provider chain is pointed at a
 * loopback container-credentials endpoint (what ECS offers), and every request to it is
 * counted while several runs call SESv2 in two regions and IAM.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCounters } from '../../src/core/context.js';
import { createAwsGateways } from '../../src/io/aws.js';
import { destroyAwsClients, pooledClientCount } from '../../src/io/aws-clients.js';
import { canonicalScenario, startAwsEndpoint, type TestAwsEndpoint } from '../support/aws-endpoint.js';

const CREDENTIAL_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EC2_METADATA_DISABLED',
] as const;

let aws: TestAwsEndpoint;
let credentialServer: Server;
let credentialRequests = 0;
const savedEnv = new Map<string, string | undefined>();

beforeAll(async () => {
  aws = await startAwsEndpoint(canonicalScenario());
  credentialServer = createServer((_req, res) => {
    credentialRequests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        AccessKeyId: 'AKIAMAILDIAGCONTAINER',
        SecretAccessKey: 'container-secret-loopback-only',
        Token: 'container-session-token',
        // Valid for hours: the SDK has no reason to refresh within the test.
        Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
      }),
    );
  });
  credentialServer.listen(0, '127.0.0.1');
  await new Promise((resolve) => credentialServer.once('listening', resolve));
  for (const name of CREDENTIAL_ENV) savedEnv.set(name, process.env[name]);
  for (const name of CREDENTIAL_ENV) delete process.env[name];
  // No files, no instance metadata: only the container endpoint can answer.
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/maildiag-test/credentials';
  process.env.AWS_CONFIG_FILE = '/nonexistent/maildiag-test/config';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(credentialServer.address() as AddressInfo).port}/credentials`;
  destroyAwsClients();
});

afterAll(async () => {
  destroyAwsClients();
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await new Promise((resolve) => credentialServer.close(resolve));
  await aws.close();
});

describe('AWS credentials across runs', () => {
  it('resolves the default chain once for every run, service and region, and builds one client per service and region', async () => {
    const runs = 5;
    let awsCalls = 0;
    for (let i = 0; i < runs; i += 1) {
      const counters = newCounters();
      const gateways = createAwsGateways({ endpoint: aws.url, maxAttempts: 1 }, counters);
      // Concurrent first calls in each run: the provider is shared and memoised, not raced.
      await Promise.all([gateways.ses('us-east-1').getAccount(), gateways.ses('eu-west-1').getAccount(), gateways.iam.getUser()]);
      awsCalls += counters.awsCalls;
    }
    expect(awsCalls).toBe(runs * 3);
    expect(credentialRequests).toBe(1);
    expect(pooledClientCount()).toBe(3);
  });
});
