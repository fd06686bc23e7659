/**
 * The one entry point both front ends (Slack and CLI) use to run a diagnosis: it builds a
 * fresh per-run context (DNS cache, memoised AWS gateways, counters) around long-lived services.
 */
import type { Logger } from 'pino';
import type { AwsGateways } from './core/aws-ports.js';
import { createRunContext, newCounters } from './core/context.js';
import { type LayerModule, type RunOptions, runDiagnosis } from './core/engine.js';
import type { Clock, DnsClient, EngineSettings, RunCounters } from './core/ports.js';
import type { Report } from './core/report.js';
import type { SmtpProber } from './core/smtp-ports.js';
import type { Target } from './core/target.js';
import { createRunDns } from './io/dns.js';

export interface DiagnosisServices {
  modules: readonly LayerModule[];
  /** The shared, uncached DNS client; each run wraps it in its own cache. */
  dns: DnsClient;
  /** Builds the run's AWS gateways (every request cancelled by `signal`); undefined when AWS is not configured. */
  aws: ((counters: RunCounters, signal: AbortSignal) => AwsGateways) | undefined;
  smtp: SmtpProber | undefined;
  /** True when AWS was switched off on purpose, so front ends need not point out its absence. */
  awsOffOnPurpose?: boolean;
  settings: EngineSettings;
  log: Logger;
  clock?: Clock;
}

export interface DiagnoseOptions extends RunOptions {
  runId?: string;
  signal?: AbortSignal;
}

export async function diagnose(target: Target, services: DiagnosisServices, options: DiagnoseOptions = {}): Promise<Report> {
  const counters = newCounters();
  // Ends with the run: no AWS request or DNS query outlives the report.
  const run = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, run.signal]) : run.signal;
  const ctx = createRunContext({
    target,
    dns: createRunDns(services.dns, counters),
    counters,
    aws: services.aws?.(counters, signal),
    smtp: services.smtp,
    settings: services.settings,
    log: services.log,
    ...(services.clock ? { clock: services.clock } : {}),
    signal,
    ...(options.runId ? { runId: options.runId } : {}),
  });
  ctx.log.info({ target: { sender: target.senderDomain, recipients: target.recipients.length } }, 'diagnosis started');
  const report = await runDiagnosis(services.modules, ctx, options).finally(() => run.abort(new Error('the run has finished')));
  ctx.log.info({ verdict: report.verdict, stats: report.stats }, 'diagnosis finished');
  return report;
}
