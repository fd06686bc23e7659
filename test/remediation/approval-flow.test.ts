/**
 * The approval flow end to end through the real Bolt app: signed clicks in, recorded Slack
 * Web API calls and loopback AWS/SMTP calls out. AWS call counts prove "exactly once" and
 * "nothing ran"; the store, the audit trail and the log are read back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemediationRequest } from '../../src/core/finding.js';
import type { ApprovalRequest } from '../../src/remediation/model.js';
import { RECIPIENT } from '../support/aws-endpoint.js';
import type { RecordedCall } from '../support/slack-api.js';
import { CHANNEL } from '../slack/harness.js';
import { UNKNOWN_REQUEST } from '../../src/slack/listeners/approval-decision.js';
import {
  APPROVER,
  type ApprovalApp,
  type ApprovalWorld,
  GROUP,
  GROUP_MEMBER,
  OUTSIDER,
  REQUESTER,
  SECOND_APPROVER,
  THREAD_TS,
  startApprovalApp,
  startWorld,
} from './support/approval-harness.js';

const SUPPRESSION: RemediationRequest = { kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' };

let world: ApprovalWorld;
let app: ApprovalApp;

beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await app?.close();
  await world.close();
});

const text = (call: RecordedCall): string => JSON.stringify(call.args);
const hasButtons = (call: RecordedCall): boolean => JSON.stringify(call.args.blocks ?? []).includes('"type":"actions"');

async function onlyRequest(): Promise<ApprovalRequest> {
  const audit = await app.store.listAudit();
  const id = audit.find((e) => e.event === 'requested')?.requestId;
  expect(id).toBeDefined();
  return (await app.store.getRequest(id!))!;
}

async function requestSuppressionFix(): Promise<ApprovalRequest> {
  const offer = await app.offer(SUPPRESSION, {
    warnings: ['The recipient side still rejects alice@recipient.example: 550 5.4.1 Recipient address rejected.'],
  });
  await app.requestFix(offer.id);
  return onlyRequest();
}

describe('remove-suppression', () => {
  it('posts the request in the thread, and an approver from the user group approves: the message says running before any AWS call, then verified', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    const posted = app.harness.slack.ok('chat.postMessage').find((c) => text(c).includes(request.id))!;
    expect(posted.args).toMatchObject({ channel: CHANNEL, thread_ts: THREAD_TS });
    for (const expected of [RECIPIENT, 'us-east-1', `<@${REQUESTER}>`, `<@${APPROVER}>`, `<!subteam^${GROUP}>`, 'Expires', '5.4.1', 'maildiag.approve', 'maildiag.reject']) {
      expect(text(posted)).toContain(expected);
    }

    const running = app.harness.slack.waitFor(
      (c) => c.method === 'chat.update' && text(c).includes('running'),
      'running update',
    ).then(() => world.aws.callsOf('DeleteSuppressedDestination').length);
    await app.approve(request.id, GROUP_MEMBER);
    expect(await running).toBe(0);

    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(1);
    expect(world.aws.scenario.regions['us-east-1']!.suppressed[RECIPIENT]).toBeUndefined();
    expect(await app.store.getRequest(request.id)).toMatchObject({ state: 'succeeded', decidedBy: GROUP_MEMBER });
    expect((await app.store.listAudit({ requestId: request.id })).map((e) => [e.event, e.actor])).toEqual([
      ['requested', REQUESTER],
      ['approved', GROUP_MEMBER],
      ['executed', GROUP_MEMBER],
      ['verified', GROUP_MEMBER],
    ]);
    const updates = app.harness.slack.ok('chat.update').filter((c) => c.args.ts === request.messageTs);
    expect(updates.at(-1)).toSatisfy((c: RecordedCall) => text(c).includes('Done') && !hasButtons(c));
    const thread = app.harness.slack.ok('chat.postMessage').filter((c) => c.args.thread_ts === THREAD_TS).map(text);
    expect(thread.some((t) => t.includes('Removed alice@recipient.example') && t.includes('404'))).toBe(true);
    expect(thread.some((t) => t.includes('Re-checked') && t.includes('Suppression list'))).toBe(true);
    for (const event of ['remediation requested', 'remediation approved', 'remediation executed', 'remediation verified']) {
      expect(app.harness.logs.lines.some((l) => l.msg === event && l.requestId === request.id)).toBe(true);
    }
  });

  it('fails closed without approvers: the requester is told privately, no request is made', async () => {
    app = await startApprovalApp(world, { approvers: '' });
    const offer = await app.offer(SUPPRESSION);
    await app.requestFix(offer.id);
    const note = await app.harness.slack.waitFor((c) => c.method === 'chat.postEphemeral', 'ephemeral');
    expect(note.args).toMatchObject({ user: REQUESTER });
    expect(text(note)).toContain('Remediation is disabled');
    expect(await app.store.listByOffer(offer.id)).toEqual([]);
    expect(world.aws.calls.filter((c) => c.operation.startsWith('Delete'))).toEqual([]);
  });

  it('refuses a non-approver privately: nothing runs, the attempt is audited, the buttons stay', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    await app.approve(request.id, OUTSIDER);
    const note = app.harness.slack.ok('chat.postEphemeral').find((c) => c.args.user === OUTSIDER)!;
    expect(text(note)).toContain('Only approvers');
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
    expect((await app.store.getRequest(request.id))?.state).toBe('pending');
    expect((await app.store.listAudit({ requestId: request.id })).at(-1)).toMatchObject({ event: 'refused', actor: OUTSIDER });
    expect(app.harness.slack.ok('chat.update')).toHaveLength(0);
  });

  it('answers a click on an unknown (stale or altered) request privately, and changes nothing', async () => {
    app = await startApprovalApp(world);
    await requestSuppressionFix();
    await app.approve('not-a-real-request-id', APPROVER);
    const reply = app.harness.slack.calls.find((c) => c.method === 'response_url' && String(c.args.text).includes('unknown'));
    expect(reply?.args).toMatchObject({ response_type: 'ephemeral', text: UNKNOWN_REQUEST });
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
  });

  it('answers a click on an unknown fix offer privately, and requests nothing', async () => {
    app = await startApprovalApp(world);
    await app.requestFix('no-such-offer');
    const note = app.harness.slack.ok('chat.postEphemeral').at(-1);
    expect(String(note?.args.text)).toMatch(/This fix offer is unknown/);
    expect(await app.store.listAudit()).toEqual([]);
  });

  it('refuses a fix offer older than MAILDIAG_OFFER_TTL_HOURS privately, and requests nothing', async () => {
    app = await startApprovalApp(world, { offerTtlHours: 48 });
    const offer = await app.offer(SUPPRESSION);
    world.clock.advanceHours(47);
    await app.requestFix(offer.id);
    expect(await app.store.listByOffer(offer.id)).toHaveLength(1);
    const stale = await app.offer(SUPPRESSION);
    world.clock.advanceHours(48);
    await app.requestFix(stale.id);
    const note = app.harness.slack.ok('chat.postEphemeral').at(-1);
    expect(String(note?.args.text)).toMatch(/older than 48 hours.*Run the diagnosis again/);
    expect(await app.store.listByOffer(stale.id)).toEqual([]);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
  });

  it('refuses self-approval of a suppression removal unless configured', async () => {
    app = await startApprovalApp(world, { approvers: `${REQUESTER},${APPROVER}` });
    const request = await requestSuppressionFix();
    await app.approve(request.id, REQUESTER);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
    expect((await app.store.getRequest(request.id))?.state).toBe('pending');
  });

  it('allows self-approval of a suppression removal when configured', async () => {
    app = await startApprovalApp(world, { approvers: REQUESTER, selfApproveSuppression: true });
    const request = await requestSuppressionFix();
    await app.approve(request.id, REQUESTER);
    expect((await app.store.getRequest(request.id))?.state).toBe('succeeded');
  });

  it('an expired request cannot be approved; expiry removes the buttons', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    world.clock.advanceHours(25);
    await app.approve(request.id, APPROVER);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
    expect((await app.store.getRequest(request.id))?.state).toBe('expired');
    expect(text(app.harness.slack.ok('chat.postEphemeral').find((c) => c.args.user === APPROVER)!)).toContain('expired');
    const update = app.harness.slack.ok('chat.update').find((c) => c.args.ts === request.messageTs)!;
    expect(text(update)).toContain('Expired');
    expect(hasButtons(update)).toBe(false);
    expect((await app.store.listAudit({ requestId: request.id })).map((e) => e.event)).toEqual(['requested', 'expired', 'refused']);
  });

  it('the expiry sweep ends requests nobody clicked', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    world.clock.advanceHours(24);
    expect(await app.harness.handle.deps.approval!.service.expireDue()).toBe(1);
    expect((await app.store.getRequest(request.id))?.state).toBe('expired');
    expect((await app.store.listAudit({ requestId: request.id })).at(-1)).toMatchObject({ event: 'expired', actor: 'system' });
  });

  it('re-checks at click time: a request whose finding changed is not run', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    delete world.aws.scenario.regions['us-east-1']!.suppressed[RECIPIENT];
    await app.approve(request.id, APPROVER);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
    expect(await app.store.getRequest(request.id)).toMatchObject({ state: 'superseded' });
    const thread = app.harness.slack.ok('chat.postMessage').map(text);
    expect(thread.some((t) => t.includes('no longer on the suppression list'))).toBe(true);
  });

  it('two approvers clicking at once, and one click delivered twice, run the action exactly once', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    await Promise.all([
      app.click({ actionId: 'maildiag.approve', value: request.id, user: APPROVER, triggerId: 't-1' }),
      app.click({ actionId: 'maildiag.approve', value: request.id, user: SECOND_APPROVER, triggerId: 't-2' }),
      app.click({ actionId: 'maildiag.approve', value: request.id, user: APPROVER, triggerId: 't-1' }),
    ]);
    await app.decisionHandled(request.id, SECOND_APPROVER);
    await app.decisionHandled(request.id, APPROVER, 2);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(1);
    const final = (await app.store.getRequest(request.id))!;
    expect(final.state).toBe('succeeded');
    const audit = await app.store.listAudit({ requestId: request.id });
    expect(audit.filter((e) => e.event === 'approved')).toHaveLength(1);
    expect(audit.filter((e) => e.event === 'refused')).toHaveLength(2);
  });

  it('a pending request survives a restart and can be approved by the new process', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    await app.close();
    app = await startApprovalApp(world);
    await app.approve(request.id, APPROVER);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(1);
    expect((await app.store.getRequest(request.id))?.state).toBe('succeeded');
  });

  it('AWS failing during execution ends the request failed, saying what was left in place', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    world.aws.scenario.faults.accessDenied = ['DeleteSuppressedDestination'];
    await app.approve(request.id, APPROVER);
    const final = (await app.store.getRequest(request.id))!;
    expect(final.state).toBe('failed');
    expect(final.outcome?.details.join(' ')).toContain('still on the list');
    expect((await app.store.listAudit({ requestId: request.id })).map((e) => e.event)).toEqual(['requested', 'approved', 'failed']);
    const thread = app.harness.slack.ok('chat.postMessage').map(text);
    expect(thread.some((t) => t.includes('Could not remove') && t.includes('ses:DeleteSuppressedDestination'))).toBe(true);
    expect(world.aws.scenario.regions['us-east-1']!.suppressed[RECIPIENT]).toBeDefined();
  });

  it('the requester may withdraw their own request', async () => {
    app = await startApprovalApp(world);
    const request = await requestSuppressionFix();
    await app.reject(request.id, REQUESTER);
    expect((await app.store.getRequest(request.id))?.state).toBe('rejected');
    const update = app.harness.slack.ok('chat.update').at(-1)!;
    expect(text(update)).toContain('Rejected');
    expect(hasButtons(update)).toBe(false);
  });
});

