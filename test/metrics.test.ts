/**
 * GET /metrics after one diagnosis (a signed slash command through the real HTTP receiver,
 * DNS and AWS on loopback) and one approval (request, approve, execute, verify): the counters
 * move, and no label value holds a domain, an address, an access key id or a Slack user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/finding.js';
import { loadAppConfig } from '../src/config.js';
import { createMetrics, errorCodeOf, type Metrics, safeLabel, slackMethodOf, startMetricsServer } from '../src/metrics.js';
import { RECIPIENT, ROTATED_KEY_ID, SENDER, SMTP_USER } from './support/aws-endpoint.js';
import { CHANNEL, USER } from './slack/harness.js';
import { commandFields } from './support/slack-requests.js';
import { APPROVER, type ApprovalApp, type ApprovalWorld, REQUESTER, startApprovalApp, startWorld } from './remediation/support/approval-harness.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

describe('GET /metrics on the HTTP receiver', () => {
  let world: ApprovalWorld;
  let app: ApprovalApp;
  let metrics: Metrics;
  let before: Sample[];
  let after: Sample[];
  let afterText: string;

  beforeAll(async () => {
    world = await startWorld();
    metrics = createMetrics();
    app = await startApprovalApp(world, { metrics, diagnoseWithAws: true });
    const scrape = async (): Promise<{ text: string; type: string | null }> => {
      const response = await fetch(`${app.harness.baseUrl}/metrics`);
      expect(response.status).toBe(200);
      return { text: await response.text(), type: response.headers.get('content-type') };
    };
    const first = await scrape();
    expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/);
    before = parseExposition(first.text);

    // One diagnosis: the canonical ticket as a slash command.
    const run = app.harness.nextRun();
    const ack = await app.harness.requests.command(
      commandFields({ text: `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`, channel: CHANNEL, user: USER, responseUrl: app.harness.slack.responseUrl('cmd') }),
    );
    expect(ack.status).toBe(200);
    const { report } = await run;
    expect(report.verdict).toBe('fail');

    // One approval: the suppression removal, requested and approved.
    const offer = await app.offer({ kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' });
    await app.requestFix(offer.id, REQUESTER);
    const requestId = (await app.store.listAudit()).find((e) => e.event === 'requested')?.requestId;
    expect(requestId).toBeDefined();
    await app.approve(requestId!, APPROVER);

    afterText = (await scrape()).text;
    after = parseExposition(afterText);
  });
  afterAll(async () => {
    await app?.close();
    await world?.close();
  });

  it('counts the diagnosis by trigger and verdict, its checks, DNS queries and AWS calls', () => {
    expect(value(before, 'maildiag_diagnoses_total')).toBe(0);
    expect(value(after, 'maildiag_diagnoses_total', { trigger: 'command', verdict: 'fail' })).toBe(1);
    expect(value(after, 'maildiag_diagnosis_duration_seconds_count', { trigger: 'command' })).toBe(1);
    expect(value(after, 'maildiag_dns_queries_total')).toBeGreaterThan(0);
    expect(value(after, 'maildiag_aws_calls_total')).toBeGreaterThan(0);
    for (const layer of ['relay', 'ses', 'dns', 'suppression', 'recipient']) {
      expect(value(after, 'maildiag_layer_duration_seconds_count', { layer })).toBeGreaterThanOrEqual(1);
      expect(value(after, 'maildiag_check_duration_seconds_count', { layer })).toBeGreaterThanOrEqual(1);
    }
    expect(value(after, 'maildiag_check_duration_seconds_count', { layer: 'dns', check: 'spf' })).toBeGreaterThanOrEqual(1);
  });

  it('counts the approval by action and outcome', () => {
    expect(value(before, 'maildiag_approval_requests_total')).toBe(0);
    for (const outcome of ['requested', 'approved', 'executed', 'verified']) {
      expect(value(after, 'maildiag_approval_requests_total', { action: 'remove-suppression', outcome })).toBe(1);
    }
  });

  it('counts Slack Web API calls by method and status', () => {
    expect(value(after, 'maildiag_slack_api_calls_total', { method: 'chat.postMessage', status: '200' })).toBeGreaterThan(
      value(before, 'maildiag_slack_api_calls_total', { method: 'chat.postMessage' }),
    );
    expect(value(after, 'maildiag_slack_api_calls_total', { method: 'chat.update' })).toBeGreaterThan(0);
    expect(afterText).toContain('# TYPE maildiag_slack_api_rate_limited_total counter');
  });

  it('reports run gauges and process metrics', () => {
    expect(after.find((s) => s.name === 'maildiag_runs_active')?.value).toBe(0);
    expect(after.find((s) => s.name === 'maildiag_runs_queued')?.value).toBe(0);
    expect(value(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('holds no domain, address, access key id or Slack user in any label value', () => {
    const labelValues = after.flatMap((s) => Object.values(s.labels));
    expect(labelValues.length).toBeGreaterThan(20);
    for (const label of labelValues) {
      expect(label).not.toMatch(/@/);
      expect(label).not.toMatch(/\.example\b/);
      expect(label).not.toMatch(/A[KS]IA[A-Z0-9]{16}/);
      expect(label).not.toMatch(/\bU0[A-Z0-9]+\b/);
    }
    for (const secretish of [SENDER, RECIPIENT, 'customer.example', 'recipient.example', ROTATED_KEY_ID, SMTP_USER, USER, REQUESTER, APPROVER]) {
      expect(afterText).not.toContain(secretish);
    }
  });
});

describe('metrics pieces', () => {
  const finding = (evidence: Finding['evidence']): Finding => ({
    id: 'dns.spf',
    layer: 'dns',
    check: 'spf',
    status: 'error',
    title: 't',
    summary: 's',
    evidence,
    explanation: '',
    fix: '',
  });

  it.each([
    [[{ label: 'error code', value: 'check_timeout' }], 'check_timeout'],
    [[{ label: 'AWS error code', value: 'AccessDeniedException' }], 'AccessDeniedException'],
    [[{ label: 'failed query', value: 'TXT customer.example: SERVFAIL' }], 'SERVFAIL'],
    [[{ label: 'failed query', value: 'TXT customer.example' }], 'other'],
    [[{ label: 'error code', value: 'alice@recipient.example' }], 'other'],
    [[{ label: 'error code', value: ROTATED_KEY_ID }], 'other'],
    [[{ label: 'something', value: 'x' }], 'unknown'],
  ])('the error code of %j is %s', (evidence, code) => {
    expect(errorCodeOf(finding(evidence))).toBe(code);
  });

  it('keeps label values inside a closed vocabulary', () => {
    expect(safeLabel('remove-suppression')).toBe('remove-suppression');
    expect(safeLabel('customer.example')).toBe('other');
    expect(safeLabel('')).toBe('other');
    expect(safeLabel('x'.repeat(80))).toBe('other');
    expect(slackMethodOf('http://127.0.0.1:1234/api/chat.postMessage')).toBe('chat.postMessage');
    expect(slackMethodOf('https://slack.com/api/usergroups.users.list?x=1')).toBe('usergroups.users.list');
    expect(slackMethodOf('https://evil.example/')).toBe('other');
  });

  it('counts 429 answers as rate limited, and failed requests as network errors', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const statuses = [429, 200];
    const counting = metrics.countingFetch(async () => new Response('{}', { status: statuses.shift() ?? 500 }));
    await counting('http://127.0.0.1/api/chat.postMessage');
    await counting('http://127.0.0.1/api/chat.postMessage');
    const failing = metrics.countingFetch(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(failing('http://127.0.0.1/api/chat.update')).rejects.toThrow('fetch failed');
    const samples = parseExposition((await metrics.scrape()).body);
    expect(value(samples, 'maildiag_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(2);
    expect(value(samples, 'maildiag_slack_api_rate_limited_total', { method: 'chat.postMessage' })).toBe(1);
    expect(value(samples, 'maildiag_slack_api_calls_total', { method: 'chat.update', status: 'network-error' })).toBe(1);
  });

  it.each([
    ['9464', 9464],
    ['0', 0],
    ['', undefined],
  ])('MAILDIAG_METRICS_PORT=%j is read as %j', (raw, port) => {
    expect(loadAppConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', MAILDIAG_METRICS_PORT: raw }).metrics.port).toBe(port);
  });

  it.each(['http', '-1', '70000', '9464.5'])('MAILDIAG_METRICS_PORT=%j stops the start naming the variable', (raw) => {
    expect(() => loadAppConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', MAILDIAG_METRICS_PORT: raw })).toThrow(/MAILDIAG_METRICS_PORT must be a port number/);
  });

  it('serves /metrics on its own port (MAILDIAG_METRICS_PORT) and 404 elsewhere', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let active = 3;
    metrics.watchRuns({ active: () => active, queued: () => 2 });
    const server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      const samples = parseExposition(await response.text());
      expect(value(samples, 'maildiag_runs_active')).toBe(3);
      expect(value(samples, 'maildiag_runs_queued')).toBe(2);
      active = 0;
      expect(value(parseExposition(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text()), 'maildiag_runs_active')).toBe(0);
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
