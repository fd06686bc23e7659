/**
 * The store contract on PostgreSQL (driver: `pg`), for two or more app replicas sharing one
 * database (RDS/Aurora PostgreSQL in production). Every decision that must have one winner is
 * one statement: the claim is a single conditional `UPDATE … RETURNING`, a de-duplication key
 * is an `INSERT … ON CONFLICT DO NOTHING`. Migrations run at start inside one transaction
 * behind an advisory lock; the key sweep takes a second advisory lock so one replica sweeps.
 *
 * Faults: a lost or refused connection surfaces as StoreUnavailableError (naming
 * MAILDIAG_DATABASE_URL and the host, never the password); the pool reconnects by itself
 * once the database is back, so the app recovers without a restart.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { RemediationRequest } from '../../core/finding.js';
import type { Target } from '../../core/target.js';
import type { ActionOutcome, ApprovalRequest, AuditEntry, RemediationAction, RequestState } from '../../remediation/model.js';
import type { RemediationOffer } from '../../remediation/offers.js';
import { DEFAULT_LEASE_MS, newStoreOwner, type RemediationStore } from '../../remediation/store.js';
import { StoreSchemaError, StoreUnavailableError } from '../errors.js';
import { applyMigrations, type MigrationSchema } from './migrate-runner.js';
import { PG_MIGRATIONS, type PgMigration } from './migrations/index.js';
import type { PgConnectionSettings } from './url.js';

/** Advisory lock keys ('maildiag' as a 64-bit number, +1): migrations, the de-duplication sweep. */
export const MIGRATION_LOCK_KEY = '7881706621072697703';
export const DEDUPE_SWEEP_LOCK_KEY = '7881706621072697704';

export interface PostgresStoreOptions {
  settings: PgConnectionSettings;
  now?: () => Date;
  leaseMs?: number;
  owner?: string;
  /** Connections per replica (default 10). */
  poolSize?: number;
  /** How long to wait for a connection (default 5 s) and for one statement (default 10 s). */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Migrations to apply (tests pass a longer list to prove the newer-database refusal). */
  migrations?: readonly PgMigration[];
  log?: Logger;
}

// ---------- errors ----------

/** SQLSTATE classes that mean "the database is not there" rather than "the statement is wrong". */
function isConnectionSqlState(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300');
}

/** Node's certificate verification codes. */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|CERT_)/;

/**
 * Errors from pg that are not a DatabaseError (refused, reset, timed out, terminated) or
 * that carry a connection SQLSTATE become StoreUnavailableError; other DatabaseErrors (a
 * constraint, a privilege) are rethrown unchanged.
 */
export function classifyPgError(error: unknown, where: string): unknown {
  if (error instanceof StoreUnavailableError || error instanceof StoreSchemaError) return error;
  if (error instanceof pg.DatabaseError && !isConnectionSqlState(error.code)) return error;
  const code = error instanceof pg.DatabaseError ? error.code : (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && TLS_CODES.test(code)) {
    return new StoreUnavailableError(`The database at MAILDIAG_DATABASE_URL (${where}) failed the TLS check: ${code} (check sslmode and MAILDIAG_DATABASE_CA).`, { cause: error });
  }
  const reason = code ?? (error instanceof Error ? error.message : 'no answer');
  return new StoreUnavailableError(`The database at MAILDIAG_DATABASE_URL (${where}) is unreachable: ${reason}.`, { cause: error });
}

// ---------- rows ----------

interface RequestRow {
  id: string;
  chain_id: string;
  step: number;
  origin: RemediationRequest;
  action: RemediationAction;
  offer_id: string;
  finding_id: string;
  run_id: string;
  channel: string;
  thread_ts: string;
  message_ts: string | null;
  requested_by: string;
  requested_at: Date;
  expires_at: Date;
  state: RequestState;
  decided_by: string | null;
  decided_at: Date | null;
  outcome: ActionOutcome | null;
  warnings: string[];
}

