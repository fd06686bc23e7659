import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipientLayer } from '../../src/checks/recipient/index.js';
import { createRunContext, newCounters } from '../../src/core/context.js';
import { runDiagnosis } from '../../src/core/engine.js';
import type { InterpretedReply } from '../../src/core/replies.js';
import { emptyTarget, type Target } from '../../src/core/target.js';
import { createDnsClient, createRunDns } from '../../src/io/dns.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { canonicalZones, RECIPIENT_ADDRESS } from '../support/scenarios/canonical-dns.js';

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({
    zone: {
      ...canonicalZones(),
      'gmail.example': [{ type: 'MX', value: { exchange: 'aspmx.l.google.com', priority: 1 } }],
      'nullmx.example': [{ type: 'MX', value: { exchange: '', priority: 0 } }],
      'bare.example': [{ type: 'A', value: '192.0.2.44' }],
      'other.example': [{ type: 'MX', value: { exchange: 'mail.other.example', priority: 10 } }],
      'broken.example': { fail: 'SERVFAIL' },
    },
  });
});
afterAll(() => server.close());

async function run(target: Target) {
  const counters = newCounters();
  const ctx = createRunContext({
    target,
    dns: createRunDns(createDnsClient({ servers: [server.address], timeoutMs: 1_000, tries: 1 }), counters),
    counters,
  });
  return runDiagnosis([recipientLayer], ctx);
}

const withRecipients = (...recipients: string[]): Target => ({ ...emptyTarget('customer.example'), recipients });

describe('recipient layer: mail server and provider', () => {
  it('recognises Exchange Online and Google from MX names, one finding per domain', async () => {
    const report = await run(withRecipients(RECIPIENT_ADDRESS, 'bob@gmail.example', 'carol@recipient.example'));
    const byId = Object.fromEntries(report.findings.map((f) => [f.id, f]));
    expect(byId['recipient.mx:recipient.example']?.summary).toMatch(/hosted by Exchange Online \(recipient-example\.mail\.protection\.outlook\.com\)/);
    expect(byId['recipient.mx:gmail.example']?.summary).toMatch(/hosted by Google/);
    expect(report.findings.filter((f) => f.check === 'mx')).toHaveLength(2);
    expect(server.queries.filter((q) => q.name === 'recipient.example' && q.type === 'MX').length).toBeGreaterThan(0);
  });

  it.each([
    ['nobody@nullmx.example', 'fail', /null MX/],
    ['x@bare.example', 'warn', /no MX record; senders fall back to its address \(192\.0\.2\.44\)/],
    ['x@missing.example', 'fail', /does not exist \(NXDOMAIN\)/],
    ['x@other.example', 'info', /provider not recognised/],
    ['x@broken.example', 'error', /Could not check .*SERVFAIL/],
  ])('%s → %s', async (address, status, summary) => {
    const report = await run(withRecipients(address));
    const finding = report.findings.find((f) => f.check === 'mx');
    expect(finding?.status).toBe(status);
    expect(finding?.summary).toMatch(summary);
  });

  it('is skipped, saying how to give a recipient, when there is none', async () => {
    const report = await run(emptyTarget('customer.example'));
    const finding = report.findings.find((f) => f.check === 'mx');
    expect(finding).toMatchObject({ status: 'skipped' });
    expect(finding?.fix).toMatch(/to=/);
  });
});

describe('recipient layer: replies', () => {
  const ndr: InterpretedReply = {
    raw: '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)',
    recipient: RECIPIENT_ADDRESS,
    replyCode: '550',
    status: '5.4.1',
    provider: 'Exchange Online',
    category: 'recipient-unknown',
    layer: 'recipient',
    reason: 'userunknown',
    confidence: 0.95,
    explanation: 'The address does not exist in the Exchange Online tenant. Directory-Based Edge Blocking rejects it.',
    fix: 'Ask the recipient to confirm the address.',
    ruleId: 'exo-dbeb',
  };
  const relay: InterpretedReply = {
    ...ndr,
    raw: '535 Authentication Credentials Invalid',
    recipient: undefined,
    replyCode: '535',
    status: undefined,
    provider: 'Amazon SES',
    category: 'relay-auth-failed',
    layer: 'relay',
    reason: 'authfailure',
    explanation: 'SES rejected the SMTP credentials.',
    fix: 'Rotate the SMTP credentials.',
    ruleId: 'ses-535',
  };

  it('puts each reply in the layer it points to, quoting it and corroborating the provider with MX', async () => {
    const report = await run({ ...withRecipients(RECIPIENT_ADDRESS), replies: [ndr, relay] });
    const recipientReply = report.findings.find((f) => f.id === 'recipient.replies:1');
    const relayReply = report.findings.find((f) => f.id === 'relay.replies:2');
    expect(recipientReply).toMatchObject({ status: 'fail', layer: 'recipient' });
    expect(recipientReply?.evidence).toContainEqual({ label: 'reply', value: ndr.raw, code: true });
    expect(recipientReply?.evidence).toContainEqual({ label: 'recipient MX provider', value: 'Exchange Online (matches the reply)' });
    expect(relayReply).toMatchObject({ status: 'fail', layer: 'relay' });
    expect(report.rootCause?.id).toBe('relay.replies:2');
  });

  it('treats a 4xx reply as a warning and an unrecognised one as context', async () => {
    const temporary = { ...ndr, replyCode: '451', status: '4.7.500', category: 'throttled' };
    const unknown = { ...ndr, replyCode: undefined, status: undefined, category: 'unrecognised' };
    const report = await run({ ...withRecipients(RECIPIENT_ADDRESS), replies: [temporary, unknown] });
    expect(report.findings.find((f) => f.id === 'recipient.replies:1')?.status).toBe('warn');
    expect(report.findings.find((f) => f.id === 'recipient.replies:2')?.status).toBe('info');
  });
});

