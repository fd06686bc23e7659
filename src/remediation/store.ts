/**
 * The store contract: offers, approval requests with their state and execution lease, the
 * append-only audit trail, and the de-duplication keys (Slack event ids, replayed commands).
 * Everything several app replicas must share goes through this one interface, which has two
 * implementations run against one contract suite (test/store/contract.ts):
 * - `node:sqlite` in a file (here): the zero-setup default (`MAILDIAG_DB`); WAL and a busy
 *   timeout so two processes on one host can share it. Not for replicas on several hosts.
 * - PostgreSQL (`src/store/postgres/`), chosen by `MAILDIAG_DATABASE_URL`, for 2+ replicas.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { RemediationRequest } from '../core/finding.js';
import type { Target } from '../core/target.js';
import { refuseNewerSchema, StoreUnavailableError } from '../store/errors.js';
import type {
  ActionOutcome,
  ApprovalRequest,
  AuditEntry,
  NewApprovalRequest,
  NewAuditEntry,
  RemediationAction,
  RequestState,
} from './model.js';
import type { OfferStore, RemediationOffer } from './offers.js';

/** Default execution lease: a claim not renewed for this long is taken as abandoned. */
export const DEFAULT_LEASE_MS = 30_000;

export interface RemediationStore extends OfferStore {
  /** `sqlite` or `postgres`, for logs and the health answer. */
  readonly kind: 'sqlite' | 'postgres';
  /** This process's identity in claims (host, pid, random). */
  readonly owner: string;
  /** How long a claim stays ours without renewal; the executor renews every third of it. */
  readonly leaseMs: number;
  createRequest(init: NewApprovalRequest): Promise<ApprovalRequest>;
  getRequest(id: string): Promise<ApprovalRequest | undefined>;
  setMessageTs(id: string, messageTs: string): Promise<void>;
  /**
   * Compare-and-set pending → executing, in one conditional UPDATE. Exactly one caller wins,
   * across connections, processes and replicas; a request past its expiry cannot be claimed.
   * The winner holds an execution lease (owner, `now + leaseMs`). Undefined for the losers.
   */
  claim(id: string, approver: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** Extends our lease on an executing request; false when it is no longer ours or no longer executing. */
  renewLease(id: string, now: Date): Promise<boolean>;
  /**
   * executing → interrupted for every request whose lease ran out (its process died or lost
   * the database): they are never run again by themselves. Returns the requests it ended.
   */
  interruptAbandoned(now: Date): Promise<ApprovalRequest[]>;
  /** pending → rejected | expired | superseded; undefined when the request was no longer pending. */
  close(id: string, state: 'rejected' | 'expired' | 'superseded', by: string, now: Date, outcome?: ActionOutcome): Promise<ApprovalRequest | undefined>;
  /** executing → succeeded | failed. */
  finish(id: string, state: 'succeeded' | 'failed', outcome: ActionOutcome, now: Date): Promise<ApprovalRequest | undefined>;
  /** Pending requests whose expiry has passed. */
  listExpired(now: Date): Promise<ApprovalRequest[]>;
  listChain(chainId: string): Promise<ApprovalRequest[]>;
  /** Requests made from one offer, oldest first (to avoid a second open request for the same fix). */
  listByOffer(offerId: string): Promise<ApprovalRequest[]>;
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  listAudit(filter?: { requestId?: string; chainId?: string }): Promise<AuditEntry[]>;
  /**
   * De-duplication: true for the first caller of a key (across replicas), false for every
   * repeat until the key expires and is swept. One `INSERT … ON CONFLICT DO NOTHING`.
   */
  firstSeen(key: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Deletes expired de-duplication keys; one replica at a time (PostgreSQL: an advisory lock). Returns how many. */
  sweepSeen(now: Date): Promise<number>;
  /**
   * Rate limiting across replicas: takes one of the `slots` slots of `key` for `ttlMs` (at most
   * `slots` takes per `ttlMs`, a sliding window). A slot is a de-duplication key (`key#0` …) that
   * is free when absent or expired; an expired one is deleted and inserted again, and the insert
   * (`ON CONFLICT DO NOTHING`) lets exactly one taker win it. Refused: when the first slot frees.
   */
  takeSlot(key: string, slots: number, now: Date, ttlMs: number): Promise<SlotDecision>;
  /** Resolves when the database answers; throws StoreUnavailableError otherwise (for /healthz). */
  ping(): Promise<void>;
  shutdown(): Promise<void>;
}

export type SlotDecision = { ok: true } | { ok: false; freeAt: Date };

/** `host:pid:random`: unique per process, readable in the requests table. */
export function newStoreOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

// ---------- migrations ----------

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append only: never edit a shipped migration, add the next version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'offers, requests, audit',
    sql: `
      CREATE TABLE offers (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        finding_id TEXT NOT NULL,
        request_json TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread_ts TEXT NOT NULL,
        offered_to TEXT NOT NULL,
        created_at TEXT NOT NULL,
        target_json TEXT,
        warnings_json TEXT NOT NULL DEFAULT '[]'
      );
      CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        chain_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        origin_json TEXT NOT NULL,
        action_kind TEXT NOT NULL,
        action_json TEXT NOT NULL,
        offer_id TEXT NOT NULL,
        finding_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread_ts TEXT NOT NULL,
        message_ts TEXT,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','executing','succeeded','failed','rejected','expired','superseded')),
        decided_by TEXT,
        decided_at TEXT,
        outcome_json TEXT,
        warnings_json TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX requests_chain ON requests (chain_id, step);
      CREATE INDEX requests_offer ON requests (offer_id);
      CREATE INDEX requests_pending_expiry ON requests (state, expires_at);
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        event TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        what TEXT NOT NULL,
        result TEXT NOT NULL
      );
      CREATE INDEX audit_request ON audit (request_id, seq);
      -- The audit trail is append-only, enforced by the database itself.
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'execution lease, interrupted state, de-duplication keys',
    // SQLite cannot change a CHECK constraint in place: the requests table is rebuilt.
    sql: `
      CREATE TABLE requests_v2 (
        id TEXT PRIMARY KEY,
        chain_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        origin_json TEXT NOT NULL,
        action_kind TEXT NOT NULL,
        action_json TEXT NOT NULL,
        offer_id TEXT NOT NULL,
        finding_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread_ts TEXT NOT NULL,
        message_ts TEXT,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','executing','succeeded','failed','rejected','expired','superseded','interrupted')),
        decided_by TEXT,
        decided_at TEXT,
        outcome_json TEXT,
        warnings_json TEXT NOT NULL DEFAULT '[]',
        claimed_by TEXT,
        lease_until TEXT
      );
      INSERT INTO requests_v2 (id, chain_id, step, origin_json, action_kind, action_json, offer_id, finding_id, run_id, channel, thread_ts,
          message_ts, requested_by, requested_at, expires_at, state, decided_by, decided_at, outcome_json, warnings_json)
        SELECT id, chain_id, step, origin_json, action_kind, action_json, offer_id, finding_id, run_id, channel, thread_ts,
          message_ts, requested_by, requested_at, expires_at, state, decided_by, decided_at, outcome_json, warnings_json FROM requests;
      DROP TABLE requests;
      ALTER TABLE requests_v2 RENAME TO requests;
      CREATE INDEX requests_chain ON requests (chain_id, step);
      CREATE INDEX requests_offer ON requests (offer_id);
      CREATE INDEX requests_pending_expiry ON requests (state, expires_at);
      CREATE INDEX requests_executing_lease ON requests (state, lease_until);
      CREATE TABLE dedupe (
        key TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX dedupe_expiry ON dedupe (expires_at);
    `,
  },
];

function migrate(db: DatabaseSync, now: () => Date, where: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  // IMMEDIATE takes the write lock first, so two processes starting together migrate once.
  db.exec('BEGIN IMMEDIATE');
  try {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version),
    );
    refuseNewerSchema(Math.max(0, ...applied), Math.max(...MIGRATIONS.map((m) => m.version)), `MAILDIAG_DB (${where})`);
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now().toISOString(),
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

// ---------- row mapping ----------

type Row = Record<string, SQLInputValue>;

const str = (value: SQLInputValue | undefined): string => (typeof value === 'string' ? value : String(value ?? ''));
const optStr = (value: SQLInputValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

function parseJson<T>(value: SQLInputValue | undefined, fallback: T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
}

function toRequest(row: Row): ApprovalRequest {
  return {
    id: str(row.id),
    chainId: str(row.chain_id),
    step: Number(row.step),
    origin: parseJson<RemediationRequest>(row.origin_json, { kind: 'remove-suppression', email: '', region: '' }),
    action: parseJson<RemediationAction>(row.action_json, { kind: 'remove-suppression', email: '', region: '' }),
    offerId: str(row.offer_id),
    findingId: str(row.finding_id),
    runId: str(row.run_id),
    channel: str(row.channel),
    threadTs: str(row.thread_ts),
    messageTs: optStr(row.message_ts),
    requestedBy: str(row.requested_by),
    requestedAt: str(row.requested_at),
    expiresAt: str(row.expires_at),
    state: str(row.state) as RequestState,
    decidedBy: optStr(row.decided_by),
    decidedAt: optStr(row.decided_at),
    outcome: parseJson<ActionOutcome | undefined>(row.outcome_json, undefined),
    warnings: parseJson<string[]>(row.warnings_json, []),
  };
}

function toOffer(row: Row): RemediationOffer {
  const target = parseJson<Target | undefined>(row.target_json, undefined);
  return {
    id: str(row.id),
    runId: str(row.run_id),
    findingId: str(row.finding_id),
    request: parseJson<RemediationRequest>(row.request_json, { kind: 'remove-suppression', email: '', region: '' }),
    channel: str(row.channel),
    threadTs: str(row.thread_ts),
    offeredTo: str(row.offered_to),
    createdAt: str(row.created_at),
    ...(target ? { target } : {}),
    warnings: parseJson<string[]>(row.warnings_json, []),
  };
}

function toAudit(row: Row): AuditEntry {
  return {
    seq: Number(row.seq),
    requestId: str(row.request_id),
    event: str(row.event) as AuditEntry['event'],
    actor: str(row.actor),
    at: str(row.at),
    what: str(row.what),
    result: str(row.result),
  };
}

// ---------- the SQLite store ----------

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for tests. */
  path: string;
  now?: () => Date;
  /** How long a writer waits for another process's lock (ms). */
  busyTimeoutMs?: number;
  /** Execution lease (default 30 s). */
  leaseMs?: number;
  owner?: string;
}

export function openSqliteStore(options: SqliteStoreOptions): RemediationStore {
  const now = options.now ?? (() => new Date());
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
  if (options.path !== ':memory:') {
    db.exec('PRAGMA journal_mode = WAL');
    // WAL + NORMAL: no fsync per commit (node:sqlite is synchronous, so each fsync stalled the
    // event loop that acks Slack: one per command de-duplication key and per offer). Still
    // atomic and safe from corruption; a power loss can drop the last commits (issue 13).
    db.exec('PRAGMA synchronous = NORMAL');
  }
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db, now, options.path);
  const owner = options.owner ?? newStoreOwner();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const leaseUntil = (at: Date): string => new Date(at.getTime() + leaseMs).toISOString();

  const getRequestRow = db.prepare('SELECT * FROM requests WHERE id = ?');
  const readRequest = (id: string): ApprovalRequest | undefined => {
    const row = getRequestRow.get(id) as Row | undefined;
    return row ? toRequest(row) : undefined;
  };

  const store: RemediationStore = {
    kind: 'sqlite',
    owner,
    leaseMs,
    async save(offer) {
      const saved: RemediationOffer = { ...offer, id: randomUUID(), createdAt: now().toISOString() };
      db.prepare(
        'INSERT INTO offers (id, run_id, finding_id, request_json, channel, thread_ts, offered_to, created_at, target_json, warnings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        saved.id,
        saved.runId,
        saved.findingId,
        JSON.stringify(saved.request),
        saved.channel,
        saved.threadTs,
        saved.offeredTo,
        saved.createdAt,
        saved.target ? JSON.stringify(saved.target) : null,
        JSON.stringify(saved.warnings ?? []),
      );
      return saved;
    },

    async get(id) {
      const row = db.prepare('SELECT * FROM offers WHERE id = ?').get(id) as Row | undefined;
      return row ? toOffer(row) : undefined;
    },

    async createRequest(init) {
      const id = init.id ?? randomUUID();
      db.prepare(
        `INSERT INTO requests (id, chain_id, step, origin_json, action_kind, action_json, offer_id, finding_id, run_id, channel, thread_ts,
           requested_by, requested_at, expires_at, state, warnings_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      ).run(
        id,
        init.chainId ?? id,
        init.step,
        JSON.stringify(init.origin),
        init.action.kind,
        JSON.stringify(init.action),
        init.offerId,
        init.findingId,
        init.runId,
        init.channel,
        init.threadTs,
        init.requestedBy,
        init.requestedAt,
        init.expiresAt,
        JSON.stringify(init.warnings),
      );
      return readRequest(id)!;
    },

    async getRequest(id) {
      return readRequest(id);
    },

    async setMessageTs(id, messageTs) {
      db.prepare('UPDATE requests SET message_ts = ? WHERE id = ?').run(messageTs, id);
    },

    async claim(id, approver, at) {
      const stamp = at.toISOString();
      // One statement: SQLite serialises writers, so exactly one UPDATE sees state = 'pending'.
      const row = db
        .prepare(
          `UPDATE requests SET state = 'executing', decided_by = ?, decided_at = ?, claimed_by = ?, lease_until = ?
           WHERE id = ? AND state = 'pending' AND expires_at > ? RETURNING *`,
        )
        .get(approver, stamp, owner, leaseUntil(at), id, stamp) as Row | undefined;
      return row ? toRequest(row) : undefined;
    },

    async renewLease(id, at) {
      const result = db
        .prepare(`UPDATE requests SET lease_until = ? WHERE id = ? AND state = 'executing' AND claimed_by = ?`)
        .run(leaseUntil(at), id, owner);
      return Number(result.changes) === 1;
    },

    async interruptAbandoned(at) {
      const rows = db
        .prepare(`UPDATE requests SET state = 'interrupted' WHERE state = 'executing' AND lease_until <= ? RETURNING *`)
        .all(at.toISOString()) as Row[];
      return rows.map(toRequest);
    },

    async close(id, state, by, at, outcome) {
      const result = db
        .prepare(`UPDATE requests SET state = ?, decided_by = ?, decided_at = ?, outcome_json = ? WHERE id = ? AND state = 'pending'`)
        .run(state, by, at.toISOString(), outcome ? JSON.stringify(outcome) : null, id);
      return Number(result.changes) === 1 ? readRequest(id) : undefined;
    },

    async finish(id, state, outcome) {
      // The claimant records what really happened, even after another replica took its lapsed lease
      // for a crash and marked the request interrupted (it is never re-run, so this is the only outcome).
      const result = db
        .prepare(`UPDATE requests SET state = ?, outcome_json = ? WHERE id = ? AND (state = 'executing' OR (state = 'interrupted' AND claimed_by = ?))`)
        .run(state, JSON.stringify(outcome), id, owner);
      return Number(result.changes) === 1 ? readRequest(id) : undefined;
    },

    async listExpired(at) {
      const rows = db
        .prepare(`SELECT * FROM requests WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at`)
        .all(at.toISOString()) as Row[];
      return rows.map(toRequest);
    },

    async listChain(chainId) {
      return (db.prepare('SELECT * FROM requests WHERE chain_id = ? ORDER BY step, requested_at').all(chainId) as Row[]).map(toRequest);
    },

    async listByOffer(offerId) {
      return (db.prepare('SELECT * FROM requests WHERE offer_id = ? ORDER BY requested_at, step').all(offerId) as Row[]).map(toRequest);
    },

    async appendAudit(entry) {
      const result = db
        .prepare('INSERT INTO audit (request_id, event, actor, at, what, result) VALUES (?, ?, ?, ?, ?, ?)')
        .run(entry.requestId, entry.event, entry.actor, entry.at, entry.what, entry.result);
      return { ...entry, seq: Number(result.lastInsertRowid) };
    },

    async listAudit(filter = {}) {
      if (filter.requestId !== undefined) {
        return (db.prepare('SELECT * FROM audit WHERE request_id = ? ORDER BY seq').all(filter.requestId) as Row[]).map(toAudit);
      }
      if (filter.chainId !== undefined) {
        return (
          db
            .prepare('SELECT audit.* FROM audit JOIN requests ON requests.id = audit.request_id WHERE requests.chain_id = ? ORDER BY audit.seq')
            .all(filter.chainId) as Row[]
        ).map(toAudit);
      }
      return (db.prepare('SELECT * FROM audit ORDER BY seq').all() as Row[]).map(toAudit);
    },

    async firstSeen(key, at, ttlMs) {
      const result = db
        .prepare('INSERT INTO dedupe (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING')
        .run(key, new Date(at.getTime() + ttlMs).toISOString());
      return Number(result.changes) === 1;
    },

    async takeSlot(key, slots, at, ttlMs) {
      const keys = Array.from({ length: slots }, (_, i) => `${key}#${i}`);
      const expiresAt = new Date(at.getTime() + ttlMs).toISOString();
      const free = db.prepare('DELETE FROM dedupe WHERE key = ? AND expires_at <= ?');
      const take = db.prepare('INSERT INTO dedupe (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
      for (const slot of keys) {
        free.run(slot, at.toISOString());
        if (Number(take.run(slot, expiresAt).changes) === 1) return { ok: true };
      }
      const row = db.prepare(`SELECT MIN(expires_at) AS free_at FROM dedupe WHERE key IN (${keys.map(() => '?').join(', ')})`).get(...keys) as { free_at: string | null } | undefined;
      return { ok: false, freeAt: new Date(row?.free_at ?? expiresAt) };
    },

    async sweepSeen(at) {
      // SQLite serialises writers: no second lock needed for one sweeper at a time.
      return Number(db.prepare('DELETE FROM dedupe WHERE expires_at <= ?').run(at.toISOString()).changes);
    },

    async ping() {
      if (!db.isOpen) throw new StoreUnavailableError(`The store MAILDIAG_DB (${options.path}) is closed.`);
      db.prepare('SELECT 1').get();
    },

    async shutdown() {
      if (db.isOpen) db.close();
    },
  };
  return store;
}
