/**
 * Who may decide an approval request. Evaluated at click time, every time: the approver
 * list may name Slack user groups, whose members are resolved then (a person removed from
 * the group loses the right at once). An empty list disables remediation (fail closed).
 */
import type { ApprovalRequest } from './model.js';
import { isCredentialAction } from './model.js';

export interface ApprovalPolicy {
  /** Slack user ids (U..., W...) and user group ids (S...). */
  approvers: readonly string[];
  /** Whether the requester may approve their own suppression removal. Credential changes: never. */
  selfApproveSuppression: boolean;
  /** How long a request stays open. */
  ttlHours: number;
  /** How long a fix button (an offer) can start a request; the diagnosis behind it gets stale. Default 168 (7 days). */
  offerTtlHours?: number;
}

export const DEFAULT_OFFER_TTL_HOURS = 168;

/** Whether an offer is too old to start a request: the diagnosis it came from may no longer hold. */
export function isOfferExpired(policy: ApprovalPolicy, offer: { createdAt: string }, now: Date): boolean {
  const created = Date.parse(offer.createdAt);
  if (Number.isNaN(created)) return true;
  return created + (policy.offerTtlHours ?? DEFAULT_OFFER_TTL_HOURS) * 3_600_000 <= now.getTime();
}

/** Resolves a Slack user group to its members (`usergroups.users.list`). */
export interface ApproverDirectory {
  usersInGroup(groupId: string): Promise<string[]>;
}

export type Refusal =
  | { code: 'remediation-disabled'; message: string }
  | { code: 'not-an-approver'; message: string }
  | { code: 'self-approval'; message: string }
  | { code: 'expired'; message: string }
  | { code: 'already-decided'; message: string }
  | { code: 'directory-unavailable'; message: string };

export type Authorization = { allowed: true } | ({ allowed: false } & Refusal);

const isGroupId = (id: string): boolean => /^S[A-Z0-9]+$/.test(id);

export function isRemediationEnabled(policy: ApprovalPolicy): boolean {
  return policy.approvers.length > 0;
}

export const DISABLED_MESSAGE =
  'Remediation is disabled: no approvers are configured (set MAILDIAG_APPROVERS to Slack user ids or a user group id). Nothing was changed.';

/** The approvers as Slack mentions, for the notification in the request message. */
export function approverMentions(policy: ApprovalPolicy): string {
  return policy.approvers.map((id) => (isGroupId(id) ? `<!subteam^${id}>` : `<@${id}>`)).join(' ');
}

export function expiresAt(policy: ApprovalPolicy, requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + policy.ttlHours * 3_600_000);
}

export function isExpired(request: Pick<ApprovalRequest, 'expiresAt'>, now: Date): boolean {
  return Date.parse(request.expiresAt) <= now.getTime();
}

/** Whether `actor` is an approver now. A group that cannot be resolved grants nothing. */
export async function isApprover(policy: ApprovalPolicy, directory: ApproverDirectory, actor: string): Promise<boolean> {
  if (policy.approvers.includes(actor)) return true;
  for (const group of policy.approvers.filter(isGroupId)) {
    const members = await directory.usersInGroup(group);
    if (members.includes(actor)) return true;
  }
  return false;
}

/**
 * May `actor` approve `request` now? Reject uses the same rule, except that the requester
 * may always withdraw (reject) their own request.
 */
export async function authorizeDecision(input: {
  policy: ApprovalPolicy;
  directory: ApproverDirectory;
  actor: string;
  request: ApprovalRequest;
  decision: 'approve' | 'reject';
  now: Date;
}): Promise<Authorization> {
  const { policy, directory, actor, request, decision, now } = input;
  if (!isRemediationEnabled(policy)) return { allowed: false, code: 'remediation-disabled', message: DISABLED_MESSAGE };
  if (request.state !== 'pending') {
    return { allowed: false, code: 'already-decided', message: alreadyDecidedText(request) };
  }
  if (isExpired(request, now)) return { allowed: false, code: 'expired', message: `This request expired at ${request.expiresAt}. Request the fix again if it is still needed.` };
  if (decision === 'reject' && actor === request.requestedBy) return { allowed: true };
  let approver: boolean;
  try {
    approver = await isApprover(policy, directory, actor);
  } catch {
    // Fail closed: if Slack cannot tell us the group's members, nobody is approved through it.
    return { allowed: false, code: 'directory-unavailable', message: 'Could not check the approver group right now, so the decision was not accepted. Try again in a minute.' };
  }
  if (!approver) {
    return { allowed: false, code: 'not-an-approver', message: `Only approvers can ${decision} this request (${approverMentions(policy)}). Nothing was changed.` };
  }
  if (decision === 'approve' && actor === request.requestedBy) {
    if (isCredentialAction(request.action)) {
      return { allowed: false, code: 'self-approval', message: 'You requested this credential change, so another approver has to approve it. Nothing was changed.' };
    }
    if (!policy.selfApproveSuppression) {
      return {
        allowed: false,
        code: 'self-approval',
        message: 'You requested this change, so another approver has to approve it (self-approval of suppression removal is off). Nothing was changed.',
      };
    }
  }
  return { allowed: true };
}

/**
 * The one wording for "someone (or something) got there first", for every loser of a race:
 * the bot itself (expiry, an interrupted run) is named in words, never as a broken `<@system>`.
 */
export function alreadyDecidedText(request: Pick<ApprovalRequest, 'state' | 'decidedBy'> | undefined): string {
  const state = request?.state ?? 'decided';
  const by = request?.decidedBy;
  const who = by === undefined ? '' : by === 'system' ? ' (by maildiag itself)' : ` (by <@${by}>)`;
  const once = state === 'executing' ? '; it runs once' : '';
  return `This request is already ${state}${who}${once}.`;
}
