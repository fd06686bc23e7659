/**
 * Runs the whole engine (every layer) against both loopback peers: the DNS server serving
 * fixture zones and the AWS endpoint holding scenario state, with an optional SMTP prober.
 * The target comes from slash-command text or from ticket-thread messages (read by the
 * product's own thread extraction), so a test builds a situation only from facts.
 */
import pino from 'pino';
import { LAYER_MODULES } from '../../src/checks/index.js';
import { createRunContext, newCounters } from '../../src/core/context.js';
import { runDiagnosis } from '../../src/core/engine.js';
import type { Finding, Layer } from '../../src/core/finding.js';
import type { EngineSettings } from '../../src/core/ports.js';
import type { Report } from '../../src/core/report.js';
import type { SmtpProber } from '../../src/core/smtp-ports.js';
import { parseTargetText, type Target } from '../../src/core/target.js';
import { createAwsGateways } from '../../src/io/aws.js';
import { createDnsClient, createRunDns } from '../../src/io/dns.js';
import { extractFromThread } from '../../src/knowledge/ticket-text.js';
import { SCENARIO_NOW, type TestAwsEndpoint } from './aws-endpoint.js';
import { BOT_CREDENTIALS } from './aws-run.js';
import type { TestDnsServer } from './dns-server.js';

export interface FullRunOptions {
  dns: TestDnsServer;
  /** Without it the AWS layers are skipped, as when no credentials are configured. */
  aws?: TestAwsEndpoint;
  /** Slash-command text, or the messages of a ticket thread. */
  input: string | { thread: string[] };
  settings?: Partial<EngineSettings>;
  smtp?: SmtpProber;
  layers?: Layer[];
}

export async function runEverything(options: FullRunOptions): Promise<{ report: Report; target: Target }> {
  const target = typeof options.input === 'string' ? parseTargetText(options.input) : threadTarget(options.input.thread);
  const counters = newCounters();
  const ctx = createRunContext({
    target,
    dns: createRunDns(createDnsClient({ servers: [options.dns.address], timeoutMs: 2_000, tries: 2 }), counters),
    counters,
    aws: options.aws ? createAwsGateways({ endpoint: options.aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }, counters) : undefined,
    smtp: options.smtp,
    settings: { regions: ['us-east-1'], checkTimeoutMs: 10_000, ...options.settings },
    clock: { now: () => SCENARIO_NOW },
    log: pino({ level: 'silent' }),
  });
  const report = await runDiagnosis(LAYER_MODULES, ctx, options.layers ? { layers: options.layers } : {});
  return { report, target };
}

function threadTarget(messages: string[]): Target {
  const extraction = extractFromThread(messages);
  if (!extraction.target) throw new Error(`the thread names no sender: ${extraction.notes.join(' | ')}`);
  return extraction.target;
}

export function finding(report: Report, id: string): Finding {
  const found = report.findings.find((f) => f.id === id);
  if (!found) throw new Error(`no finding ${id}; have ${report.findings.map((f) => f.id).join(', ')}`);
  return found;
}

/** Every text of a finding, for assertions on what a reader is told. */
export function wordsOf(f: Finding): string {
  return [f.summary, f.explanation, f.fix, ...f.evidence.map((e) => `${e.label}: ${[e.value].flat().join(' | ')}`)].join('\n');
}
