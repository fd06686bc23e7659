/**
 * Prometheus metrics for operators (prom-client): one registry per composed app, the
 * instruments below, and process metrics. Every label value comes from a small, closed set
 * (layer, check id, verdict, trigger, Slack method, action kind, audit event, error code):
 * never a domain, an address, an access key id or a Slack user, which would make series
 * unbounded and put private data into the monitoring system. docs/operations.md lists them.
 *
 * Only the Slack app loads this module; the CLI never does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Finding, Layer } from './core/finding.js';
import type { Report } from './core/report.js';

/** What asked for a diagnosis. Slack: a slash command, or a thread (mention or message shortcut). */
export type DiagnosisTrigger = 'command' | 'thread' | 'recheck' | 'cli' | 'other';

/** The engine-side hooks `diagnose` calls (src/service.ts). */
export interface DiagnosisMetrics {
  checkFinished(layer: Layer, check: string, seconds: number, findings: readonly Finding[]): void;
  layerFinished(layer: Layer, seconds: number): void;
  diagnosisFinished(trigger: DiagnosisTrigger, report: Report): void;
}

/** Sources read at scrape time: the run tracker (active) and the run queue (queued). */
export interface RunGaugeSources {
  active(): number;
  queued?(): number;
  /** Requests refused with "busy" since start (the run queue was full). */
  refused?(): number;
}

