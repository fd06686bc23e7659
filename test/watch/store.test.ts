import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteWatchStore } from '../../src/watch/store.js';

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

describe('the watch store on SQLite', () => {
  it('records a delivery once across two connections to one file (two processes on one host), and counts only new ones', async () => {
    const path = file();
    const a = openSqliteWatchStore({ path });
    const b = openSqliteWatchStore({ path });
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

  it('gives a lease to one holder at a time until it expires or is released', async () => {
    const path = file();
    const a = openSqliteWatchStore({ path });
    const b = openSqliteWatchStore({ path });
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

  it('keeps the last audit and prunes old counts and expired ids', async () => {
    const store = openSqliteWatchStore({ path: ':memory:' });
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
