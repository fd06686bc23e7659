/**
 * The store contract, run against every implementation (SQLite file, PostgreSQL): the same
 * tests, the same expectations. Each implementation supplies how to open a store on one
 * shared database, how to write to its audit table behind the store's back (to prove the
 * database refuses), and how to make its schema newer than the code.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RemediationStore } from '../../src/remediation/store.js';
import { StoreSchemaError } from '../../src/store/errors.js';
import { T0, pendingRequest } from '../remediation/support/fixtures.js';

export interface ContractTarget {
  /** Opens a store on the test's database (several calls: several "replicas" on one database). */
  open(options?: { leaseMs?: number; owner?: string }): Promise<RemediationStore>;
  /** Runs SQL directly on the database, as the app's own connection would. */
  raw(sql: string): Promise<void>;
  /** Records a schema version newer than the code knows. */
  bumpSchemaVersion(version: number): Promise<void>;
  /** Arguments for test/store/support/claim-worker.ts to open the same database in another process. */
  workerSpec(): string;
}

export interface ContractFactory {
  /** A fresh, empty database for one test. */
  fresh(): Promise<ContractTarget>;
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;
const at = (ms: number): Date => new Date(T0.getTime() + ms);

export function storeContract(name: string, factory: () => ContractFactory | undefined): void {
  describe(`store contract: ${name}`, () => {
    const opened: RemediationStore[] = [];
    let current: ContractFactory | undefined;
    const fresh = async (): Promise<ContractTarget & { openTracked: ContractTarget['open'] }> => {
      current = factory();
      if (!current) throw new Error('no factory');
      const target = await current.fresh();
      return {
        ...target,
        openTracked: async (options) => {
          const store = await target.open(options);
          opened.push(store);
          return store;
        },
      };
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.shutdown();
      await current?.cleanup();
    });

    it('applies its migrations once: a second start on the same database changes nothing', async () => {
      const db = await fresh();
      const first = await db.openTracked();
      const offer = await first.save({ runId: 'r', findingId: 'f', request: { kind: 'remove-suppression', email: 'a@b.example', region: 'us-east-1' }, channel: 'C1', threadTs: '1.1', offeredTo: 'U1' });
      const second = await db.openTracked();
      expect(await second.get(offer.id)).toMatchObject({ id: offer.id });
      await second.ping();
    });

    it('refuses a database whose schema is newer than the code, saying so', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.shutdown();
      await db.bumpSchemaVersion(999);
      const error = await db.open().then(
        (s) => s.shutdown().then(() => undefined),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreSchemaError);
      expect((error as Error).message).toMatch(/schema version 999.*knows versions up to \d+.*newer release/);
    });

    it('keeps offers and requests (with JSON fields) across a restart', async () => {
      const db = await fresh();
      const first = await db.open();
      const offer = await first.save({
        runId: 'run-1',
        findingId: 'f',
        request: { kind: 'remove-suppression', email: 'a@b.example', region: 'us-east-1' },
        channel: 'C1',
        threadTs: '1.1',
        offeredTo: 'U1',
        warnings: ['still rejected'],
      });
      const request = await first.createRequest(pendingRequest({ offerId: offer.id, warnings: ['w1'] }));
      await first.setMessageTs(request.id, '1700000000.000200');
      await first.shutdown();
      const second = await db.openTracked();
      expect(await second.get(offer.id)).toEqual(offer);
      expect(await second.get('no-such-offer')).toBeUndefined();
      const reread = await second.getRequest(request.id);
      expect(reread).toEqual({ ...request, messageTs: '1700000000.000200' });
      expect(reread).toMatchObject({ state: 'pending', chainId: request.id, warnings: ['w1'], requestedAt: T0.toISOString() });
      expect(await second.getRequest('no-such-request')).toBeUndefined();
    });

    it('lets exactly one of many concurrent claims win, from several store instances on one database', async () => {
      const db = await fresh();
      const a = await db.openTracked({ owner: 'replica-a' });
      const b = await db.openTracked({ owner: 'replica-b' });
      const request = await a.createRequest(pendingRequest());
      const claims = await Promise.all(['U1', 'U2', 'U3', 'U4'].map((u, i) => (i % 2 === 0 ? a : b).claim(request.id, u, T0)));
      const winners = claims.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ state: 'executing', decidedAt: T0.toISOString() });
      expect((await b.getRequest(request.id))?.decidedBy).toBe(winners[0]?.decidedBy);
      // A claimed request is no longer pending: it cannot be closed or claimed again.
      expect(await a.close(request.id, 'rejected', 'U5', T0)).toBeUndefined();
      expect(await b.claim(request.id, 'U6', T0)).toBeUndefined();
    });

    it('never claims an expired request; lists and closes expired ones once', async () => {
      const db = await fresh();
      const store = await db.openTracked();
      const expiring = await store.createRequest(pendingRequest({ expiresAt: T0.toISOString() }));
      const later = await store.createRequest(pendingRequest({ expiresAt: at(HOUR).toISOString() }));
      expect(await store.claim(expiring.id, 'U1', T0)).toBeUndefined();
      expect((await store.listExpired(T0)).map((r) => r.id)).toEqual([expiring.id]);
      expect(await store.close(expiring.id, 'expired', 'system', T0)).toMatchObject({ state: 'expired', decidedBy: 'system' });
      expect(await store.close(expiring.id, 'expired', 'system', T0)).toBeUndefined();
      expect(await store.listExpired(T0)).toEqual([]);
      expect((await store.listExpired(at(HOUR))).map((r) => r.id)).toEqual([later.id]);
    });

    it('closes a pending request with an outcome, and finishes only an executing one', async () => {
      const db = await fresh();
      const store = await db.openTracked();
      const superseded = await store.createRequest(pendingRequest());
      expect(await store.close(superseded.id, 'superseded', 'U1', T0, { summary: 'changed', details: ['no longer suppressed'] })).toMatchObject({
        state: 'superseded',
        outcome: { summary: 'changed', details: ['no longer suppressed'] },
      });
      const request = await store.createRequest(pendingRequest());
      expect(await store.finish(request.id, 'succeeded', { summary: 'x', details: [] }, T0)).toBeUndefined();
      await store.claim(request.id, 'U1', T0);
      expect(await store.finish(request.id, 'failed', { summary: 'boom', details: ['left in place'], created: ['AKIA1'] }, T0)).toMatchObject({
        state: 'failed',
        outcome: { summary: 'boom', details: ['left in place'], created: ['AKIA1'] },
      });
      expect(await store.finish(request.id, 'succeeded', { summary: 'again', details: [] }, T0)).toBeUndefined();
    });

    it('lists a chain in step order and the requests of an offer', async () => {
      const db = await fresh();
      const store = await db.openTracked();
      const first = await store.createRequest(pendingRequest({ offerId: 'offer-x' }));
      const second = await store.createRequest(pendingRequest({ offerId: 'offer-x', chainId: first.id, step: 2, requestedAt: at(1000).toISOString() }));
      await store.createRequest(pendingRequest({ offerId: 'offer-y' }));
      expect((await store.listChain(first.id)).map((r) => [r.id, r.step])).toEqual([
        [first.id, 1],
        [second.id, 2],
      ]);
      expect((await store.listByOffer('offer-x')).map((r) => r.id)).toEqual([first.id, second.id]);
    });

    it('keeps the audit trail append-only, enforced by the database', async () => {
      const db = await fresh();
      const store = await db.openTracked();
      const request = await store.createRequest(pendingRequest());
      await store.appendAudit({ requestId: request.id, event: 'requested', actor: 'U1', at: T0.toISOString(), what: 'w', result: 'r' });
      const second = await store.appendAudit({ requestId: request.id, event: 'refused', actor: 'U9', at: T0.toISOString(), what: 'w', result: 'not an approver' });
      expect(second.seq).toBeGreaterThan(0);
      expect((await store.listAudit({ requestId: request.id })).map((e) => e.event)).toEqual(['requested', 'refused']);
      expect((await store.listAudit({ chainId: request.chainId })).map((e) => e.actor)).toEqual(['U1', 'U9']);
      await expect(db.raw("UPDATE audit SET result = 'forged'")).rejects.toThrow(/append-only/);
      await expect(db.raw('DELETE FROM audit')).rejects.toThrow(/append-only/);
      expect((await store.listAudit()).map((e) => e.result)).toEqual(['r', 'not an approver']);
    });

    it('holds an execution lease: renewed by its owner, and a lapsed one ends the request interrupted (never pending again)', async () => {
      const db = await fresh();
      const a = await db.openTracked({ owner: 'replica-a', leaseMs: 10_000 });
      const b = await db.openTracked({ owner: 'replica-b', leaseMs: 10_000 });
      expect(a.leaseMs).toBe(10_000);
      const kept = await a.createRequest(pendingRequest());
      const dropped = await a.createRequest(pendingRequest());
      await a.claim(kept.id, 'U1', T0);
      await a.claim(dropped.id, 'U1', T0);
      // The owner renews one of them; another replica cannot renew what is not its own.
      expect(await a.renewLease(kept.id, at(8_000))).toBe(true);
      expect(await b.renewLease(dropped.id, at(8_000))).toBe(false);
      expect(await b.interruptAbandoned(at(9_999))).toEqual([]);
      const ended = await b.interruptAbandoned(at(10_000));
      expect(ended.map((r) => [r.id, r.state])).toEqual([[dropped.id, 'interrupted']]);
      expect(await b.getRequest(dropped.id)).toMatchObject({ state: 'interrupted', decidedBy: 'U1' });
      // Interrupted is final for everyone else: not claimable, not finishable by another replica, not renewable, not interrupted twice.
      expect(await a.claim(dropped.id, 'U2', at(10_000))).toBeUndefined();
      expect(await b.finish(dropped.id, 'succeeded', { summary: 'not mine', details: [] }, at(10_000))).toBeUndefined();
      expect(await a.renewLease(dropped.id, at(10_000))).toBe(false);
      expect(await b.interruptAbandoned(at(17_999))).toEqual([]);
      expect((await b.interruptAbandoned(at(18_000))).map((r) => r.id)).toEqual([kept.id]);
      // The claimant that was only cut off from the database (not dead) still records what really happened.
      expect(await a.finish(dropped.id, 'succeeded', { summary: 'late but done', details: [] }, at(20_000))).toMatchObject({ state: 'succeeded', outcome: { summary: 'late but done' } });
      expect(await a.finish(dropped.id, 'failed', { summary: 'twice', details: [] }, at(20_000))).toBeUndefined();
    });

    it('de-duplicates keys across instances until they expire and are swept', async () => {
      const db = await fresh();
      const a = await db.openTracked();
      const b = await db.openTracked();
      const results = await Promise.all([a, b, a, b].map((s) => s.firstSeen('event:Ev1', T0, HOUR)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await b.firstSeen('command:C1|U1|text', T0, HOUR)).toBe(true);
      expect(await a.sweepSeen(at(HOUR - 1))).toBe(0);
      expect(await a.firstSeen('event:Ev1', at(HOUR - 1), HOUR)).toBe(false);
      expect(await b.sweepSeen(at(HOUR))).toBe(2);
      expect(await a.firstSeen('event:Ev1', at(HOUR), HOUR)).toBe(true);
    });

    it('shares rate-limit slots across instances: at most the limit per window, freed slots taken again without a sweep', async () => {
      const db = await fresh();
      const a = await db.openTracked();
      const b = await db.openTracked();
      const key = 'rate:credential-test.user:U1';
      // Six takers at once on two "replicas" for three slots: exactly three win.
      const results = await Promise.all([a, b, a, b, a, b].map((s) => s.takeSlot(key, 3, T0, HOUR)));
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, freeAt: at(HOUR) });
      // Another key has its own slots.
      expect(await b.takeSlot('rate:credential-test.user:U2', 3, T0, HOUR)).toEqual({ ok: true });
      // A slot taken later frees later: the window slides.
      expect(await a.takeSlot(key, 3, at(HOUR - 1), HOUR)).toEqual({ ok: false, freeAt: at(HOUR) });
      const later = await Promise.all([a, b].map((s) => s.takeSlot(key, 3, at(HOUR), HOUR)));
      expect(later.filter((r) => r.ok)).toHaveLength(2);
      // Slots are de-duplication keys: the sweep removes the expired ones.
      expect(await a.sweepSeen(at(3 * HOUR))).toBe(4);
    });

    it('several OS processes race for one claim: exactly one wins', async () => {
      const db = await fresh();
      const store = await db.openTracked();
      const request = await store.createRequest(pendingRequest());
      const worker = fileURLToPath(new URL('./support/claim-worker.ts', import.meta.url));
      const approvers = ['UP1', 'UP2', 'UP3', 'UP4'];
      const children = approvers.map((approver) => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, db.workerSpec(), request.id, approver], { stdio: ['pipe', 'pipe', 'inherit'] });
        let output = '';
        const ready = new Promise<void>((resolve) =>
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            if (output.includes('ready')) resolve();
          }),
        );
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
      expect(await store.getRequest(request.id)).toMatchObject({ state: 'executing', decidedBy: winners[0]?.approver });
    });
  });
}
