/**
 * Database faults, on the built app with PostgreSQL: unreachable at start (exit naming
 * MAILDIAG_DATABASE_URL, never the password); stopped while the app runs (a click is answered
 * privately and nothing executes, /healthz turns 503); restarted (the app recovers by itself).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RECIPIENT } from '../support/aws-endpoint.js';
import { freePort, postgresForSuite } from '../support/postgres.js';
import { APPROVE_ACTION, APPROVER, type Replica, type ReplicaWorld, startReplicaWorld } from '../support/replicas.js';

const server = await postgresForSuite('database faults on PostgreSQL');
afterAll(async () => {
  await server?.destroy();
});

let world: ReplicaWorld | undefined;
afterEach(async () => {
  if (server) await server.start().catch(() => undefined);
  await world?.close();
  world = undefined;
});

const APP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');

async function health(replica: Replica): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${replica.port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Asks /healthz until it answers `status` (each answer is a real database round trip). */
async function healthBecomes(replica: Replica, status: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await health(replica);
    if (answer.status === status) return answer.body;
    if (Date.now() > deadline) throw new Error(`/healthz stayed ${answer.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!server)('database faults', { timeout: 90_000 }, () => {
  it('unreachable at start: exits with a message naming MAILDIAG_DATABASE_URL and the host, never the password', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [APP], {
      cwd: dirname(APP),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: '/nonexistent-maildiag-test-home',
        SLACK_BOT_TOKEN: 'xoxb-1-2-x',
        SLACK_SIGNING_SECRET: 'signing',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        SLACK_BOT_USER_ID: 'U0BOT',
        SLACK_BOT_ID: 'B0BOT',
        MAILDIAG_AWS: 'off',
        MAILDIAG_DATABASE_URL: `postgres://maildiag_app:TopSECRETpw@127.0.0.1:${port}/maildiag`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`maildiag: The database at MAILDIAG_DATABASE_URL (postgres://maildiag_app@127.0.0.1:${port}/maildiag) is unreachable: ECONNREFUSED.`);
    expect(`${stderr}${stdout}`).not.toContain('TopSECRETpw');
  });

  it('stopped while running: a click is answered privately and runs nothing, /healthz is 503; restarted: the app recovers by itself', async () => {
    if (!server) throw new Error('no server');
    world = await startReplicaWorld(server);
    const w = world;
    const app = await w.startReplica('A');
    const offer = await w.offer({ kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1' });
    const requestId = await w.requestFix(app, offer.id);
    expect(await health(app)).toMatchObject({ status: 200, body: { ok: true, activeRuns: 0, queuedRuns: 0, store: 'ok' } });

    await server.stop();
    expect(await healthBecomes(app, 503)).toMatchObject({ ok: false, store: 'unreachable' });
    await w.click(app, { actionId: APPROVE_ACTION, value: requestId, user: APPROVER });
    const handled = await app.waitFor((l) => l.msg === 'approval decision handled' && l.requestId === requestId, 'the click while the database is down');
    expect(handled.outcome).toBe('not-recorded');
    const answer = await w.slack.waitFor((call) => call.method === 'response_url' && String(call.args.text).startsWith('Could not record the decision, nothing was changed'), 'the private answer');
    expect(answer.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(w.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
    expect(app.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(w.appPassword);

    await server.start();
    expect(await healthBecomes(app, 200)).toMatchObject({ ok: true, store: 'ok' });
    expect(await w.owner.getRequest(requestId)).toMatchObject({ state: 'pending' });
    await w.click(app, { actionId: APPROVE_ACTION, value: requestId, user: APPROVER });
    const again = await app.waitFor((l) => l.msg === 'approval decision handled' && l.requestId === requestId && l.outcome !== 'not-recorded', 'the click after recovery');
    expect(again.outcome).toBe('succeeded');
    expect(w.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(1);
    expect(app.child.exitCode).toBeNull();
  });
});
