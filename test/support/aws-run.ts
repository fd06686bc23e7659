/**
 * Runs the AWS-backed layers (relay, ses, suppression) through the engine with the real
 * SDK clients pointed at the loopback AWS endpoint (maxAttempts 1), an optional SMTP prober,
 * a fixed clock and a log captured as objects.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { relayLayer } from '../../src/checks/relay/index.js';
import { sesLayer } from '../../src/checks/ses/index.js';
import { suppressionLayer } from '../../src/checks/suppression/index.js';
import { createRunContext, newCounters } from '../../src/core/context.js';
import { runDiagnosis } from '../../src/core/engine.js';
import type { Layer } from '../../src/core/finding.js';
import { DnsLookupError, type DnsClient, type EngineSettings, type RunContext } from '../../src/core/ports.js';
import type { Report } from '../../src/core/report.js';
import type { SmtpProber } from '../../src/core/smtp-ports.js';
import { parseTargetText } from '../../src/core/target.js';
import { createAwsGateways } from '../../src/io/aws.js';
import { SCENARIO_NOW, type TestAwsEndpoint } from './aws-endpoint.js';

/** The bot's own (fake) credentials for the loopback endpoint. */
export const BOT_CREDENTIALS = { accessKeyId: 'AKIAMAILDIAGTESTBOT1', secretAccessKey: 'bot-secret-loopback-only-0000000000000000' };

/** These layers never resolve DNS; a lookup would be a bug, so it fails loudly. */
const noDns: DnsClient = {
  resolve(name, type) {
    return Promise.reject(new DnsLookupError('REFUSED', name, type));
  },
};

export interface AwsRunOptions {
  endpoint: TestAwsEndpoint;
  /** Slash-command text, e.g. `admin@customer.example to=alice@recipient.example smtp-user=AKIA...`. */
  input: string;
  settings?: Partial<EngineSettings>;
  smtp?: SmtpProber;
  layers?: Layer[];
}

export interface AwsRun {
  report: Report;
  ctx: RunContext;
  /** Every log line of the run, parsed. */
  logLines: Array<Record<string, unknown>>;
  logText: string;
}

export async function runAwsLayers(options: AwsRunOptions): Promise<AwsRun> {
  const counters = newCounters();
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString('utf8');
      callback();
    },
  });
  const ctx = createRunContext({
    target: parseTargetText(options.input),
    dns: noDns,
    counters,
    aws: createAwsGateways({ endpoint: options.endpoint.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }, counters),
    smtp: options.smtp,
    settings: { regions: ['us-east-1'], checkTimeoutMs: 10_000, ...options.settings },
    clock: { now: () => SCENARIO_NOW },
    log: pino({ level: 'debug' }, sink),
  });
  const report = await runDiagnosis([relayLayer, sesLayer, suppressionLayer], ctx, { layers: options.layers ?? ['relay', 'ses', 'suppression'] });
  const logLines = logText
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { report, ctx, logLines, logText };
}

export function findingById(report: Report, id: string) {
  const finding = report.findings.find((f) => f.id === id);
  if (!finding) throw new Error(`no finding ${id}; have ${report.findings.map((f) => f.id).join(', ')}`);
  return finding;
}
