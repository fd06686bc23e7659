import type { Finding } from './finding.js';
import type { Report } from './report.js';

/**
 * The `--json` output: a public contract (documented in the README). Later layers add
 * findings and optional fields; existing fields keep their meaning.
 */
export interface ReportJson {
  runId: string;
  target: Report['target'];
  verdict: Report['verdict'];
  rootCause: string | null;
  layers: Report['layers'];
  findings: Array<Pick<Finding, 'id' | 'layer' | 'check' | 'status' | 'title' | 'summary' | 'evidence' | 'explanation' | 'fix' | 'remediation'>>;
  stats: Report['stats'];
}

export function reportToJson(report: Report): ReportJson {
  return {
    runId: report.runId,
    target: report.target,
    verdict: report.verdict,
    rootCause: report.rootCause?.id ?? null,
    layers: report.layers,
    findings: report.findings.map(({ id, layer, check, status, title, summary, evidence, explanation, fix, remediation }) => ({
      id,
      layer,
      check,
      status,
      title,
      summary,
      evidence,
      explanation,
      fix,
      ...(remediation ? { remediation } : {}),
    })),
    stats: report.stats,
  };
}
