/** The store contract on the embedded SQLite store (a file per test). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../../src/remediation/store.js';
import { storeContract } from './contract.js';

storeContract('SQLite (node:sqlite file)', () => {
  let dir: string | undefined;
  return {
    async fresh() {
      dir = mkdtempSync(join(tmpdir(), 'maildiag-contract-'));
      const path = join(dir, 'data', 'maildiag.db');
      const onDb = (work: (db: DatabaseSync) => void): void => {
        const db = new DatabaseSync(path);
        try {
          work(db);
        } finally {
          db.close();
        }
      };
      return {
        open: async (options = {}) => openSqliteStore({ path, ...options }),
        raw: async (sql) => onDb((db) => db.exec(sql)),
        bumpSchemaVersion: async (version) => onDb((db) => db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01')").run(version)),
        workerSpec: () => JSON.stringify({ kind: 'sqlite', path }),
      };
    },
    async cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
});
