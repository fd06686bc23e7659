/**
 * The remediation store: offers, approval requests with their state, and the append-only
 * audit trail. Kept behind one small interface so a shared store for several app replicas
 * (PostgreSQL with the same compare-and-set `UPDATE ... WHERE state = 'pending'`) can be
 * added without touching the flow. The default is `node:sqlite` in a file: no server, WAL
 * and a busy timeout so two processes on one host can share it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { RemediationRequest } from '../core/finding.js';
import type { Target } from '../core/target.js';
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

export interface RemediationStore extends OfferStore {
  createRequest(init: NewApprovalRequest): Promise<ApprovalRequest>;
  getRequest(id: string): Promise<ApprovalRequest | undefined>;
  setMessageTs(id: string, messageTs: string): Promise<void>;
  /**
   * Compare-and-set pending → executing. Exactly one caller wins, across connections and
   * processes; a request past its expiry cannot be claimed. Undefined for the losers.
   */
  claim(id: string, approver: string, now: Date): Promise<ApprovalRequest | undefined>;
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
  shutdown(): Promise<void>;
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
];

function migrate(db: DatabaseSync, now: () => Date): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  // IMMEDIATE takes the write lock first, so two processes starting together migrate once.
  db.exec('BEGIN IMMEDIATE');
  try {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version),
    );
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
}

export function openSqliteStore(options: SqliteStoreOptions): RemediationStore {
  const now = options.now ?? (() => new Date());
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
  if (options.path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db, now);

  const getRequestRow = db.prepare('SELECT * FROM requests WHERE id = ?');
  const readRequest = (id: string): ApprovalRequest | undefined => {
    const row = getRequestRow.get(id) as Row | undefined;
    return row ? toRequest(row) : undefined;
  };

  const store: RemediationStore = {
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
      const result = db
        .prepare(
          `UPDATE requests SET state = 'executing', decided_by = ?, decided_at = ?
           WHERE id = ? AND state = 'pending' AND expires_at > ?`,
        )
        .run(approver, stamp, id, stamp);
      return Number(result.changes) === 1 ? readRequest(id) : undefined;
    },

    async close(id, state, by, at, outcome) {
      const result = db
        .prepare(`UPDATE requests SET state = ?, decided_by = ?, decided_at = ?, outcome_json = ? WHERE id = ? AND state = 'pending'`)
        .run(state, by, at.toISOString(), outcome ? JSON.stringify(outcome) : null, id);
      return Number(result.changes) === 1 ? readRequest(id) : undefined;
    },

    async finish(id, state, outcome) {
      const result = db
        .prepare(`UPDATE requests SET state = ?, outcome_json = ? WHERE id = ? AND state = 'executing'`)
        .run(state, JSON.stringify(outcome), id);
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

    async shutdown() {
      if (db.isOpen) db.close();
    },
  };
  return store;
}
