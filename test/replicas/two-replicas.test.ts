/**
 * Two app processes (`node dist/index.js`, two ports) share one PostgreSQL as the
 * least-privileged app role, with the loopback AWS endpoint, DNS, SMTP and the fake Slack
 * API. Executions are counted at the AWS endpoint. Skipped with a message where no
 * PostgreSQL server can be started.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REJECT_ACTION } from '../../src/slack/render/approval.js';
import { RECIPIENT, SMTP_USER, ROTATED_KEY_ID } from '../support/aws-endpoint.js';
import { postgresForSuite } from '../support/postgres.js';
import { APPROVE_ACTION, APPROVER, type ReplicaWorld, SECOND_APPROVER, connectAsApp, startReplicaWorld } from '../support/replicas.js';
import { appMentionEnvelope } from '../support/slack-requests.js';

const server = await postgresForSuite('two replicas on PostgreSQL');
afterAll(async () => {
  await server?.destroy();
});

let world: ReplicaWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const decided = (requestId: string, user: string) => (line: { msg?: string; [k: string]: unknown }) =>
  line.msg === 'approval decision handled' && line.requestId === requestId && line.user === user;

// Two app processes start per test: generous limits for a loaded two-core machine.
describe.skipIf(!server)('two replicas sharing PostgreSQL', { timeout: 90_000 }, () => {
  const start = async (): Promise<ReplicaWorld> => {
    if (!server) throw new Error('no server');
    world = await startReplicaWorld(server);
    return world;
  };

  it('a request made on A is approved on B and executes once', async () => {
    const w = await start();
    const [a, b] = await Promise.all([w.startReplica('A'), w.startReplica('B')]);
    const offer = await w.offer({ kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' });
    const requestId = await w.requestFix(a, offer.id);

    await w.click(b, { actionId: APPROVE_ACTION, value: requestId, user: APPROVER });
    const handled = await b.waitFor(decided(requestId, APPROVER), 'the decision on B');
    expect(handled.outcome).toBe('succeeded');
    expect(w.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(1);
    expect(await w.owner.getRequest(requestId)).toMatchObject({ state: 'succeeded', decidedBy: APPROVER });
    // One audit trail: the request written by A, the approval and execution by B.
    expect((await w.owner.listAudit({ requestId })).map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(a.lines.some((l) => l.msg === 'approval decision handled')).toBe(false);
  });

  it('two approvers click at the same moment, one on A and one on B: exactly one execution', async () => {
    const w = await start();
    const [a, b] = await Promise.all([w.startReplica('A'), w.startReplica('B')]);
    const offer = await w.offer({ kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' });
    const requestId = await w.requestFix(a, offer.id);

    await Promise.all([
      w.click(a, { actionId: APPROVE_ACTION, value: requestId, user: APPROVER }),
      w.click(b, { actionId: APPROVE_ACTION, value: requestId, user: SECOND_APPROVER }),
    ]);
    const outcomes = await Promise.all([a.waitFor(decided(requestId, APPROVER), 'decision on A'), b.waitFor(decided(requestId, SECOND_APPROVER), 'decision on B')]);
    expect(outcomes.map((l) => l.outcome).sort()).toEqual(['lost-race', 'succeeded']);
    expect(w.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(1);
    const winner = outcomes.find((l) => l.outcome === 'succeeded')?.user;
    expect(await w.owner.getRequest(requestId)).toMatchObject({ state: 'succeeded', decidedBy: winner });
    // The loser was told privately that the request runs once.
    const loser = outcomes.find((l) => l.outcome === 'lost-race')?.user;
    await w.slack.waitFor((call) => call.method === 'chat.postEphemeral' && call.args.user === loser, 'the private note to the loser');
  });

  it('the same Slack event (same event_id) delivered to A and to B makes one run', async () => {
    const w = await start();
    const [a, b] = await Promise.all([w.startReplica('A'), w.startReplica('B')]);
    const envelope = appMentionEnvelope({ eventId: 'Ev0REPLICAS1', channel: 'C0SUPPORT', user: 'U0AGENT', text: '<@U0BOT> admin@customer.example to=alice@recipient.example', ts: '1700000100.000100' });
    w.slack.setThread('C0SUPPORT', '1700000100.000100', [{ ts: '1700000100.000100', user: 'U0AGENT', text: '<@U0BOT> admin@customer.example to=alice@recipient.example' }]);
    const [toA, toB] = await Promise.all([a.requests.event(envelope), b.requests.event(envelope, { retryNum: 1, retryReason: 'http_timeout' })]);
    expect([toA.status, toB.status]).toEqual([200, 200]);
    const ignored = await Promise.race([
      a.waitFor((l) => l.msg === 'duplicate event ignored' && l.eventId === 'Ev0REPLICAS1', 'duplicate on A').then(() => a),
      b.waitFor((l) => l.msg === 'duplicate event ignored' && l.eventId === 'Ev0REPLICAS1', 'duplicate on B').then(() => b),
    ]);
    const runner = ignored === a ? b : a;
    await runner.waitFor((l) => l.msg === 'diagnosis finished', `the run on ${runner.name}`, 30_000);
    const started = [...a.lines, ...b.lines].filter((l) => l.msg === 'diagnosis started');
    expect(started).toHaveLength(1);
    expect(ignored.lines.some((l) => l.msg === 'diagnosis started')).toBe(false);
  });

  it('kill -9 of the replica running a rotation leaves the request interrupted, and B never repeats the step', async () => {
    const w = await start();
    // SES never accepts the new password: A keeps verifying (retries with backoff) until killed.
    w.smtp_refuse.always = true;
    const [a, b] = await Promise.all([w.startReplica('A'), w.startReplica('B')]);
    const offer = await w.offer({ kind: 'rotate-smtp-credential', iamUser: SMTP_USER, region: 'us-east-1', oldAccessKeyId: ROTATED_KEY_ID });
    const requestId = await w.requestFix(a, offer.id);
    expect((await w.owner.getRequest(requestId))?.action.kind).toBe('create-access-key');

    await w.click(a, { actionId: APPROVE_ACTION, value: requestId, user: APPROVER });
    // Mid-rotation: the key exists, the verification is under way.
    await a.waitFor((l) => l.msg === 'remediation executed' && l.requestId === requestId, 'the key created on A');
    expect(w.aws.callsOf('CreateAccessKey')).toHaveLength(1);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');

    // B notices the lapsed lease (2 s here) and ends the request interrupted.
    await b.waitFor((l) => l.msg === 'remediation interrupted' && l.requestId === requestId, 'the interruption noticed on B');
    expect(await w.owner.getRequest(requestId)).toMatchObject({ state: 'interrupted', decidedBy: APPROVER });
    expect((await w.owner.listAudit({ requestId })).map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'interrupted']);
    await w.slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.args.text).startsWith('⚠️ Interrupted'), 'the interruption in the thread');

    // Clicking again on B (approve, or reject) runs nothing.
    await w.click(b, { actionId: APPROVE_ACTION, value: requestId, user: SECOND_APPROVER });
    expect((await b.waitFor(decided(requestId, SECOND_APPROVER), 'the late approval on B')).outcome).toBe('lost-race');
    await w.click(b, { actionId: REJECT_ACTION, value: requestId, user: APPROVER });
    expect((await b.waitFor(decided(requestId, APPROVER), 'the late reject on B')).outcome).toBe('lost-race');
    expect(w.aws.callsOf('CreateAccessKey')).toHaveLength(1);
    expect(await w.owner.getRequest(requestId)).toMatchObject({ state: 'interrupted' });
  });

  it('audit rows cannot be updated or deleted by the app role, nor can it lift the trigger', async () => {
    const w = await start();
    const request = await w.owner.createRequest({
      step: 1,
      origin: { kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' },
      action: { kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' },
      offerId: 'o',
      findingId: 'f',
      runId: 'r',
      channel: 'C1',
      threadTs: '1.1',
      requestedBy: 'U1',
      requestedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      warnings: [],
    });
    await w.owner.appendAudit({ requestId: request.id, event: 'requested', actor: 'U1', at: new Date().toISOString(), what: 'w', result: 'r' });
    const app = await connectAsApp(w);
    try {
      // What the app needs works.
      await app.query("INSERT INTO audit (request_id, event, actor, at, what, result) VALUES ($1, 'refused', 'U2', now(), 'w', 'r')", [request.id]);
      await app.query("UPDATE requests SET message_ts = '1.2' WHERE id = $1", [request.id]);
      // Rewriting history does not.
      await expect(app.query("UPDATE audit SET result = 'forged'")).rejects.toThrow(/permission denied for table audit/);
      await expect(app.query('DELETE FROM audit')).rejects.toThrow(/permission denied for table audit/);
      await expect(app.query('TRUNCATE audit')).rejects.toThrow(/permission denied for table audit/);
      await expect(app.query('ALTER TABLE audit DISABLE TRIGGER audit_no_update_delete')).rejects.toThrow(/must be owner/);
      await expect(app.query('DROP TRIGGER audit_no_update_delete ON audit')).rejects.toThrow(/must be owner/);
      await expect(app.query('DELETE FROM requests')).rejects.toThrow(/permission denied for table requests/);
      await expect(app.query('CREATE TABLE sneaky (id int)')).rejects.toThrow(/permission denied for schema public/);
    } finally {
      await app.end();
    }
    // And even the owner, through the trigger.
    await expect(w.pg.admin(w.database, "UPDATE audit SET result = 'forged'")).rejects.toThrow(/append-only/);
    expect((await w.owner.listAudit({ requestId: request.id })).map((e) => e.event)).toEqual(['requested', 'refused']);
  });
});
