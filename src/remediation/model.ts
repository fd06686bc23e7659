/**
 * Approval requests and the audit trail: plain data, no I/O. An approval request is one
 * action that one approver click runs. A credential rotation is a chain of such requests
 * (make room, create and verify, deactivate the old key, delete it), each with its own
 * approval, linked by `chainId`.
 */
import type { RemediationRequest } from '../core/finding.js';

/** What one approved click does. Never carries a secret. */
export type RemediationAction =
  | { kind: 'remove-suppression'; email: string; region: string; reason?: string }
  | {
      /** IAM allows two keys per user: deletes one so a new key can be created, or retires the old one. */
      kind: 'delete-access-key';
      iamUser: string;
      region: string;
      accessKeyId: string;
      /** The key's status when the request was made; re-checked at click time. */
      expectedStatus: 'Active' | 'Inactive';
      purpose: 'make-room' | 'retire-old';
    }
  | {
      kind: 'create-access-key';
      iamUser: string;
      region: string;
      /** The user's keys when the request was made; a different set at click time means the finding changed. */
      existingKeyIds: string[];
      /** The key the relay uses (from the finding), for the messages. */
      relayKeyId: string;
    }
  | { kind: 'deactivate-access-key'; iamUser: string; region: string; accessKeyId: string; newAccessKeyId: string };

export type RemediationActionKind = RemediationAction['kind'];

/**
 * pending → executing (one winner) → succeeded | failed; pending → rejected | expired |
 * superseded (the finding changed before anyone approved, so the request no longer applies);
 * executing → interrupted (the process running it stopped before it finished: its lease in
 * the store ran out; the action is never run again by itself, a person re-checks).
 */
export type RequestState = 'pending' | 'executing' | 'succeeded' | 'failed' | 'rejected' | 'expired' | 'superseded' | 'interrupted';

export const TERMINAL_STATES: readonly RequestState[] = ['succeeded', 'failed', 'rejected', 'expired', 'superseded', 'interrupted'];

/** What an action left behind; shown in the thread and the approval message. No secrets. */
export interface ActionOutcome {
  /** One sentence: what happened. */
  summary: string;
  /** What changed, what was verified, and what was left in place. */
  details: string[];
  /** Ids of resources the action created (e.g. a new access key id; never its secret). */
  created?: string[];
}

export interface ApprovalRequest {
  id: string;
  /** The first request of a chain (a rotation's steps share it); equals `id` for single actions. */
  chainId: string;
  /** 1-based step within the chain. */
  step: number;
  /** The finding's request this chain serves. */
  origin: RemediationRequest;
  action: RemediationAction;
  offerId: string;
  findingId: string;
  runId: string;
  channel: string;
  threadTs: string;
  /** The approval message, once posted. */
  messageTs: string | undefined;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  state: RequestState;
  decidedBy: string | undefined;
  decidedAt: string | undefined;
  /** Set when the request ends after running (or when it was superseded: why). */
  outcome: ActionOutcome | undefined;
  /** Cautions shown with the request (e.g. the recipient-side cause is still present). */
  warnings: string[];
}

export type NewApprovalRequest = Omit<
  ApprovalRequest,
  'id' | 'state' | 'decidedBy' | 'decidedAt' | 'outcome' | 'messageTs' | 'chainId'
> & { chainId?: string; id?: string };

export const AUDIT_EVENTS = [
  'requested',
  'approved',
  'rejected',
  'expired',
  'executed',
  'verified',
  'failed',
  /** Someone tried to decide and was not allowed; nothing ran. */
  'refused',
  'superseded',
  /** The process that was running the action stopped before it finished (its lease ran out). */
  'interrupted',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditEntry {
  seq: number;
  requestId: string;
  event: AuditEvent;
  /** Slack user id, or `system` for expiry. */
  actor: string;
  at: string;
  /** What: the action in words. */
  what: string;
  /** The result or reason. Never a secret. */
  result: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq'>;

/** The resource an action touches, in words, for messages and the audit trail. */
export function describeAction(action: RemediationAction): string {
  switch (action.kind) {
    case 'remove-suppression':
      return `remove ${action.email} from the SES account suppression list in ${action.region}${action.reason ? ` (listed for ${action.reason})` : ''}`;
    case 'delete-access-key':
      return action.purpose === 'make-room'
        ? `delete ${action.expectedStatus.toLowerCase()} access key ${action.accessKeyId} of IAM user ${action.iamUser} to make room for a new key`
        : `delete the old access key ${action.accessKeyId} of IAM user ${action.iamUser}`;
    case 'create-access-key':
      return `create a new access key for IAM user ${action.iamUser} and derive its SMTP password for ${action.region}`;
    case 'deactivate-access-key':
      return `deactivate the old access key ${action.accessKeyId} of IAM user ${action.iamUser} (the new key is ${action.newAccessKeyId})`;
  }
}

/** The resource ARN-ish name shown as "on which resource". */
export function actionResource(action: RemediationAction): string {
  switch (action.kind) {
    case 'remove-suppression':
      return `suppression list entry ${action.email}`;
    case 'delete-access-key':
    case 'deactivate-access-key':
      return `IAM user ${action.iamUser}, access key ${action.accessKeyId}`;
    case 'create-access-key':
      return `IAM user ${action.iamUser}`;
  }
}

/** Credential changes are never self-approved; suppression removal may be, when configured. */
export function isCredentialAction(action: RemediationAction): boolean {
  return action.kind !== 'remove-suppression';
}

export function isTerminal(state: RequestState): boolean {
  return TERMINAL_STATES.includes(state);
}