export interface Metrics {
  registry: Registry;
  diagnosis: DiagnosisMetrics;
  /** One HTTP attempt to the Slack Web API (retries count again); 429 also counts as rate limited. */
  slackCall(method: string, httpStatus: number | 'network-error'): void;
  /** One approval audit event: requested, approved, rejected, expired, executed, verified, failed, refused, superseded. */
  approvalEvent(action: string, outcome: string): void;
  watchRuns(sources: RunGaugeSources): void;
  /** Wraps a fetch so every Slack Web API call is counted (Bolt's `clientOptions.fetch`). */
  countingFetch(base?: typeof fetch): typeof fetch;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export const METRICS_PATH = '/metrics';

/** Seconds; checks wait on DNS (ms) and AWS/SMTP (up to the per-check timeout). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

const SAFE_LABEL = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;
const ACCESS_KEY_ID = /^(?:AKIA|ASIA)[A-Z0-9]{16}$/;
const SLACK_METHOD = /^[a-z]+(?:\.[a-zA-Z]+){1,3}$/;

/**
 * A label value from a closed vocabulary, or `other`. Dots and `@` are refused (no domain or
 * address can pass), and so is anything shaped like an access key id.
 */
export function safeLabel(value: string | undefined): string {
  if (value === undefined || !SAFE_LABEL.test(value) || ACCESS_KEY_ID.test(value)) return 'other';
  return value;
}

/** The Slack Web API method of a request URL (`chat.postMessage`), or `other`. */
export function slackMethodOf(url: string): string {
  const last = url.split('?')[0]?.split('/').pop() ?? '';
  return SLACK_METHOD.test(last) ? last : 'other';
}

/**
 * The stable code of an `error` finding, read from the evidence the engine and the checks
 * attach: `error code` (a MaildiagError code), `AWS error code`, or the DNS code at the end of
 * a `failed query` line. Anything else is `unknown`; every value goes through `safeLabel`.
 */
export function errorCodeOf(finding: Finding): string {
  const first = (label: string): string | undefined => {
    const item = finding.evidence.find((e) => e.label === label);
    return Array.isArray(item?.value) ? item.value[0] : item?.value;
  };
  const code = first('error code') ?? first('AWS error code') ?? first('failed query')?.split(':').pop()?.trim();
  return code === undefined ? 'unknown' : safeLabel(code);
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const diagnoses = new Counter({
    name: 'maildiag_diagnoses_total',
    help: 'Diagnoses finished, by what asked for them and their verdict.',
    labelNames: ['trigger', 'verdict'] as const,
    registers,
  });
  const diagnosisDuration = new Histogram({
    name: 'maildiag_diagnosis_duration_seconds',
    help: 'Wall time of a whole diagnosis, by trigger.',
    labelNames: ['trigger'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const layerDuration = new Histogram({
    name: 'maildiag_layer_duration_seconds',
    help: 'Time from the start of a diagnosis until a layer had all its findings.',
    labelNames: ['layer'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const checkDuration = new Histogram({
    name: 'maildiag_check_duration_seconds',
    help: 'Time one check took, by layer and check.',
    labelNames: ['layer', 'check'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const checkErrors = new Counter({
    name: 'maildiag_check_errors_total',
    help: 'Findings of status error (a check could not complete), by layer, check and error code.',
    labelNames: ['layer', 'check', 'code'] as const,
    registers,
  });
  const dnsQueries = new Counter({
    name: 'maildiag_dns_queries_total',
    help: 'DNS queries sent on the wire (after the per-run cache).',
    registers,
  });
  const awsCalls = new Counter({
    name: 'maildiag_aws_calls_total',
    help: 'AWS API HTTP attempts made by diagnoses (retries included).',
    registers,
  });
  const slackCalls = new Counter({
    name: 'maildiag_slack_api_calls_total',
    help: 'HTTP attempts to the Slack Web API, by method and HTTP status (network-error when no answer came).',
    labelNames: ['method', 'status'] as const,
    registers,
  });
  const slackRateLimited = new Counter({
    name: 'maildiag_slack_api_rate_limited_total',
    help: 'Slack Web API answers with HTTP 429 (the client waits Retry-After and tries again), by method.',
    labelNames: ['method'] as const,
    registers,
  });
  const approvals = new Counter({
    name: 'maildiag_approval_requests_total',
    help: 'Approval request events, by action kind and outcome (the audit event).',
    labelNames: ['action', 'outcome'] as const,
    registers,
  });
  let runSources: RunGaugeSources | undefined;
  new Gauge({
    name: 'maildiag_runs_active',
    help: 'Diagnoses running now.',
    registers,
    collect() {
      this.set(runSources?.active() ?? 0);
    },
  });
  new Gauge({
    name: 'maildiag_runs_queued',
    help: 'Diagnoses accepted and waiting for a slot.',
    registers,
    collect() {
      this.set(runSources?.queued?.() ?? 0);
    },
  });
  new Counter({
    name: 'maildiag_runs_refused_total',
    help: 'Requests answered "busy" because the run queue was full (MAILDIAG_MAX_QUEUED_RUNS).',
    registers,
    collect() {
      // The queue keeps the count; the counter mirrors it at scrape time.
      this.reset();
      this.inc(runSources?.refused?.() ?? 0);
    },
  });

  const slackCall = (method: string, httpStatus: number | 'network-error'): void => {
    const label = slackMethodOf(`/${method}`);
    slackCalls.inc({ method: label, status: String(httpStatus) });
    if (httpStatus === 429) slackRateLimited.inc({ method: label });
  };

  return {
    registry,
    diagnosis: {
      checkFinished(layer, check, seconds, findings) {
        const labels = { layer, check: safeLabel(check) };
        checkDuration.observe(labels, seconds);
        for (const finding of findings) if (finding.status === 'error') checkErrors.inc({ ...labels, code: errorCodeOf(finding) });
      },
      layerFinished(layer, seconds) {
        layerDuration.observe({ layer }, seconds);
      },
      diagnosisFinished(trigger, report) {
        diagnoses.inc({ trigger, verdict: report.verdict });
        diagnosisDuration.observe({ trigger }, report.stats.durationMs / 1000);
        dnsQueries.inc(report.stats.dnsQueries);
        awsCalls.inc(report.stats.awsCalls);
      },
    },
    slackCall,
    approvalEvent(action, outcome) {
      approvals.inc({ action: safeLabel(action), outcome: safeLabel(outcome) });
    },
    watchRuns(sources) {
      runSources = sources;
    },
    countingFetch(base = globalThis.fetch) {
      return async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const method = slackMethodOf(url);
        try {
          const response = await base(input, init);
          slackCall(method, response.status);
          return response;
        } catch (error) {
          slackCall(method, 'network-error');
          throw error;
        }
      };
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** A request handler answering GET /metrics (other paths: 404). */
export function metricsHandler(metrics: Metrics, log?: { warn(obj: object, msg: string): void }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      },
      (error: unknown) => {
        log?.warn({ err: error }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics unavailable\n');
      },
    );
  };
}

/** A separate listener for GET /metrics (Socket Mode, or to keep metrics off the public port). */
export async function startMetricsServer(
  metrics: Metrics,
  options: { port: number; host?: string; log?: { warn(obj: object, msg: string): void } },
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(metricsHandler(metrics, options.log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