interface OfferRow {
  id: string;
  run_id: string;
  finding_id: string;
  request: RemediationRequest;
  channel: string;
  thread_ts: string;
  offered_to: string;
  created_at: Date;
  target: Target | null;
  warnings: string[];
}

interface AuditRow {
  seq: string;
  request_id: string;
  event: AuditEntry['event'];
  actor: string;
  at: Date;
  what: string;
  result: string;
}

const iso = (value: Date): string => value.toISOString();

function toRequest(row: RequestRow): ApprovalRequest {
  return {
    id: row.id,
    chainId: row.chain_id,
    step: row.step,
    origin: row.origin,
    action: row.action,
    offerId: row.offer_id,
    findingId: row.finding_id,
    runId: row.run_id,
    channel: row.channel,
    threadTs: row.thread_ts,
    messageTs: row.message_ts ?? undefined,
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at),
    expiresAt: iso(row.expires_at),
    state: row.state,
    decidedBy: row.decided_by ?? undefined,
    decidedAt: row.decided_at ? iso(row.decided_at) : undefined,
    outcome: row.outcome ?? undefined,
    warnings: row.warnings,
  };
}

function toOffer(row: OfferRow): RemediationOffer {
  return {
    id: row.id,
    runId: row.run_id,
    findingId: row.finding_id,
    request: row.request,
    channel: row.channel,
    threadTs: row.thread_ts,
    offeredTo: row.offered_to,
    createdAt: iso(row.created_at),
    ...(row.target ? { target: row.target } : {}),
    warnings: row.warnings,
  };
}

function toAudit(row: AuditRow): AuditEntry {
  return { seq: Number(row.seq), requestId: row.request_id, event: row.event, actor: row.actor, at: iso(row.at), what: row.what, result: row.result };
}

const json = (value: unknown): string => JSON.stringify(value);

// ---------- migrations ----------

const REMEDIATION_SCHEMA: MigrationSchema<PgMigration> = {
  table: 'schema_migrations',
  createTable: 'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  record: 'INSERT INTO schema_migrations (version, name) VALUES ($1, $2)',
  recordValues: (migration) => [migration.name],
  lockKey: MIGRATION_LOCK_KEY,
  label: 'schema',
};

async function migrate(client: pg.PoolClient, migrations: readonly PgMigration[], where: string, log: Logger | undefined): Promise<number[]> {
  const applied = await applyMigrations(client, REMEDIATION_SCHEMA, migrations, where);
  if (applied.length > 0) log?.info({ applied, database: where }, 'database migrations applied');
  return applied;
}

// ---------- the store ----------

export interface PostgresStore extends RemediationStore {
  /** The pool, for tests and the migration command. */
  readonly pool: pg.Pool;
  /** The versions this start applied (empty when the schema was current). */
  readonly appliedMigrations: number[];
}

