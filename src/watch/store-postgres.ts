/**
 * The watch store on PostgreSQL (driver `pg`), for replicas on several hosts sharing one
 * database: the same contract as the SQLite store, each decision one statement (a delivery id
 * is claimed by `INSERT … ON CONFLICT … DO UPDATE … WHERE expired RETURNING`, a lease by the
 * same conditional upsert). Its own tables and migration table (`watch_migrations`), so it
 * shares a database with the remediation store without touching that store's schema.
 *
 * Migrations behave exactly like the remediation store's (src/store/postgres/index.ts): at
 * open, in one transaction behind an advisory lock, the version table is read (no DDL when
 * the schema is current, so the least-privileged app role opens it with the grants of
 * src/store/postgres/grants.ts); pending versions are applied when the role may, and a role
 * that may not gets StoreSchemaError saying to run `npm run db:migrate` (which applies these
 * migrations too); a database migrated by a newer release is refused. Nothing is changed then.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { StoreSchemaError } from '../store/errors.js';
import { applyMigrations, type MigrationSchema } from '../store/postgres/migrate-runner.js';
import { classifyPgError } from '../store/postgres/index.js';
import { type AuditRecord, CATEGORY_MEMORY_KEPT_MS, type WatchStore } from './store.js';

/** 'maildiag' as a 64-bit number + 16: the watch's migration lock. */
const WATCH_MIGRATION_LOCK_KEY = '7881706621072697719';

const WATCH_SCHEMA: MigrationSchema<WatchPgMigration> = {
  table: 'watch_migrations',
  createTable: 'CREATE TABLE watch_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)',
  record: 'INSERT INTO watch_migrations (version, applied_at) VALUES ($1, now())',
  recordValues: () => [],
  lockKey: WATCH_MIGRATION_LOCK_KEY,
  label: 'watch schema',
};

export interface WatchPgMigration {
  version: number;
  sql: string;
}

/**
 * The watch schema's versions, oldest first. Append only: a shipped version is never edited.
 * A version that adds a table must add its grant to src/store/postgres/grants.ts.
 */
export const WATCH_PG_MIGRATIONS: readonly WatchPgMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE watch_seen (id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE INDEX watch_seen_expiry ON watch_seen (expires_at);
      CREATE TABLE watch_counts (minute BIGINT NOT NULL, type TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (minute, type));
      CREATE TABLE watch_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL);
      CREATE TABLE watch_audits (seq BIGSERIAL PRIMARY KEY, finished_at TIMESTAMPTZ NOT NULL, record JSONB NOT NULL);
    `,
  },
  { version: 2, sql: 'CREATE TABLE watch_categories (key TEXT PRIMARY KEY, last_seen BIGINT NOT NULL);' },
];

const AUDITS_KEPT = 20;

async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface WatchMigrateOptions {
  /** The database as messages name it (`postgres://user@host:port/db`, never the password). */
  where?: string;
  /** Versions to apply (tests pass a shorter or longer list). */
  migrations?: readonly WatchPgMigration[];
  log?: Logger;
}

/**
 * Applies the watch's pending migrations and returns the versions applied (empty when the
 * schema was current: then nothing but reads ran). Used at open and by `npm run db:migrate`.
 * Throws StoreSchemaError when the role may not apply a pending version or the database is
 * newer than the code, StoreUnavailableError when the database cannot be reached.
 */
export async function migrateWatchSchema(pool: pg.Pool, options: WatchMigrateOptions = {}): Promise<number[]> {
  const where = options.where ?? 'the watch store';
  const migrations = options.migrations ?? WATCH_PG_MIGRATIONS;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw classifyPgError(error, where);
  }
  let applied: number[];
  let broken = false;
  try {
    applied = await applyMigrations(client, WATCH_SCHEMA, migrations, where);
  } catch (error) {
    broken = !(error instanceof pg.DatabaseError || error instanceof StoreSchemaError);
    throw classifyPgError(error, where);
  } finally {
    client.release(broken);
  }
  if (applied.length > 0) options.log?.info({ applied, database: where }, 'watch database migrations applied');
  return applied;
}

/**
 * Opens the store on a pool (the caller's: `ownsPool` hands it over, to be ended on close or
 * when opening fails) and applies pending migrations (see migrateWatchSchema).
 */
