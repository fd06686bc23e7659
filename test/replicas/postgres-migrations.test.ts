/**
 * PostgreSQL migrations: replicas starting together migrate once (advisory lock); the
 * owner applies them, the watch's included, with `npm run db:migrate --grant <role>` (the
 * built command; the watch store under the app role: test/watch/store-app-role.test.ts); a
 * least-privileged role facing a pending migration is refused with what to do.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreSchemaError } from '../../src/store/errors.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { parseDatabaseUrl } from '../../src/store/postgres/url.js';
import { postgresForSuite } from '../support/postgres.js';

const run = promisify(execFile);
const MIGRATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'store', 'migrate.js');
const server = await postgresForSuite('PostgreSQL migrations');
afterAll(async () => {
  await server?.destroy();
});

describe.skipIf(!server)('PostgreSQL migrations', { timeout: 60_000 }, () => {
  it('five replicas starting together on an empty database: migrated once, all open', async () => {
    if (!server) throw new Error('no server');
    const database = await server.createDatabase('together');
    const settings = parseDatabaseUrl(server.url(database));
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore({ settings, poolSize: 1 })));
    try {
      expect(stores.map((s) => s.appliedMigrations.length).sort()).toEqual([0, 0, 0, 0, PG_MIGRATIONS.length]);
      const rows = await server.admin<{ version: number }>(database, 'SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(stores.map((s) => s.shutdown()));
    }
  });

  it('db:migrate applies and grants; the least-privileged role then starts, and is refused with what to do when a migration is pending', async () => {
    if (!server) throw new Error('no server');
    const database = await server.createDatabase('migrate');
    const role = 'maildiag_migrate_app';
    await server.admin('postgres', `CREATE ROLE ${role} LOGIN PASSWORD 'app-pw-SECRET'`);
    const appSettings = parseDatabaseUrl(server.url(database, { name: role, password: 'app-pw-SECRET' }));

    // Before any migration, the app role may not create the schema: refused, naming the fix.
    const refused = await openPostgresStore({ settings: appSettings }).then(
      (s) => s.shutdown().then(() => undefined),
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StoreSchemaError);
    expect((refused as Error).message).toMatch(/needs a schema migration that this role may not apply.*npm run db:migrate/);
    expect((refused as Error).message).not.toContain('app-pw-SECRET');

    const env = { PATH: process.env.PATH ?? '', MAILDIAG_DATABASE_URL: server.url(database) };
    const first = await run(process.execPath, [MIGRATE, '--grant', role], { env, cwd: dirname(MIGRATE) });
    expect(first.stdout).toContain(`Applied migrations ${PG_MIGRATIONS.map((m) => m.version).join(', ')}`);
    expect(first.stdout).toContain('Applied watch migrations 1, 2.');
    expect(first.stdout).toContain(`Granted ${role}`);
    expect(first.stdout).not.toContain(server.superPassword);
    const second = await run(process.execPath, [MIGRATE], { env, cwd: dirname(MIGRATE) });
    expect(second.stdout).toContain('is up to date');
    expect(second.stdout).toContain('The watch tables are up to date.');

    const app = await openPostgresStore({ settings: appSettings });
    try {
      expect(app.appliedMigrations).toEqual([]);
      const request = await app.createRequest({
        step: 1,
        origin: { kind: 'remove-suppression', email: 'a@b.example', region: 'us-east-1' },
        action: { kind: 'remove-suppression', email: 'a@b.example', region: 'us-east-1' },
        offerId: 'o',
        findingId: 'f',
        runId: 'r',
        channel: 'C',
        threadTs: '1.1',
        requestedBy: 'U1',
        requestedAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        warnings: [],
      });
      expect(await app.claim(request.id, 'U2', new Date())).toMatchObject({ state: 'executing' });
      expect(await app.firstSeen('event:E1', new Date(), 60_000)).toBe(true);
      expect(await app.sweepSeen(new Date(Date.now() + 120_000))).toBe(1);
    } finally {
      await app.shutdown();
    }

    const missing = await run(process.execPath, [MIGRATE], { env: { PATH: process.env.PATH ?? '' }, cwd: dirname(MIGRATE) }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing?.code).toBe(1);
    expect(missing?.stderr).toMatch(/MAILDIAG_DATABASE_URL is not set/);
  });
});
