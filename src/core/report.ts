import { type Finding, type Layer, LAYERS, overallStatus, STATUS_SEVERITY, type Status } from './finding.js';
import type { RunCounters } from './ports.js';
import type { Target } from './target.js';

/** fail: something is broken; error: some checks could not run; warn: risks; pass: all clear. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'error';

export interface LayerSummary {
  layer: Layer;
  status: Status;
  counts: Record<Status, number>;
}

export interface RunStats {
  durationMs: number;
  /** DNS queries sent on the wire (after the per-run cache). */
  dnsQueries: number;
  dnsQueriesDistinct: number;
  awsCalls: number;
  awsCallsDistinct: number;
}

export interface Report {
  runId: string;
  target: Target;
  verdict: Verdict;
  /** Ordered: most severe first, likely root cause first within a status. */
  findings: Finding[];
  layers: LayerSummary[];
  /** The finding most likely to explain the failure, when anything failed. */
  rootCause: Finding | undefined;
  startedAt: string;
  stats: RunStats;
}

const DEFAULT_PRIORITY = 50;

export function compareFindings(a: Finding, b: Finding): number {
  return (
    STATUS_SEVERITY[a.status] - STATUS_SEVERITY[b.status] ||
    (a.priority ?? DEFAULT_PRIORITY) - (b.priority ?? DEFAULT_PRIORITY) ||
    LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) ||
    a.id.localeCompare(b.id)
  );
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  const status = overallStatus(findings.map((f) => f.status));
  return status === 'fail' || status === 'error' || status === 'warn' ? status : 'pass';
}

export function summarizeLayers(findings: readonly Finding[]): LayerSummary[] {
  return LAYERS.map((layer) => {
    const own = findings.filter((f) => f.layer === layer);
    const counts = { pass: 0, warn: 0, fail: 0, info: 0, error: 0, skipped: 0 } satisfies Record<Status, number>;
    for (const finding of own) counts[finding.status] += 1;
    return { layer, status: overallStatus(own.map((f) => f.status)), counts };
  });
}

export function buildReport(input: {
  runId: string;
  target: Target;
  findings: Finding[];
  startedAt: Date;
  durationMs: number;
  counters: RunCounters;
}): Report {
  const findings = [...input.findings].sort(compareFindings);
  return {
    runId: input.runId,
    target: input.target,
    verdict: verdictOf(findings),
    findings,
    layers: summarizeLayers(findings),
    rootCause: findings.find((f) => f.status === 'fail'),
    startedAt: input.startedAt.toISOString(),
    stats: { durationMs: input.durationMs, ...input.counters },
  };
}