describe('recipient layer: real interpretation with the MX as provider hint', () => {
  it('reads a bare pasted 5.4.1 as "recipient does not exist" once the MX shows Exchange Online', async () => {
    const { interpretReplies } = await import('../../src/knowledge/bounce/classify.js');
    const replies = interpretReplies('550 5.4.1 Recipient address rejected: Access denied', { recipient: RECIPIENT_ADDRESS });
    expect(replies[0]?.provider).toBe('unknown');
    const report = await run({ ...withRecipients(RECIPIENT_ADDRESS), replies });
    const finding = report.findings.find((f) => f.check === 'replies');
    expect(finding?.status).toBe('fail');
    expect(finding?.summary).toMatch(/^Exchange Online answered 550 5\.4\.1/);
    expect(finding?.evidence).toContainEqual({ label: 'recipient MX provider', value: 'Exchange Online (matches the reply)' });
  });
});

describe('recipient layer: replies SES recorded in message insights', () => {
  it('interprets the suppressing bounce without sending any AWS call of its own', async () => {
    const { startAwsEndpoint, canonicalScenario } = await import('../support/aws-endpoint.js');
    const { BOT_CREDENTIALS } = await import('../support/aws-run.js');
    const { createAwsGateways } = await import('../../src/io/aws.js');
    const { suppressionLayer } = await import('../../src/checks/suppression/index.js');
    const endpoint = await startAwsEndpoint(canonicalScenario());
    try {
      const counters = newCounters();
      const ctx = createRunContext({
        target: withRecipients(RECIPIENT_ADDRESS),
        dns: createRunDns(createDnsClient({ servers: [server.address], timeoutMs: 1_000, tries: 1 }), counters),
        counters,
        aws: createAwsGateways({ endpoint: endpoint.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }, counters),
      });
      const report = await runDiagnosis([suppressionLayer, recipientLayer], ctx);
      const reply = report.findings.find((f) => f.check === 'replies');
      expect(reply).toMatchObject({ layer: 'recipient', status: 'fail' });
      expect(reply?.summary).toMatch(/^Exchange Online answered 550 5\.4\.1/);
      expect(reply?.evidence.find((e) => e.label === 'found in')?.value).toMatch(/^SES message insights for 0100018f3c2a1b2c/);
      expect(endpoint.callsOf('GetSuppressedDestination')).toHaveLength(1);
      expect(endpoint.callsOf('GetMessageInsights')).toHaveLength(1);
    } finally {
      await endpoint.close();
    }
  });
});

describe('recipient layer: replies of a message named in the input', () => {
  it('reads the bounce reply from the named message once, even when it also suppressed the address', async () => {
    const { startAwsEndpoint, canonicalScenario, BOUNCE_MESSAGE_ID } = await import('../support/aws-endpoint.js');
    const { BOT_CREDENTIALS } = await import('../support/aws-run.js');
    const { createAwsGateways } = await import('../../src/io/aws.js');
    const endpoint = await startAwsEndpoint(canonicalScenario());
    try {
      const counters = newCounters();
      const ctx = createRunContext({
        target: { ...withRecipients(RECIPIENT_ADDRESS), messageIds: [BOUNCE_MESSAGE_ID] },
        dns: createRunDns(createDnsClient({ servers: [server.address], timeoutMs: 1_000, tries: 1 }), counters),
        counters,
        aws: createAwsGateways({ endpoint: endpoint.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }, counters),
      });
      const report = await runDiagnosis([recipientLayer], ctx);
      const replies = report.findings.filter((f) => f.check === 'replies');
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ layer: 'recipient', status: 'fail' });
      expect(endpoint.callsOf('GetMessageInsights')).toHaveLength(1);
    } finally {
      await endpoint.close();
    }
  });
});
