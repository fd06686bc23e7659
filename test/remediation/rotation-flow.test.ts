/**
 * SMTP credential rotation end to end: each step its own approval; the secret shown only in
 * the approver's modal (views.open / views.update) and in Secrets Manager, nowhere else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RemediationRequest } from '../../src/core/finding.js';
import { deriveSmtpPassword } from '../../src/knowledge/smtp-password.js';
import type { ApprovalRequest } from '../../src/remediation/model.js';
import { SIMULATOR_SUCCESS } from '../../src/remediation/actions/smtp-verify.js';
import { TEST_CREDENTIAL_ACTION, TEST_CREDENTIAL_VIEW } from '../../src/slack/render/approval.js';
import {
  CURRENT_KEY_ID,
  CURRENT_KEY_SECRET,
  ROTATED_KEY_ID,
  SCENARIO_NOW,
  SMTP_USER,
  canonicalScenario,
} from '../support/aws-endpoint.js';
import type { RecordedCall } from '../support/slack-api.js';
import { CHANNEL } from '../slack/harness.js';
import { dumpSqliteFile } from './support/fixtures.js';
import {
  APPROVER,
  type ApprovalApp,
  type ApprovalWorld,
  REQUESTER,
  ROLE_ARN,
  SECOND_APPROVER,
  SECRET_ARN,
  THREAD_TS,
  startApprovalApp,
  startWorld,
} from './support/approval-harness.js';

const ROTATION: RemediationRequest = { kind: 'rotate-smtp-credential', iamUser: SMTP_USER, region: 'us-east-1', oldAccessKeyId: ROTATED_KEY_ID };

let world: ApprovalWorld;
let app: ApprovalApp;
afterEach(async () => {
  await app?.close();
  await world?.close();
});

const text = (call: RecordedCall): string => JSON.stringify(call.args);

async function requests(): Promise<ApprovalRequest[]> {
  const ids = [...new Set((await app.store.listAudit()).map((e) => e.requestId))];
  return Promise.all(ids.map(async (id) => (await app.store.getRequest(id))!));
}

async function waitForPosted(count: number): Promise<void> {
  await app.harness.logs.waitFor((line) => line.msg === 'approval request posted' && app.harness.logs.lines.filter((l) => l.msg === 'approval request posted').length >= count, `${count} requests posted`);
}

function newKey(): { accessKeyId: string; secretAccessKey: string } {
  const key = world.aws.scenario.iamUsers[SMTP_USER]!.keys.find((k) => k.accessKeyId !== CURRENT_KEY_ID);
  expect(key).toBeDefined();
  return key!;
}

describe('rotate-smtp-credential', () => {
  it('creates the key under the assumed role, shows it only in the modal, stores it in Secrets Manager, verifies it, then deactivates the old key on a second approval', async () => {
    const scenario = canonicalScenario();
    scenario.secrets[SECRET_ARN] = { secretString: '{}', versions: 1 };
    world = await startWorld(scenario);
    world.propagation.refuseFirst = 2;
    app = await startApprovalApp(world, { roleArn: ROLE_ARN, secretArn: SECRET_ARN, approvers: `${REQUESTER},${APPROVER},${SECOND_APPROVER}` });
    const offer = await app.offer(ROTATION);
    await app.requestFix(offer.id);
    const [create] = await requests();
    expect(create!.action).toMatchObject({ kind: 'create-access-key', existingKeyIds: [CURRENT_KEY_ID] });

    // The requester may never approve their own rotation.
    await app.approve(create!.id, REQUESTER);
    expect(world.aws.callsOf('CreateAccessKey')).toHaveLength(0);
    expect(text(app.harness.slack.ok('chat.postEphemeral').find((c) => c.args.user === REQUESTER)!)).toContain('another approver');

    await app.approve(create!.id, APPROVER, 'trigger-approve');
    const key = newKey();
    const password = deriveSmtpPassword(key.secretAccessKey, 'us-east-1');
    expect(world.aws.callsOf('CreateAccessKey')).toHaveLength(1);

    // STS: a session named after the request and the approver, before the change.
    const assume = world.aws.callsOf('AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]!.params).toMatchObject({ RoleArn: ROLE_ARN, RoleSessionName: `maildiag-${create!.id}-${APPROVER}` });
    expect(world.aws.calls.indexOf(assume[0]!)).toBeLessThan(world.aws.calls.indexOf(world.aws.callsOf('CreateAccessKey')[0]!));

    // The modal: opened with the click's trigger_id, then filled with the credential.
    const opened = app.harness.slack.ok('views.open')[0]!;
    expect(opened.args.trigger_id).toBe('trigger-approve');
    const modalUpdates = app.harness.slack.ok('views.update');
    expect(modalUpdates.some((c) => text(c).includes(password) && text(c).includes(key.accessKeyId) && text(c).includes(String(world.smtp.port)))).toBe(true);
    expect(modalUpdates.some((c) => text(c).includes('attempt 1 of 4'))).toBe(true);

    // Secrets Manager holds it; SMTP accepted it after propagation; the simulator got one message.
    expect(JSON.parse(world.aws.scenario.secrets[SECRET_ARN]!.secretString)).toMatchObject({ username: key.accessKeyId, password });
    expect(world.smtp.sessions.flatMap((s) => s.auths).filter((a) => a.username === key.accessKeyId).map((a) => a.accepted)).toEqual([false, false, true, true]);
    expect(world.smtp.messages).toEqual([{ from: 'admin@customer.example', to: [SIMULATOR_SUCCESS], user: key.accessKeyId }]);

    const finished = (await app.store.getRequest(create!.id))!;
    expect(finished).toMatchObject({ state: 'succeeded', outcome: { created: [key.accessKeyId] } });
    expect((await app.store.listAudit({ requestId: create!.id })).map((e) => e.event)).toEqual(['requested', 'refused', 'approved', 'executed', 'verified']);
    const thread = app.harness.slack.ok('chat.postMessage').filter((c) => c.args.thread_ts === THREAD_TS).map(text);
    expect(thread.some((t) => t.includes('Rotated') && t.includes('still active') && t.includes(SECRET_ARN))).toBe(true);

    // Step 2: the follow-up deactivation, approved by another approver once the relay is updated.
    await waitForPosted(2);
    const deactivate = (await requests()).find((r) => r.action.kind === 'deactivate-access-key')!;
    expect(deactivate).toMatchObject({ chainId: create!.id, step: 2, requestedBy: REQUESTER, action: { accessKeyId: CURRENT_KEY_ID, newAccessKeyId: key.accessKeyId } });
    expect(thread.concat(app.harness.slack.ok('chat.postMessage').map(text)).some((t) => t.includes('Relay updated: deactivate old key'))).toBe(true);
    await app.approve(deactivate.id, SECOND_APPROVER);
    expect(world.aws.callsOf('UpdateAccessKey')).toHaveLength(1);
    expect(world.aws.scenario.iamUsers[SMTP_USER]!.keys.map((k) => [k.accessKeyId, k.status])).toEqual([
      [CURRENT_KEY_ID, 'Inactive'],
      [key.accessKeyId, 'Active'],
    ]);
    await waitForPosted(3);
    const retire = (await requests()).find((r) => r.action.kind === 'delete-access-key')!;
    expect(retire).toMatchObject({ step: 3, state: 'pending', action: { purpose: 'retire-old', accessKeyId: CURRENT_KEY_ID } });
    expect(world.aws.callsOf('DeleteAccessKey')).toHaveLength(0);

    // The secret: only in the modal calls and Secrets Manager; never in messages, logs, the store, the AWS call log.
    for (const secret of [password, key.secretAccessKey]) {
      const leaks = app.harness.slack.calls.filter((c) => c.method !== 'views.update' && text(c).includes(secret));
      expect(leaks.map((c) => c.method)).toEqual([]);
      expect(app.logText()).not.toContain(secret);
      expect(dumpSqliteFile(world.dbPath)).not.toContain(secret);
      // What the bot sent (params); the endpoint's own CreateAccessKey answer naturally holds the secret.
      expect(JSON.stringify(world.aws.calls.map((c) => c.params))).not.toContain(secret);
      expect(JSON.stringify(await requests())).not.toContain(secret);
    }
  });

  it('with two keys, the first step deletes the inactive one (its own approval), then offers the creation', async () => {
    const scenario = canonicalScenario();
    scenario.iamUsers[SMTP_USER]!.keys.push({ accessKeyId: 'AKIAINACTIVEKEY00003', secretAccessKey: 'x', status: 'Inactive', createDate: SCENARIO_NOW });
    world = await startWorld(scenario);
    app = await startApprovalApp(world);
    const offer = await app.offer(ROTATION);
    await app.requestFix(offer.id);
    const [first] = await requests();
    expect(first!.action).toMatchObject({ kind: 'delete-access-key', accessKeyId: 'AKIAINACTIVEKEY00003', purpose: 'make-room' });
    expect(first!.warnings.join(' ')).toContain('already has two access keys');
    await app.approve(first!.id, APPROVER);
    expect(world.aws.callsOf('DeleteAccessKey')).toHaveLength(1);
    expect(world.aws.callsOf('CreateAccessKey')).toHaveLength(0);
    await waitForPosted(2);
    const next = (await requests()).find((r) => r.action.kind === 'create-access-key')!;
    expect(next).toMatchObject({ state: 'pending', step: 2, action: { existingKeyIds: [CURRENT_KEY_ID] } });
  });

  it('when SMTP never accepts the new key: the request fails, the new key is kept, the old one untouched, the approver told', async () => {
    world = await startWorld();
    world.propagation.refuseAlways = true;
    app = await startApprovalApp(world, { smtpAttempts: 3 });
    const offer = await app.offer(ROTATION);
    await app.requestFix(offer.id);
    const [create] = await requests();
    await app.approve(create!.id, APPROVER);
    const key = newKey();
    const final = (await app.store.getRequest(create!.id))!;
    expect(final.state).toBe('failed');
    expect(final.outcome!.details.join(' ')).toContain(`The new key ${key.accessKeyId} is kept (Active); the old key ${CURRENT_KEY_ID} untouched`);
    expect(world.aws.scenario.iamUsers[SMTP_USER]!.keys.map((k) => k.status)).toEqual(['Active', 'Active']);
    expect(world.smtp.sessions.flatMap((s) => s.auths)).toHaveLength(3);
    expect(world.aws.callsOf('UpdateAccessKey')).toHaveLength(0);
    expect(app.harness.slack.ok('views.update').some((c) => text(c).includes('NOT accepted'))).toBe(true);
    const thread = app.harness.slack.ok('chat.postMessage').map(text);
    expect(thread.some((t) => t.includes('never accepted') && t.includes('kept'))).toBe(true);
    expect((await app.store.listAudit({ requestId: create!.id })).map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'failed']);
    expect((await requests()).filter((r) => r.action.kind === 'deactivate-access-key')).toEqual([]);
    expect(app.logText()).not.toContain(deriveSmtpPassword(key.secretAccessKey, 'us-east-1'));
  });
});

describe('test a credential', () => {
  async function submit(username: string, password: string): Promise<void> {
    const before = app.harness.slack.ok('chat.postMessage').length;
    const response = await app.harness.requests.interactive({
      type: 'view_submission',
      team: { id: 'T0TEST', domain: 'test' },
      user: { id: REQUESTER, username: 'agent', team_id: 'T0TEST' },
      api_app_id: 'A0TEST',
      token: 'legacy-verification-token',
      trigger_id: 'trigger-submit',
      view: {
        id: 'V0MODAL',
        type: 'modal',
        callback_id: TEST_CREDENTIAL_VIEW,
        private_metadata: JSON.stringify({ channel: CHANNEL, threadTs: THREAD_TS }),
        state: { values: { smtp_username: { value: { type: 'plain_text_input', value: username } }, smtp_password: { value: { type: 'plain_text_input', value: password } }, smtp_region: { value: { type: 'plain_text_input', value: 'us-east-1' } } } },
        hash: 'h',
        team_id: 'T0TEST',
        app_id: 'A0TEST',
        bot_id: 'B0BOT',
      },
    });
    expect(response.status).toBe(200);
    await app.harness.slack.waitFor((c) => c.method === 'chat.postMessage' && app.harness.slack.ok('chat.postMessage').length > before && text(c).includes('tested an SMTP credential'), 'test outcome');
  }

  it('opens the modal from the relay button, runs a real AUTH, posts only the outcome (235 or 535), keeps nothing', async () => {
    world = await startWorld();
    app = await startApprovalApp(world);
    await app.click({ actionId: TEST_CREDENTIAL_ACTION, value: 'us-east-1', user: REQUESTER, triggerId: 'trigger-test' });
    const opened = await app.harness.slack.waitFor((c) => c.method === 'views.open', 'test modal');
    expect(opened.args).toMatchObject({ trigger_id: 'trigger-test' });
    expect(text(opened)).toContain(TEST_CREDENTIAL_VIEW);

    const good = deriveSmtpPassword(CURRENT_KEY_SECRET, 'us-east-1');
    await submit(CURRENT_KEY_ID, good);
    const wrong = 'BWrongPasswordForLoopbackOnly0000000000000';
    await submit(CURRENT_KEY_ID, wrong);
    const outcomes = app.harness.slack.ok('chat.postMessage').map(text).filter((t) => t.includes('tested an SMTP credential'));
    expect(outcomes[0]).toContain('accepted');
    expect(outcomes[1]).toContain('535');
    expect(outcomes[1]).toContain('This confirms a 535');
    for (const secret of [good, wrong]) {
      expect(app.harness.slack.calls.filter((c) => text(c).includes(secret))).toEqual([]);
      expect(app.logText()).not.toContain(secret);
      expect(dumpSqliteFile(world.dbPath)).not.toContain(secret);
    }
    expect(world.aws.calls.filter((c) => !c.operation.startsWith('Get') && !c.operation.startsWith('List'))).toEqual([]);
  });
});
