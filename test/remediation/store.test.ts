import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type RemediationStore, openSqliteStore } from '../../src/remediation/store.js';
import { T0, pendingRequest } from './support/fixtures.js';

let dir: string;
let path: string;
const stores: RemediationStore[] = [];
const open = (): RemediationStore => {
  const store = openSqliteStore({ path, now: () => T0 });
  stores.push(store);
  return store;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maildiag-store-'));
  path = join(dir, 'data', 'maildiag.db');
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite remediation store', () => {
  it('creates the schema at start, records the migration version, and re-opening applies nothing twice', async () => {
    open();
    open();
    const db = new DatabaseSync(path, { readOnly: true });
    const versions = db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>;
    const journal = db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    db.close();
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(journal.journal_mode).toBe('wal');
  });

  it('keeps offers and pending requests across a restart', async () => {
    const first = open();
    const offer = await first.save({
      runId: 'run-1',
      findingId: 'f',
      request: { kind: 'remove-suppression', email: 'a@b.example', region: 'us-east-1' },
      channel: 'C1',
      threadTs: '1.1',
      offeredTo: 'U1',
      warnings: ['still rejected'],
    });
    const request = await first.createRequest(pendingRequest({ offerId: offer.id }));
    await first.shutdown();
    const second = open();
    expect(await second.get(offer.id)).toMatchObject({ id: offer.id, warnings: ['still rejected'], request: offer.request });
    expect(await second.getRequest(request.id)).toMatchObject({ state: 'pending', chainId: request.id, action: request.action });
    expect(await second.claim(request.id, 'U0APPROVER', T0)).toMatchObject({ state: 'executing', decidedBy: 'U0APPROVER' });
  });

  it('lets exactly one claim win, and never claims an expired or closed request', async () => {
    const store = open();
    const request = await store.createRequest(pendingRequest());
    const results = await Promise.all(['U1', 'U2', 'U3'].map((u) => store.claim(request.id, u, T0)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await store.close(request.id, 'rejected', 'U4', T0)).toBeUndefined();

    const expiring = await store.createRequest(pendingRequest({ expiresAt: T0.toISOString() }));
    expect(await store.claim(expiring.id, 'U1', T0)).toBeUndefined();
    expect((await store.listExpired(T0)).map((r) => r.id)).toEqual([expiring.id]);
    expect(await store.close(expiring.id, 'expired', 'system', T0)).toMatchObject({ state: 'expired' });
    expect(await store.listExpired(T0)).toEqual([]);
  });

  it('finishes only an executing request', async () => {
    const store = open();
    const request = await store.createRequest(pendingRequest());
    expect(await store.finish(request.id, 'succeeded', { summary: 'x', details: [] }, T0)).toBeUndefined();
    await store.claim(request.id, 'U1', T0);
    expect(await store.finish(request.id, 'failed', { summary: 'boom', details: ['left in place'] }, T0)).toMatchObject({
      state: 'failed',
      outcome: { summary: 'boom', details: ['left in place'] },
    });
  });

  it('keeps the audit trail append-only, enforced by the database', async () => {
    const store = open();
    const request = await store.createRequest(pendingRequest());
    await store.appendAudit({ requestId: request.id, event: 'requested', actor: 'U1', at: T0.toISOString(), what: 'w', result: 'r' });
    await store.appendAudit({ requestId: request.id, event: 'refused', actor: 'U9', at: T0.toISOString(), what: 'w', result: 'not an approver' });
    expect((await store.listAudit({ requestId: request.id })).map((e) => [e.seq, e.event])).toEqual([
      [1, 'requested'],
      [2, 'refused'],
    ]);
    const db = new DatabaseSync(path);
    expect(() => db.exec("UPDATE audit SET result = 'forged'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    db.close();
    expect(await store.listAudit()).toHaveLength(2);
  });

  it('two store instances on one file: concurrent claims have one winner', async () => {
    const a = open();
    const b = open();
    const request = await a.createRequest(pendingRequest());
    const [fromA, fromB] = await Promise.all([a.claim(request.id, 'UA', T0), b.claim(request.id, 'UB', T0)]);
    expect([fromA, fromB].filter((r) => r !== undefined)).toHaveLength(1);
    expect((await b.getRequest(request.id))?.decidedBy).toBe((fromA ?? fromB)?.decidedBy);
  });

  it('four OS processes sharing the file race for one claim: exactly one wins', async () => {
    const store = open();
    const request = await store.createRequest(pendingRequest());
    const worker = fileURLToPath(new URL('./support/claim-worker.ts', import.meta.url));
    const approvers = ['UP1', 'UP2', 'UP3', 'UP4'];
    const children = approvers.map((approver) => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, path, request.id, approver], { stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      const ready = new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); if (output.includes('ready')) resolve(); }));
      const done = new Promise<{ approver: string; won: boolean }>((resolve, reject) => {
        child.on('exit', (code) => {
          const line = output.split('\n').find((l) => l.startsWith('{'));
          if (code !== 0 || !line) reject(new Error(`worker ${approver} exited ${code}: ${output}`));
          else resolve(JSON.parse(line) as { approver: string; won: boolean });
        });
      });
      return { child, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    const results = await Promise.all(children.map((c) => c.done));
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    expect(await store.getRequest(request.id)).toMatchObject({ state: 'executing', decidedBy: winners[0]!.approver });
  });
});
