/**
 * What only the embedded SQLite store has: the file, WAL, and upgrading a file written by an
 * older release. Everything both stores promise is in test/store/contract.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type RemediationStore, openSqliteStore } from '../../src/remediation/store.js';
import { T0 } from './support/fixtures.js';

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
  it('creates the file and its directory, records every migration version, and uses WAL', async () => {
    open();
    open();
    const db = new DatabaseSync(path, { readOnly: true });
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    const journal = db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    db.close();
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(journal.journal_mode).toBe('wal');
  });

  it('upgrades a file written by the first release: rows kept, the new states and tables usable', async () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const old = new DatabaseSync(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    old.exec(MIGRATIONS[0]!.sql);
    old.prepare("INSERT INTO schema_migrations VALUES (1, 'offers, requests, audit', '2026-01-01T00:00:00Z')").run();
    old.exec(`INSERT INTO requests (id, chain_id, step, origin_json, action_kind, action_json, offer_id, finding_id, run_id, channel, thread_ts,
      requested_by, requested_at, expires_at, state, warnings_json) VALUES ('r-old', 'r-old', 1, '{"kind":"remove-suppression","email":"a@b.example","region":"us-east-1"}',
      'remove-suppression', '{"kind":"remove-suppression","email":"a@b.example","region":"us-east-1"}', 'o', 'f', 'run', 'C1', '1.1', 'U1',
      '2026-03-02T12:00:00.000Z', '2026-03-03T12:00:00.000Z', 'pending', '[]')`);
    old.exec("INSERT INTO audit (request_id, event, actor, at, what, result) VALUES ('r-old', 'requested', 'U1', '2026-03-02T12:00:00.000Z', 'w', 'r')");
    old.close();

    const store = open();
    expect(await store.getRequest('r-old')).toMatchObject({ state: 'pending', requestedBy: 'U1' });
    expect(await store.claim('r-old', 'U2', T0)).toMatchObject({ state: 'executing' });
    expect((await store.interruptAbandoned(new Date(T0.getTime() + store.leaseMs))).map((r) => r.state)).toEqual(['interrupted']);
    expect(await store.firstSeen('event:E1', T0, 1000)).toBe(true);
    expect((await store.listAudit()).map((e) => e.event)).toEqual(['requested']);
    const db = new DatabaseSync(path);
    expect(() => db.exec("UPDATE audit SET result = 'forged'")).toThrow(/append-only/);
    db.close();
  });
});
