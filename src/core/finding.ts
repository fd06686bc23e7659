/** Domain model shared by every layer, renderer and front end. Pure: no I/O. */

export const LAYERS = ['relay', 'ses', 'dns', 'suppression', 'recipient'] as const;
export type Layer = (typeof LAYERS)[number];

export const LAYER_TITLES: Record<Layer, string> = {
  relay: 'Relay credentials',
  ses: 'SES identity and account',
  dns: 'DNS authentication',
  suppression: 'Suppression list',
  recipient: 'Recipient server',
};

export const STATUSES = ['pass', 'warn', 'fail', 'info', 'error', 'skipped'] as const;
export type Status = (typeof STATUSES)[number];

/** Lower is more severe; used to order findings and to compute verdicts. */
export const STATUS_SEVERITY: Record<Status, number> = {
  fail: 0,
  error: 1,
  warn: 2,
  info: 3,
  pass: 4,
  skipped: 5,
};

/**
 * One piece of proof: a raw DNS record, an API field, a reply line.
 * `code: true` asks renderers to show the value verbatim (monospace).
 */
export interface EvidenceItem {
  label: string;
  value: string | string[];
  code?: boolean;
}

/** An action a human may approve; rendered as a button by the Slack layer. */
export type RemediationRequest =
  | {
      kind: 'remove-suppression';
      email: string;
      region: string;
      /** Why SES listed it (BOUNCE or COMPLAINT): approvers see it, and a complaint changes the advice. */
      reason?: string;
    }
  | { kind: 'rotate-smtp-credential'; iamUser: string; region: string; oldAccessKeyId: string };

export interface Finding {
  /** Unique within a report, e.g. `dns.spf` or `suppression.listed:alice@example.com`. */
  id: string;
  layer: Layer;
  /** The check that produced it (`spf`, `mx`, ...). */
  check: string;
  status: Status;
  title: string;
  /** One line: the verdict in words. */
  summary: string;
  evidence: EvidenceItem[];
  /** Why it matters. */
  explanation: string;
  /** What to do; empty when nothing needs doing. */
  fix: string;
  remediation?: RemediationRequest;
  /**
   * How strongly this finding explains the delivery failure: 0 = the root cause,
   * higher = less likely. Findings of the same status are ordered by it.
   */
  priority?: number;
}

export type FindingInit = Omit<Finding, 'id' | 'layer' | 'check' | 'evidence' | 'explanation' | 'fix'> &
  Partial<Pick<Finding, 'evidence' | 'explanation' | 'fix'>> & { id?: string };

/** Builds a finding for a check, filling ids and defaults so checks stay terse. */
export function makeFinding(layer: Layer, check: string, init: FindingInit): Finding {
  const { id, evidence, explanation, fix, ...rest } = init;
  return {
    id: id ? `${layer}.${check}:${id}` : `${layer}.${check}`,
    layer,
    check,
    evidence: evidence ?? [],
    explanation: explanation ?? '',
    fix: fix ?? '',
    ...rest,
  };
}

export function worstStatus(statuses: Iterable<Status>, empty: Status = 'skipped'): Status {
  let worst: Status | undefined;
  for (const status of statuses) {
    if (worst === undefined || STATUS_SEVERITY[status] < STATUS_SEVERITY[worst]) worst = status;
  }
  return worst ?? empty;
}

/**
 * A layer's (or a report's) overall status: problems first (fail, error, warn); otherwise a
 * layer with any passing check passes, even when some findings are only informational.
 */
export function overallStatus(statuses: Iterable<Status>): Status {
  const all = [...statuses];
  const worst = worstStatus(all);
  if (worst === 'fail' || worst === 'error' || worst === 'warn') return worst;
  if (all.includes('pass')) return 'pass';
  return worst;
}