/**
 * Connects, applies pending migrations, and returns the store. Throws StoreUnavailableError
 * when the database cannot be reached, StoreSchemaError when it is newer than the code.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const { settings } = options;
  const where = settings.description;
  const now = options.now ?? (() => new Date());
  const owner = options.owner ?? newStoreOwner();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pool = new pg.Pool({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    database: settings.database,
    ssl: settings.ssl,
    application_name: settings.applicationName,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    query_timeout: options.queryTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle connection that dies (database restarted) must not crash the process.
  pool.on('error', (error) => options.log?.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code }, database: where }, 'database connection lost'));

  const fail = (error: unknown): never => {
    throw classifyPgError(error, where);
  };
  async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await pool.query<R>(text, values);
    } catch (error) {
      return fail(error);
    }
  }
  async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      return fail(error);
    }
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = !(error instanceof pg.DatabaseError) || isConnectionSqlState(error.code);
      return fail(error);
    } finally {
      client.release(broken);
    }
  }

  let appliedMigrations: number[];
  try {
    appliedMigrations = await withClient((client) => migrate(client, options.migrations ?? PG_MIGRATIONS, where, options.log));
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  const requestById = async (id: string): Promise<ApprovalRequest | undefined> => {
    const row = (await query<RequestRow>('SELECT * FROM requests WHERE id = $1', [id])).rows[0];
    return row ? toRequest(row) : undefined;
  };
  const leaseUntil = (at: Date): Date => new Date(at.getTime() + leaseMs);

  let closed = false;
  const store: PostgresStore = {
    kind: 'postgres',
    owner,
    leaseMs,
    pool,
    appliedMigrations,

    async save(offer) {
      const saved: RemediationOffer = { ...offer, id: randomUUID(), createdAt: now().toISOString() };
      await query(
        `INSERT INTO offers (id, run_id, finding_id, request, channel, thread_ts, offered_to, created_at, target, warnings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [saved.id, saved.runId, saved.findingId, json(saved.request), saved.channel, saved.threadTs, saved.offeredTo, saved.createdAt, saved.target ? json(saved.target) : null, json(saved.warnings ?? [])],
      );
      return saved;
    },

    async get(id) {
      const row = (await query<OfferRow>('SELECT * FROM offers WHERE id = $1', [id])).rows[0];
      return row ? toOffer(row) : undefined;
    },

    async createRequest(init) {
      const id = init.id ?? randomUUID();
      const row = (
        await query<RequestRow>(
          `INSERT INTO requests (id, chain_id, step, origin, action_kind, action, offer_id, finding_id, run_id, channel, thread_ts,
             requested_by, requested_at, expires_at, state, warnings)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'pending', $15) RETURNING *`,
          [
            id,
            init.chainId ?? id,
            init.step,
            json(init.origin),
            init.action.kind,
            json(init.action),
            init.offerId,
            init.findingId,
            init.runId,
            init.channel,
            init.threadTs,
            init.requestedBy,
            init.requestedAt,
            init.expiresAt,
            json(init.warnings),
          ],
        )
      ).rows[0];
      if (!row) throw new Error('INSERT … RETURNING returned no row');
      return toRequest(row);
    },

    getRequest: requestById,

    async setMessageTs(id, messageTs) {
      await query('UPDATE requests SET message_ts = $1 WHERE id = $2', [messageTs, id]);
    },

    async claim(id, approver, at) {
      // One statement, row-locked by PostgreSQL: of concurrent claims from any number of
      // replicas, exactly one sees state = 'pending' and gets a row back.
      const row = (
        await query<RequestRow>(
          `UPDATE requests SET state = 'executing', decided_by = $1, decided_at = $2, claimed_by = $3, lease_until = $4
           WHERE id = $5 AND state = 'pending' AND expires_at > $2 RETURNING *`,
          [approver, at, owner, leaseUntil(at), id],
        )
      ).rows[0];
      return row ? toRequest(row) : undefined;
    },

    async renewLease(id, at) {
      const result = await query(`UPDATE requests SET lease_until = $1 WHERE id = $2 AND state = 'executing' AND claimed_by = $3`, [leaseUntil(at), id, owner]);
      return result.rowCount === 1;
    },

    async interruptAbandoned(at) {
      const rows = (await query<RequestRow>(`UPDATE requests SET state = 'interrupted' WHERE state = 'executing' AND lease_until <= $1 RETURNING *`, [at])).rows;
      return rows.map(toRequest);
    },

    async close(id, state, by, at, outcome) {
      const row = (
        await query<RequestRow>(
          `UPDATE requests SET state = $1, decided_by = $2, decided_at = $3, outcome = $4 WHERE id = $5 AND state = 'pending' RETURNING *`,
          [state, by, at, outcome ? json(outcome) : null, id],
        )
      ).rows[0];
      return row ? toRequest(row) : undefined;
    },

    async finish(id, state, outcome) {
      // The claimant records what really happened, even after another replica took its lapsed lease
      // for a crash and marked the request interrupted (it is never re-run, so this is the only outcome).
      const row = (
        await query<RequestRow>(
          `UPDATE requests SET state = $1, outcome = $2 WHERE id = $3 AND (state = 'executing' OR (state = 'interrupted' AND claimed_by = $4)) RETURNING *`,
          [state, json(outcome), id, owner],
        )
      ).rows[0];
      return row ? toRequest(row) : undefined;
    },

    async listExpired(at) {
      return (await query<RequestRow>(`SELECT * FROM requests WHERE state = 'pending' AND expires_at <= $1 ORDER BY expires_at`, [at])).rows.map(toRequest);
    },

    async listChain(chainId) {
      return (await query<RequestRow>('SELECT * FROM requests WHERE chain_id = $1 ORDER BY step, requested_at', [chainId])).rows.map(toRequest);
    },

    async listByOffer(offerId) {
      return (await query<RequestRow>('SELECT * FROM requests WHERE offer_id = $1 ORDER BY requested_at, step', [offerId])).rows.map(toRequest);
    },

    async appendAudit(entry) {
      const row = (
        await query<{ seq: string }>('INSERT INTO audit (request_id, event, actor, at, what, result) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq', [
          entry.requestId,
          entry.event,
          entry.actor,
          entry.at,
          entry.what,
          entry.result,
        ])
      ).rows[0];
      return { ...entry, seq: Number(row?.seq) };
    },

    async listAudit(filter = {}) {
      if (filter.requestId !== undefined) return (await query<AuditRow>('SELECT * FROM audit WHERE request_id = $1 ORDER BY seq', [filter.requestId])).rows.map(toAudit);
      if (filter.chainId !== undefined) {
        return (await query<AuditRow>('SELECT audit.* FROM audit JOIN requests ON requests.id = audit.request_id WHERE requests.chain_id = $1 ORDER BY audit.seq', [filter.chainId])).rows.map(
          toAudit,
        );
      }
      return (await query<AuditRow>('SELECT * FROM audit ORDER BY seq')).rows.map(toAudit);
    },

    async firstSeen(key, at, ttlMs) {
      const result = await query('INSERT INTO dedupe (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, new Date(at.getTime() + ttlMs)]);
      return result.rowCount === 1;
    },

    async takeSlot(key, slots, at, ttlMs) {
      const keys = Array.from({ length: slots }, (_, i) => `${key}#${i}`);
      const expiresAt = new Date(at.getTime() + ttlMs);
      for (const slot of keys) {
        // Two statements, the grants the app role already has (no UPDATE on dedupe): of
        // replicas racing for a freed slot, the primary key lets one insert win.
        await query('DELETE FROM dedupe WHERE key = $1 AND expires_at <= $2', [slot, at]);
        if ((await query('INSERT INTO dedupe (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [slot, expiresAt])).rowCount === 1) return { ok: true };
      }
      const row = (await query<{ free_at: Date | null }>('SELECT MIN(expires_at) AS free_at FROM dedupe WHERE key = ANY($1)', [keys])).rows[0];
      return { ok: false, freeAt: row?.free_at ? new Date(row.free_at) : expiresAt };
    },

    async sweepSeen(at) {
      return withClient(async (client) => {
        await client.query('BEGIN');
        try {
          // Another replica sweeping right now: skip this round instead of queueing behind it.
          const locked = (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [DEDUPE_SWEEP_LOCK_KEY])).rows[0]?.locked === true;
          const deleted = locked ? ((await client.query('DELETE FROM dedupe WHERE expires_at <= $1', [at])).rowCount ?? 0) : 0;
          await client.query('COMMIT');
          return deleted;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },

    async ping() {
      if (closed) throw new StoreUnavailableError(`The store at MAILDIAG_DATABASE_URL (${where}) is shut down.`);
      await query('SELECT 1');
    },

    async shutdown() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return store;
}
