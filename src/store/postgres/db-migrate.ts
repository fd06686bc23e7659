/**
 * What `npm run db:migrate` does (src/store/migrate.ts is its command line), as a function the
 * tests call too: with the owner role, applies the remediation store's pending migrations and
 * the watch's (src/watch/store-postgres.ts), each in its own transaction behind its advisory
 * lock, then, with a role to grant, gives that role exactly what the app needs on both
 * (src/store/postgres/grants.ts).
 */
import { migrateWatchSchema } from '../../watch/store-postgres.js';
import { appRoleGrants } from './grants.js';
import { openPostgresStore } from './index.js';
import type { PgConnectionSettings } from './url.js';

export interface DbMigrateResult {
  /** The remediation store's versions applied now (empty: it was current). */
  applied: number[];
  /** The watch's versions applied now. */
  watchApplied: number[];
  /** Lines for the operator (never the password). */
  lines: string[];
}

export async function runDbMigrate(settings: PgConnectionSettings, options: { grant?: string } = {}): Promise<DbMigrateResult> {
  const store = await openPostgresStore({ settings, poolSize: 1 });
  try {
    const applied = store.appliedMigrations;
    const watchApplied = await migrateWatchSchema(store.pool, { where: settings.description });
    const lines = [
      applied.length > 0 ? `Applied migrations ${applied.join(', ')} to ${settings.description}.` : `${settings.description} is up to date.`,
      watchApplied.length > 0 ? `Applied watch migrations ${watchApplied.join(', ')}.` : 'The watch tables are up to date.',
    ];
    if (options.grant) {
      await store.pool.query(appRoleGrants(options.grant, settings.database));
      lines.push(`Granted ${options.grant} what the app needs (rows only; audit: SELECT and INSERT; watch_migrations: SELECT).`);
    }
    return { applied, watchApplied, lines };
  } finally {
    await store.shutdown();
  }
}
