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
import type { DiagnosisMetrics, DiagnosisTrigger } from './metrics.js';

export interface DiagnosisServices {
  modules: readonly LayerModule[];
  /** The shared, uncached DNS client; each run wraps it in its own cache. */
  dns: DnsClient;
  /** Builds the run's AWS gateways; undefined when AWS is not configured. */
  aws: ((counters: RunCounters) => AwsGateways) | undefined;
  smtp: SmtpProber | undefined;
  /** True when AWS was switched off on purpose, so front ends need not point out its absence. */
  awsOffOnPurpose?: boolean;
  settings: EngineSettings;
  log: Logger;
  clock?: Clock;
  /** Prometheus hooks (src/metrics.ts); the Slack app sets them, the CLI does not. */
  metrics?: DiagnosisMetrics;
}

export interface DiagnoseOptions extends RunOptions {
  runId?: string;
  signal?: AbortSignal;
  /** What asked for this run (a metrics label). Default `other`. */
  trigger?: DiagnosisTrigger;
}

export async function diagnose(target: Target, services: DiagnosisServices, options: DiagnoseOptions = {}): Promise<Report> {
  const counters = newCounters();
  const ctx = createRunContext({
    target,
    dns: createRunDns(services.dns, counters),
    counters,
    aws: services.aws?.(counters),
    smtp: services.smtp,
    settings: services.settings,
    log: services.log,
    ...(services.clock ? { clock: services.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
  });
  ctx.log.info({ target: { sender: target.senderDomain, recipients: target.recipients.length } }, 'diagnosis started');
  const report = await runDiagnosis(services.modules, ctx, services.metrics ? measured(services.metrics, options) : options);
  services.metrics?.diagnosisFinished(options.trigger ?? 'other', report);
  ctx.log.info({ verdict: report.verdict, stats: report.stats }, 'diagnosis finished');
  return report;
}

/** Times each check and layer through the engine's progress events, for the metrics. */
function measured(metrics: DiagnosisMetrics, options: DiagnoseOptions): DiagnoseOptions {
  const started = performance.now();
  const checkStarts = new Map<string, number>();
  const seconds = (since: number): number => (performance.now() - since) / 1000;
  return {
    ...options,
    onProgress(event) {
      if (event.type === 'check-started') checkStarts.set(`${event.layer}.${event.check}`, performance.now());
      else if (event.type === 'check-finished') {
        const key = `${event.layer}.${event.check}`;
        metrics.checkFinished(event.layer, event.check, seconds(checkStarts.get(key) ?? started), event.findings);
        checkStarts.delete(key);
      } else metrics.layerFinished(event.layer, seconds(started));
      options.onProgress?.(event);
    },
  };
}
