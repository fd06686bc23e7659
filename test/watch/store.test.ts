import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openWatchStore } from '../../src/watch/compose.js';
import { openPostgresWatchStore } from '../../src/watch/store-postgres.js';
import { openSqliteWatchStore, type WatchStore } from '../../src/watch/store.js';
import { postgresForSuite, type TestPostgres } from '../support/postgres.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const file = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'maildiag-watch-'));
  dirs.push(dir);
  return join(dir, 'maildiag.db');
};
const T = new Date('2026-03-02T12:00:00Z');
const later = (ms: number) => new Date(T.getTime() + ms);

/** Two connections to one store (two replicas), for each implementation. */
type Pair = () => Promise<[WatchStore, WatchStore]>;

/** A real PostgreSQL cluster (test/support/postgres.ts); without PostgreSQL binaries the PostgreSQL half skips with a message. */
let pgCluster: TestPostgres | undefined;
beforeAll(async () => {
  pgCluster = await postgresForSuite('watch store on PostgreSQL');
}, 120_000);
afterAll(async () => {
  await pgCluster?.destroy();
});

const sqlitePair: Pair = async () => {
  const path = file();
  return [openSqliteWatchStore({ path }), openSqliteWatchStore({ path })];
};
const postgresPair: Pair = async () => {
  if (!pgCluster) throw new Error('no PostgreSQL');
  const url = pgCluster.url(await pgCluster.createDatabase('watch'));
  return [await openPostgresWatchStore({ config: { connectionString: url, max: 2 } }), await openPostgresWatchStore({ config: { connectionString: url, max: 2 } })];
};

describe.each([
  ['SQLite (one file, two connections)', sqlitePair, (): boolean => true],
  ['PostgreSQL (one database, two pools)', postgresPair, (): boolean => pgCluster !== undefined],
] as const)('the watch store on %s', (_name, pair, available) => {
  it('records a delivery once across two replicas, and counts only new ones', async (context) => {
    if (!available()) context.skip();
    const [a, b] = await pair();
    try {
      const first = await a.recordEvents(T, [{ dedupeId: 'sns:1', type: 'Bounce' }, { dedupeId: 'sns:2', type: 'Delivery' }, { dedupeId: 'sns:1', type: 'Bounce' }], 60_000);
      expect([...first].sort()).toEqual(['sns:1', 'sns:2']);
      const second = await b.recordEvents(later(1000), [{ dedupeId: 'sns:1', type: 'Bounce' }, { dedupeId: 'sns:3', type: 'Complaint' }], 60_000);
      expect([...second]).toEqual(['sns:3']);
      expect(await a.eventCountsSince(T)).toEqual({ Bounce: 1, Delivery: 1, Complaint: 1 });
      // Past its time to live an id counts as new again.
      expect([...(await b.recordEvents(later(61_000), [{ dedupeId: 'sns:1', type: 'Bounce' }], 60_000))]).toEqual(['sns:1']);
      expect(await a.eventCountsSince(later(60_000))).toEqual({ Bounce: 1 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('gives a lease to one holder at a time until it expires or is released', async (context) => {
    if (!available()) context.skip();
    const [a, b] = await pair();
    try {
      expect(await a.acquireLease('watch-intake', 'A', T, 60_000)).toBe(true);
      expect(await b.acquireLease('watch-intake', 'B', later(1000), 60_000)).toBe(false);
      expect(await a.acquireLease('watch-intake', 'A', later(30_000), 60_000)).toBe(true);
      expect(await b.acquireLease('watch-intake', 'B', later(80_000), 60_000)).toBe(false);
      expect(await b.acquireLease('watch-intake', 'B', later(90_001), 60_000)).toBe(true);
      await b.releaseLease('watch-intake', 'A');
      expect(await a.acquireLease('watch-intake', 'A', later(90_002), 60_000)).toBe(false);
      await b.releaseLease('watch-intake', 'B');
      expect(await a.acquireLease('watch-intake', 'A', later(90_003), 60_000)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('remembers categories with the latest time seen, shared by replicas', async (context) => {
    if (!available()) context.skip();
    const [a, b] = await pair();
    try {
      await a.rememberCategories([{ key: 'k1', at: later(5_000) }, { key: 'k2', at: T }]);
      await b.rememberCategories([{ key: 'k1', at: T }]);
      const known = await b.knownCategories(T);
      expect(known.map((k) => [k.key, k.lastSeen.getTime()]).sort()).toEqual([
        ['k1', later(5_000).getTime()],
        ['k2', T.getTime()],
      ]);
      expect((await a.knownCategories(later(1))).map((k) => k.key)).toEqual(['k1']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps the last audit and prunes old counts and expired ids', async (context) => {
    if (!available()) context.skip();
    const [store, other] = await pair();
    await other.close();
    expect(await store.lastAudit()).toBeUndefined();
    const record = { startedAt: T.toISOString(), finishedAt: T.toISOString(), identities: 2, findings: {}, changes: [], errors: [] };
    await store.saveAudit(record);
    await store.saveAudit({ ...record, identities: 3 });
    expect((await store.lastAudit())?.identities).toBe(3);
    await store.recordEvents(T, [{ dedupeId: 'x', type: 'Send' }], 1_000);
    await store.prune(later(2 * 86_400_000), 86_400_000);
    expect(await store.eventCountsSince(new Date(0))).toEqual({});
    expect([...(await store.recordEvents(later(2 * 86_400_000), [{ dedupeId: 'x', type: 'Send' }], 1_000))]).toEqual(['x']);
    await store.close();
  });
});

describe('the watch store the configuration picks', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' };
  const log = createLogger({ level: 'silent' });

  it('is the SQLite file MAILDIAG_DB without MAILDIAG_DATABASE_URL', async () => {
    const path = file();
    const store = await openWatchStore(loadAppConfig({ ...base, MAILDIAG_DB: path }), log);
    await store.recordEvents(T, [{ dedupeId: 'a', type: 'Bounce' }], 60_000);
    await store.close();
    const again = openSqliteWatchStore({ path });
    expect(await again.eventCountsSince(T)).toEqual({ Bounce: 1 });
    await again.close();
  });

  it('is PostgreSQL with MAILDIAG_DATABASE_URL (the app\'s database, the same connection settings)', async (context) => {
    if (!pgCluster) context.skip();
    const url = pgCluster!.url(await pgCluster!.createDatabase('watchcfg'));
    const store = await openWatchStore(loadAppConfig({ ...base, MAILDIAG_DATABASE_URL: `${url}${url.includes('?') ? '&' : '?'}sslmode=disable` }), log);
    await store.recordEvents(T, [{ dedupeId: 'a', type: 'Complaint' }], 60_000);
    const other = await openPostgresWatchStore({ config: { connectionString: url, max: 1 } });
    expect(await other.eventCountsSince(T)).toEqual({ Complaint: 1 });
    await other.close();
    await store.close();
  });
});