export async function openPostgresWatchStore(options: ({ pool: pg.Pool; ownsPool?: boolean } | { config: pg.PoolConfig }) & WatchMigrateOptions): Promise<WatchStore> {
  const pool = 'pool' in options ? options.pool : new pg.Pool(options.config);
  const ownsPool = 'pool' in options ? options.ownsPool === true : true;
  try {
    await migrateWatchSchema(pool, options);
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw error;
  }

  return {
    async recordEvents(now, entries, dedupeTtlMs) {
      const at = now.getTime();
      // One statement may not touch a row twice: repeats within the batch are dropped first.
      const types = new Map<string, string>();
      for (const entry of entries) if (!types.has(entry.dedupeId)) types.set(entry.dedupeId, entry.type);
      if (types.size === 0) return new Set();
      const ids = [...types.keys()];
      return transaction(pool, async (client) => {
        const claimed = await client.query<{ id: string }>(
          `INSERT INTO watch_seen (id, expires_at) SELECT id, $2::bigint FROM unnest($1::text[]) AS id
           ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE watch_seen.expires_at <= $3::bigint
           RETURNING id`,
          [ids, at + dedupeTtlMs, at],
        );
        const fresh = new Set(claimed.rows.map((row) => row.id));
        const counts = new Map<string, number>();
        for (const id of fresh) {
          const type = types.get(id) ?? 'unknown';
          counts.set(type, (counts.get(type) ?? 0) + 1);
        }
        if (counts.size > 0) {
          await client.query(
            `INSERT INTO watch_counts (minute, type, count) SELECT $1::bigint, t, c FROM unnest($2::text[], $3::bigint[]) AS u(t, c)
             ON CONFLICT (minute, type) DO UPDATE SET count = watch_counts.count + EXCLUDED.count`,
            [Math.floor(at / 60_000), [...counts.keys()], [...counts.values()]],
          );
        }
        return fresh;
      });
    },
    async eventCountsSince(since) {
      const rows = await pool.query<{ type: string; total: string }>('SELECT type, SUM(count)::text AS total FROM watch_counts WHERE minute >= $1 GROUP BY type', [
        Math.floor(since.getTime() / 60_000),
      ]);
      return Object.fromEntries(rows.rows.map((row) => [row.type, Number(row.total)]));
    },
    async acquireLease(name, holder, now, ttlMs) {
      const at = now.getTime();
      const result = await pool.query(
        `INSERT INTO watch_leases (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE watch_leases.holder = EXCLUDED.holder OR watch_leases.expires_at <= $4`,
        [name, holder, at + ttlMs, at],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async releaseLease(name, holder) {
      await pool.query('DELETE FROM watch_leases WHERE name = $1 AND holder = $2', [name, holder]);
    },
    async lastAudit() {
      const result = await pool.query<{ record: AuditRecord }>('SELECT record FROM watch_audits ORDER BY seq DESC LIMIT 1');
      return result.rows[0]?.record;
    },
    async saveAudit(record) {
      await transaction(pool, async (client) => {
        await client.query('INSERT INTO watch_audits (finished_at, record) VALUES ($1, $2)', [record.finishedAt, JSON.stringify(record)]);
        await client.query('DELETE FROM watch_audits WHERE seq <= (SELECT MAX(seq) FROM watch_audits) - $1', [AUDITS_KEPT]);
      });
    },
    async rememberCategories(entries) {
      const latest = new Map<string, number>();
      for (const entry of entries) latest.set(entry.key, Math.max(latest.get(entry.key) ?? 0, entry.at.getTime()));
      if (latest.size === 0) return;
      await pool.query(
        `INSERT INTO watch_categories (key, last_seen) SELECT k, t FROM unnest($1::text[], $2::bigint[]) AS u(k, t)
         ON CONFLICT (key) DO UPDATE SET last_seen = GREATEST(watch_categories.last_seen, EXCLUDED.last_seen)`,
        [[...latest.keys()], [...latest.values()]],
      );
    },
    async knownCategories(since) {
      const result = await pool.query<{ key: string; last_seen: string }>('SELECT key, last_seen::text FROM watch_categories WHERE last_seen >= $1', [since.getTime()]);
      return result.rows.map((row) => ({ key: row.key, lastSeen: new Date(Number(row.last_seen)) }));
    },
    async prune(now, keepCountsMs) {
      await pool.query('DELETE FROM watch_seen WHERE expires_at <= $1', [now.getTime()]);
      await pool.query('DELETE FROM watch_counts WHERE minute < $1', [Math.floor((now.getTime() - keepCountsMs) / 60_000)]);
      await pool.query('DELETE FROM watch_categories WHERE last_seen < $1', [now.getTime() - CATEGORY_MEMORY_KEPT_MS]);
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
