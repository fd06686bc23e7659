import type { Finding } from './finding.js';
import type { InterpretedReply } from './replies.js';
import type { Report } from './report.js';

/**
 * The version of the JSON contract described by docs/report.schema.json: `MAJOR.MINOR`.
 * MINOR grows when fields are added; MAJOR when a field is removed, renamed or changes meaning.
 */
export const SCHEMA_VERSION = '1.0';

/**
 * The `--json` output: a public contract (documented in the README). Later layers add
 * findings and optional fields; existing fields keep their meaning.
 */
export interface ReportJson {
  schemaVersion: typeof SCHEMA_VERSION;
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
    schemaVersion: SCHEMA_VERSION,
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

/** `maildiag classify --json`: the interpreted replies of a bounce or pasted text. */
export interface ClassificationJson {
  schemaVersion: typeof SCHEMA_VERSION;
  replies: Array<
    { recipient: string | null; replyCode: string | null; status: string | null } & Pick<
      InterpretedReply,
      'provider' | 'category' | 'layer' | 'reason' | 'confidence' | 'explanation' | 'fix'
    >
  >;
  notes: string[];
}

export function classificationToJson(result: { replies: readonly InterpretedReply[]; notes: readonly string[] }): ClassificationJson {
  return {
    schemaVersion: SCHEMA_VERSION,
    replies: result.replies.map(({ recipient, replyCode, status, provider, category, layer, reason, confidence, explanation, fix }) => ({
      recipient: recipient ?? null,
      replyCode: replyCode ?? null,
      status: status ?? null,
      provider,
      category,
      layer,
      reason,
      confidence,
      explanation,
      fix,
    })),
    notes: [...result.notes],
  };
}
