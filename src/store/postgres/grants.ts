/**
 * Least privilege for the app's database role (docs/deployment.md): the owner role applies
 * migrations (`npm run db:migrate`), the app's role only reads and writes rows, and never
 * updates or deletes audit rows (the grants leave that out, and the append-only trigger, which
 * only the owner could drop, refuses it anyway). Nothing here lets the app create, alter or
 * drop anything. Run after each migration that adds a table (the statement is idempotent).
 *
 * The watch's tables (src/watch/store-postgres.ts, applied by the same command) are working
 * state, not a record: its rows are upserted and pruned, so the app gets SELECT, INSERT,
 * UPDATE and DELETE on them (the audit snapshots: no UPDATE), USAGE on the snapshots'
 * sequence, and only SELECT on `watch_migrations`.
 */
import pg from 'pg';

export function appRoleGrants(role: string, database: string): string {
  const r = pg.escapeIdentifier(role);
  return `
    GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${r};
    GRANT USAGE ON SCHEMA public TO ${r};
    GRANT SELECT ON schema_migrations TO ${r};
    GRANT SELECT, INSERT ON offers TO ${r};
    GRANT SELECT, INSERT, UPDATE ON requests TO ${r};
    GRANT SELECT, INSERT ON audit TO ${r};
    GRANT SELECT, INSERT, DELETE ON dedupe TO ${r};
    GRANT SELECT ON watch_migrations TO ${r};
    GRANT SELECT, INSERT, UPDATE, DELETE ON watch_seen TO ${r};
    GRANT SELECT, INSERT, UPDATE, DELETE ON watch_counts TO ${r};
    GRANT SELECT, INSERT, UPDATE, DELETE ON watch_leases TO ${r};
    GRANT SELECT, INSERT, DELETE ON watch_audits TO ${r};
    GRANT USAGE ON SEQUENCE watch_audits_seq_seq TO ${r};
    GRANT SELECT, INSERT, UPDATE, DELETE ON watch_categories TO ${r};
  `;
}
