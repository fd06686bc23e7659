/**
 * The one migration runner of both PostgreSQL schemas (the remediation store's and the
 * watch's): in one transaction behind an advisory lock, look the version table up (not
 * `CREATE TABLE IF NOT EXISTS`, which needs CREATE on the schema even when the table exists,
 * so a current schema means reads only for a least-privileged role), refuse a database newer
 * than the code, apply what is pending. A role that may not apply a pending version gets a
 * StoreSchemaError naming `npm run db:migrate`.
 */
import pg from 'pg';
import { refuseNewerSchema, StoreSchemaError } from '../errors.js';

export interface VersionedMigration {
  version: number;
  sql: string;
}

export interface MigrationSchema<M extends VersionedMigration> {
  /** The version table, e.g. `schema_migrations`. */
  table: string;
  /** Creates the version table when it does not exist yet. */
  createTable: string;
  /** Records one applied version (`$1` version, then what `recordValues` adds). */
  record: string;
  recordValues: (migration: M) => unknown[];
  /** Advisory lock key: two replicas starting together, the second waits, then finds nothing to do. */
  lockKey: string;
  /** How messages name the schema: `schema`, `watch schema`. */
  label: string;
}

/** Applies pending migrations on `client`; returns the versions applied (empty when current). */
export async function applyMigrations<M extends VersionedMigration>(client: pg.PoolClient, schema: MigrationSchema<M>, migrations: readonly M[], where: string): Promise<number[]> {
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [schema.lockKey]);
    const exists = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [schema.table]);
    if (!exists.rows[0]?.found) await client.query(schema.createTable);
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${schema.table}`)).rows.map((row) => row.version));
    refuseNewerSchema(Math.max(0, ...done), Math.max(...migrations.map((m) => m.version)), `MAILDIAG_DATABASE_URL (${where})`, schema.label);
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(schema.record, [migration.version, ...schema.recordValues(migration)]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof pg.DatabaseError && error.code === '42501') {
      throw new StoreSchemaError(
        `The database at MAILDIAG_DATABASE_URL (${where}) needs a ${schema.label} migration that this role may not apply (${error.message}). Apply it once with the owner role: MAILDIAG_DATABASE_URL=<owner's URL> npm run db:migrate. Nothing was changed.`,
        { cause: error },
      );
    }
    throw error;
  }
  return applied;
}
