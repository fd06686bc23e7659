import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/remediation/model.js';
import { type ApprovalPolicy, type ApproverDirectory, approverMentions, authorizeDecision } from '../../src/remediation/policy.js';
import { T0, pendingRequest } from './support/fixtures.js';

const request = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  ...pendingRequest(),
  id: 'r1',
  chainId: 'r1',
  state: 'pending',
  decidedBy: undefined,
  decidedAt: undefined,
  outcome: undefined,
  messageTs: undefined,
  ...overrides,
});
const rotation = (): ApprovalRequest =>
  request({ action: { kind: 'create-access-key', iamUser: 'smtp', region: 'us-east-1', existingKeyIds: [], relayKeyId: 'AKIAOLD' } });

function directory(groups: Record<string, string[]>): ApproverDirectory & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    async usersInGroup(id) {
      lookups.push(id);
      const members = groups[id];
      if (!members) throw new Error('usergroups.users.list failed');
      return members;
    },
  };
}

const policy = (overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({ approvers: ['U0APPROVER', 'S0OPS'], selfApproveSuppression: false, ttlHours: 24, ...overrides });
const decide = (p: ApprovalPolicy, dir: ApproverDirectory, actor: string, r: ApprovalRequest, decision: 'approve' | 'reject' = 'approve', now = T0) =>
  authorizeDecision({ policy: p, directory: dir, actor, request: r, decision, now });

describe('approval policy', () => {
  it('fails closed when no approvers are configured', async () => {
    expect(await decide(policy({ approvers: [] }), directory({}), 'U0APPROVER', request())).toMatchObject({ allowed: false, code: 'remediation-disabled' });
  });

  it('accepts listed users and members of the group, resolved at decision time', async () => {
    const groups = { S0OPS: ['U0MEMBER'] };
    const dir = directory(groups);
    expect(await decide(policy(), dir, 'U0APPROVER', request())).toEqual({ allowed: true });
    expect(await decide(policy(), dir, 'U0MEMBER', request())).toEqual({ allowed: true });
    groups.S0OPS = [];
    expect(await decide(policy(), dir, 'U0MEMBER', request())).toMatchObject({ allowed: false, code: 'not-an-approver' });
    expect(dir.lookups).toEqual(['S0OPS', 'S0OPS']);
  });

  it('refuses, rather than allows, when the group cannot be resolved', async () => {
    expect(await decide(policy(), directory({}), 'U0SOMEONE', request())).toMatchObject({ allowed: false, code: 'directory-unavailable' });
  });

  it('never lets the requester approve their own credential rotation, even when suppression self-approval is on', async () => {
    const r = rotation();
    const p = policy({ approvers: [r.requestedBy], selfApproveSuppression: true });
    expect(await decide(p, directory({}), r.requestedBy, r)).toMatchObject({ allowed: false, code: 'self-approval' });
  });

  it('lets the requester approve their own suppression removal only when configured', async () => {
    const r = request();
    expect(await decide(policy({ approvers: [r.requestedBy] }), directory({}), r.requestedBy, r)).toMatchObject({ code: 'self-approval' });
    expect(await decide(policy({ approvers: [r.requestedBy], selfApproveSuppression: true }), directory({}), r.requestedBy, r)).toEqual({ allowed: true });
  });

  it('lets the requester withdraw (reject) their own request', async () => {
    const r = rotation();
    expect(await decide(policy(), directory({ S0OPS: [] }), r.requestedBy, r, 'reject')).toEqual({ allowed: true });
  });

  it('refuses decisions on expired or already decided requests', async () => {
    const later = new Date(T0.getTime() + 25 * 3_600_000);
    expect(await decide(policy(), directory({}), 'U0APPROVER', request(), 'approve', later)).toMatchObject({ code: 'expired' });
    expect(await decide(policy(), directory({}), 'U0APPROVER', request({ state: 'executing', decidedBy: 'U0OTHER' }))).toMatchObject({ code: 'already-decided' });
  });

  it('mentions users and user groups in Slack syntax', () => {
    expect(approverMentions(policy())).toBe('<@U0APPROVER> <!subteam^S0OPS>');
  });
});
