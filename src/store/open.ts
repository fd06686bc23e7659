/**
 * Picks the store from configuration: PostgreSQL when MAILDIAG_DATABASE_URL is set (several
 * replicas), otherwise the embedded SQLite file MAILDIAG_DB (one process, zero setup).
 * PostgreSQL support is loaded only when it is used.
 */
import type { Logger } from 'pino';
import { openSqliteStore, type RemediationStore } from '../remediation/store.js';
import type { PgConnectionSettings } from './postgres/url.js';

export interface StoreConfig {
  /** The SQLite file (MAILDIAG_DB). */
  path: string;
  /** Set when MAILDIAG_DATABASE_URL is: the shared PostgreSQL store. */
  postgres: PgConnectionSettings | undefined;
  /** MAILDIAG_EXECUTION_LEASE_SECONDS, in ms. */
  leaseMs: number;
  /** MAILDIAG_DATABASE_POOL_SIZE. */
  poolSize: number;
}

export async function openStore(config: StoreConfig, options: { now: () => Date; log: Logger }): Promise<RemediationStore> {
  if (!config.postgres) return openSqliteStore({ path: config.path, now: options.now, leaseMs: config.leaseMs });
  const { openPostgresStore } = await import('./postgres/index.js');
  return openPostgresStore({ settings: config.postgres, now: options.now, leaseMs: config.leaseMs, poolSize: config.poolSize, log: options.log });
}
