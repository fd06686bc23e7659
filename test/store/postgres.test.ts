/**
 * The store contract on PostgreSQL: a throwaway cluster (test/support/postgres.ts), a fresh
 * database per test. Skipped with a message where no server can be started.
 */
import { afterAll, describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../../src/store/postgres/url.js';
import { postgresForSuite } from '../support/postgres.js';
import { storeContract } from './contract.js';

const server = await postgresForSuite('store contract on PostgreSQL');
afterAll(async () => {
  await server?.destroy();
});

if (server) {
  storeContract('PostgreSQL', () => ({
    async fresh() {
      const database = await server.createDatabase('contract');
      const url = server.url(database);
      return {
        open: async (options = {}) => openPostgresStore({ settings: parseDatabaseUrl(url), ...options }),
        raw: async (sql) => {
          await server.admin(database, sql);
        },
        bumpSchemaVersion: async (version) => {
          await server.admin(database, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", [version]);
        },
        workerSpec: () => JSON.stringify({ kind: 'postgres', url }),
      };
    },
    async cleanup() {},
  }));
} else {
  describe.skip('store contract: PostgreSQL (no server could be started)', () => {
    it('runs the contract against a real PostgreSQL', () => {});
  });
}
