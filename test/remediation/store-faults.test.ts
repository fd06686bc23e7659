/**
 * The flow's side of the shared store's faults, in process on the SQLite store: a click that
 * cannot be recorded is answered privately and runs nothing; an execution whose process died
 * (its lease lapsed) ends `interrupted`, is said in the thread, and is never run again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemediationRequest } from '../../src/core/finding.js';
import { openSqliteStore } from '../../src/remediation/store.js';
import { DECISION_NOT_RECORDED } from '../../src/store/errors.js';
import { REQUEST_NOT_RECORDED } from '../../src/slack/listeners/request-fix.js';
import { APPROVE_ACTION } from '../../src/slack/render/approval.js';
import { RECIPIENT } from '../support/aws-endpoint.js';
import { APPROVER, type ApprovalApp, type ApprovalWorld, SECOND_APPROVER, startApprovalApp, startWorld } from './support/approval-harness.js';

const SUPPRESSION: RemediationRequest = { kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' };

let world: ApprovalWorld;
let app: ApprovalApp;
beforeEach(async () => {
  world = await startWorld();
  app = await startApprovalApp(world);
});
afterEach(async () => {
  await app.close();
  await world.close();
});

async function pendingRequestId(): Promise<string> {
  const offer = await app.offer(SUPPRESSION);
  await app.requestFix(offer.id);
  const id = (await app.store.listByOffer(offer.id))[0]?.id;
  if (!id) throw new Error('no request');
  return id;
}

describe('store faults in the approval flow', () => {
  it('a click the store cannot record is answered privately, and nothing runs', async () => {
    const requestId = await pendingRequestId();
    const offer = await app.offer(SUPPRESSION);
    await app.store.shutdown(); // the store stops answering
    await app.click({ actionId: APPROVE_ACTION, value: requestId, user: APPROVER });
    await app.decisionHandled(requestId, APPROVER);
    const answer = await app.harness.slack.waitFor((c) => c.method === 'response_url' && c.args.text === DECISION_NOT_RECORDED, 'the private answer');
    expect(answer.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(app.harness.logs.lines.find((l) => l.msg === 'approval decision handled')?.outcome).toBe('not-recorded');

    await app.click({ actionId: 'maildiag.request_fix', value: offer.id, user: APPROVER });
    await app.harness.slack.waitFor((c) => c.method === 'response_url' && c.args.text === REQUEST_NOT_RECORDED, 'the private answer to Request fix');
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
  });

  it('an execution whose process died ends interrupted once its lease lapses, says so, and is never run again', async () => {
    const requestId = await pendingRequestId();
    // Another process claims it and dies before finishing: its lease is never renewed.
    const dead = openSqliteStore({ path: world.dbPath, now: world.clock.now, owner: 'dead-replica', leaseMs: 60_000 });
    expect(await dead.claim(requestId, APPROVER, world.clock.now())).toMatchObject({ state: 'executing' });
    await dead.shutdown();
    const service = app.harness.handle.deps.approval?.service;
    if (!service) throw new Error('approval not wired');
    expect(await service.recoverInterrupted()).toBe(0);
    world.clock.set(new Date(world.clock.now().getTime() + 60_000));
    expect(await service.recoverInterrupted()).toBe(1);
    expect(await service.recoverInterrupted()).toBe(0);

    expect(await app.store.getRequest(requestId)).toMatchObject({ state: 'interrupted', decidedBy: APPROVER });
    expect((await app.store.listAudit({ requestId })).map((e) => [e.event, e.actor])).toEqual([
      ['requested', 'U0REQUESTER'],
      ['interrupted', 'system'],
    ]);
    const notice = await app.harness.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('⚠️ Interrupted'), 'the thread notice');
    expect(String(notice.args.text)).toContain('will not be run again by itself');
    await app.harness.slack.waitFor((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('Interrupted'), 'the approval message re-rendered');

    await app.approve(requestId, SECOND_APPROVER);
    expect(app.harness.logs.lines.filter((l) => l.msg === 'approval decision handled').map((l) => l.outcome)).toEqual(['lost-race']);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
  });
});
