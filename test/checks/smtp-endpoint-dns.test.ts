/**
 * The SES SMTP endpoint probe resolves the endpoint's name through the run's DNS client (the
 * configured servers), never the system resolver: test/support/no-network.ts makes any system
 * lookup of a non-loopback name throw, so a probe that used it would end in `error`.
 * A probe that cannot run is an `error` of its check and never outranks a real failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpProber } from '../../src/io/smtp-probe.js';
import { canonicalScenario, healthyScenario, ROTATED_KEY_ID, SENDER, SMTP_USER, startAwsEndpoint, type TestAwsEndpoint } from '../support/aws-endpoint.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { finding, runEverything } from '../support/full-run.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const ENDPOINT_HOST = 'email-smtp.us-east-1.amazonaws.com';

let dns: TestDnsServer;
let aws: TestAwsEndpoint;
let smtp: TestSmtpServer;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
  aws = await startAwsEndpoint(healthyScenario());
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await Promise.all([dns.close(), aws.close(), smtp.close()]);
});

describe('SES SMTP endpoint probe and DNS', () => {
  it('resolves the endpoint through the configured DNS server and connects to that address', async () => {
    dns.setZone({ ...canonicalZones(), [ENDPOINT_HOST]: [{ type: 'A', value: '127.0.0.1' }] });
    aws.reset(healthyScenario());
    const sessionsBefore = smtp.sessions.length;
    const { report } = await runEverything({
      dns,
      aws,
      input: SENDER,
      settings: { smtpUsers: [SMTP_USER], smtpEndpoint: { host: ENDPOINT_HOST, port: smtp.port } },
      smtp: createSmtpProber({ tls: { ca: smtp.ca } }),
      layers: ['relay'],
    });
    const probe = finding(report, 'relay.smtp-endpoint:us-east-1');
    expect(dns.queries.some((q) => q.name === ENDPOINT_HOST && q.type === 'A')).toBe(true);
    expect(probe.evidence.find((e) => e.label === 'endpoint')?.value).toBe(`${ENDPOINT_HOST}:${smtp.port} (127.0.0.1)`);
    // It reached the server at the resolved address (greeting, EHLO, STARTTLS) and checked the
    // certificate against the endpoint's name: the loopback server's certificate names only
    // localhost, which the probe reports as the fact it is.
    expect(smtp.sessions.length).toBeGreaterThan(sessionsBefore);
    expect(probe.evidence.find((e) => e.label === 'banner')?.value).toMatch(/^220 /);
    expect(probe.summary).toContain('stopped at tls');
    expect(probe.summary).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('an endpoint name the configured DNS does not know is a could-not-check error naming the query', async () => {
    dns.setZone({ ...canonicalZones(), [ENDPOINT_HOST]: { fail: 'SERVFAIL' } });
    aws.reset(healthyScenario());
    const { report } = await runEverything({
      dns,
      aws,
      input: SENDER,
      settings: { smtpUsers: [SMTP_USER] },
      smtp: createSmtpProber({ timeoutMs: 2_000 }),
      layers: ['relay'],
    });
    const probe = finding(report, 'relay.smtp-endpoint:us-east-1');
    expect(probe.status).toBe('error');
    expect(probe.summary).toContain(`Could not check ${ENDPOINT_HOST}:587`);
    expect(probe.evidence.find((e) => e.label === 'failed query')?.value).toBe(`A ${ENDPOINT_HOST}: SERVFAIL`);
  });

  it('a probe that cannot connect does not outrank the real failure in the ordering', async () => {
    const closed = await startSmtpServer();
    const port = closed.port;
    await closed.close();
    dns.setZone({ ...canonicalZones(), [ENDPOINT_HOST]: [{ type: 'A', value: '127.0.0.1' }] });
    aws.reset(canonicalScenario());
    const { report } = await runEverything({
      dns,
      aws,
      input: `${SENDER} to=alice@recipient.example smtp-user=${ROTATED_KEY_ID}`,
      settings: { smtpUsers: [SMTP_USER], smtpEndpoint: { host: ENDPOINT_HOST, port } },
      smtp: createSmtpProber({ timeoutMs: 2_000 }),
    });
    const probe = finding(report, 'relay.smtp-endpoint:us-east-1');
    expect(probe.status).toBe('error');
    expect(report.verdict).toBe('fail');
    expect(report.rootCause?.id).toBe(`relay.credentials:${ROTATED_KEY_ID}`);
    const order = report.findings.map((f) => f.id);
    const problems = report.findings.filter((f) => f.status === 'fail' || f.status === 'error');
    // Every real failure comes before it, and it is the last of the could-not-check errors.
    for (const f of problems.filter((p) => p.status === 'fail')) expect(order.indexOf(f.id)).toBeLessThan(order.indexOf(probe.id));
    expect(problems.at(-1)?.id).toBe(probe.id);
  });
});
