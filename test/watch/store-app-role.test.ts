/**
 * The watch store on PostgreSQL under the documented least-privileged app role: the owner
 * runs `db:migrate` (runDbMigrate, what `npm run db:migrate -- --grant <role>` does), then the
 * app role opens the store without any DDL and uses every part of its contract; with the watch
 * schema missing, behind or newer, the app role gets StoreSchemaError saying what to do and
 * nothing is changed. Last, the built app itself (watch on, MAILDIAG_DATABASE_URL as the app
 * role): refused with that message before `db:migrate`, started after it.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { StoreSchemaError } from '../../src/store/errors.js';
import { runDbMigrate } from '../../src/store/postgres/db-migrate.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../../src/store/postgres/url.js';
import { openWatchStore } from '../../src/watch/compose.js';
import { migrateWatchSchema, openPostgresWatchStore, WATCH_PG_MIGRATIONS } from '../../src/watch/store-postgres.js';
import { freePort, postgresForSuite } from '../support/postgres.js';

const server = await postgresForSuite('watch store as the least-privileged app role');
afterAll(async () => {
  await server?.destroy();
});

const APP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');
const T = new Date('2026-03-02T12:00:00Z');
const later = (ms: number): Date => new Date(T.getTime() + ms);
const log = createLogger({ level: 'silent' });
const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' };
const watchEnv = { MAILDIAG_EVENTS_CHANNEL: 'C0EVENTS', MAILDIAG_EVENTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/ses-events' };

let roles = 0;
/** A fresh database and a fresh login role with no rights beyond PUBLIC's, and no CREATE on schema public (as on PostgreSQL 15+). */
async function fixture(prefix: string) {
  if (!server) throw new Error('no server');
  const database = await server.createDatabase(prefix);
  roles += 1;
  const role = `watch_app_${process.pid}_${roles}`;
  const password = `pw-${roles}-SECRETPW`;
  await server.admin('postgres', `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await server.admin(database, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  const ownerSettings = parseDatabaseUrl(server.url(database));
  const appUrl = server.url(database, { name: role, password });
  const tableExists = async (name: string): Promise<boolean> =>
    (await server.admin<{ found: boolean }>(database, 'SELECT to_regclass($1) IS NOT NULL AS found', [name])).rows[0]?.found === true;
  const watchVersions = async (): Promise<number[]> => (await server.admin<{ version: number }>(database, 'SELECT version FROM watch_migrations ORDER BY version')).rows.map((r) => r.version);
  return { database, role, password, ownerSettings, appUrl, tableExists, watchVersions };
}

const openAsApp = (appUrl: string) => openWatchStore(loadAppConfig({ ...slackEnv, ...watchEnv, MAILDIAG_DATABASE_URL: appUrl }), log);
const refusal = (promise: Promise<{ close(): Promise<void> }>): Promise<unknown> =>
  promise.then(
    (store) => store.close().then(() => undefined),
    (error: unknown) => error,
  );

describe.skipIf(!server)('the watch store as the least-privileged app role', { timeout: 60_000 }, () => {
  it('after db:migrate as the owner: opens without DDL and covers its contract (de-dup, counts, leases, audits, categories, prune)', async () => {
    const f = await fixture('watch_app');
    const migrated = await runDbMigrate(f.ownerSettings, { grant: f.role });
    expect(migrated.watchApplied).toEqual(WATCH_PG_MIGRATIONS.map((m) => m.version));
    expect(migrated.lines.join('\n')).toMatch(/Applied watch migrations 1, 2\./);
    const privileges = await server!.admin<{ create: boolean }>(f.database, "SELECT has_schema_privilege($1, 'public', 'CREATE') AS create", [f.role]);
    expect(privileges.rows[0]?.create).toBe(false);

    const a = await openAsApp(f.appUrl);
    const b = await openAsApp(f.appUrl);
    try {
      // De-duplication across two replicas, and counts of new deliveries only.
      expect([...(await a.recordEvents(T, [{ dedupeId: 'sns:1', type: 'Bounce' }, { dedupeId: 'sns:2', type: 'Delivery' }], 60_000))].sort()).toEqual(['sns:1', 'sns:2']);
      expect([...(await b.recordEvents(later(1_000), [{ dedupeId: 'sns:1', type: 'Bounce' }, { dedupeId: 'sns:3', type: 'Bounce' }], 60_000))]).toEqual(['sns:3']);
      expect(await b.eventCountsSince(T)).toEqual({ Bounce: 2, Delivery: 1 });
      // Past its time to live an id is claimed again (the UPDATE branch of the upsert).
      expect([...(await b.recordEvents(later(61_000), [{ dedupeId: 'sns:1', type: 'Bounce' }], 60_000))]).toEqual(['sns:1']);
      expect(await a.eventCountsSince(T)).toEqual({ Bounce: 3, Delivery: 1 });

      // Leases: one holder, renewed, refused to another, released.
      expect(await a.acquireLease('watch-intake', 'A', T, 60_000)).toBe(true);
      expect(await a.acquireLease('watch-intake', 'A', later(1_000), 60_000)).toBe(true);
      expect(await b.acquireLease('watch-intake', 'B', later(2_000), 60_000)).toBe(false);
      await a.releaseLease('watch-intake', 'A');
      expect(await b.acquireLease('watch-intake', 'B', later(3_000), 60_000)).toBe(true);

      // Audit snapshots: the sequence, and the trim to the last ones (DELETE).
      const record = { startedAt: T.toISOString(), finishedAt: T.toISOString(), identities: 0, findings: {}, changes: [], errors: [] };
      for (let i = 1; i <= 22; i += 1) await a.saveAudit({ ...record, identities: i });
      expect((await b.lastAudit())?.identities).toBe(22);
      expect(Number((await server!.admin<{ n: string }>(f.database, 'SELECT count(*) AS n FROM watch_audits')).rows[0]?.n)).toBeLessThanOrEqual(21);

      // Categories: inserted, then raised by the other replica (the UPDATE branch).
      await a.rememberCategories([{ key: 'k1', at: T }]);
      await b.rememberCategories([{ key: 'k1', at: later(5_000) }]);
      expect((await a.knownCategories(T)).map((k) => [k.key, k.lastSeen.getTime()])).toEqual([['k1', later(5_000).getTime()]]);

      // Prune deletes expired ids and old counts.
      await a.prune(later(2 * 86_400_000), 86_400_000);
      expect(await a.eventCountsSince(new Date(0))).toEqual({});
    } finally {
      await a.close();
      await b.close();
    }
    // The app role owns nothing: it created nothing.
    const owned = await server!.admin<{ n: string }>(f.database, 'SELECT count(*) AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1', [f.role]);
    expect(owned.rows[0]?.n).toBe('0');
    // A second db:migrate has nothing to do.
    const again = await runDbMigrate(f.ownerSettings, { grant: f.role });
    expect(again.applied).toEqual([]);
    expect(again.watchApplied).toEqual([]);
    expect(again.lines).toContain('The watch tables are up to date.');
  });

  it('with the watch schema missing, behind or newer: StoreSchemaError naming npm run db:migrate, nothing changed', async () => {
    const f = await fixture('watch_app_missing');
    // The remediation store is migrated (a release before the watch's tables were): the watch's are missing.
    const owner = await openPostgresStore({ settings: f.ownerSettings, poolSize: 1 });
    try {
      const missing = await refusal(openAsApp(f.appUrl));
      expect(missing).toBeInstanceOf(StoreSchemaError);
      expect((missing as Error).message).toMatch(/needs a watch schema migration that this role may not apply.*npm run db:migrate/);
      expect((missing as Error).message).toContain(`postgres://${f.role}@`);
      expect((missing as Error).message).not.toContain(f.password);
      expect(await f.tableExists('watch_migrations')).toBe(false);

      // Behind: version 1 applied and granted, version 2 pending.
      await migrateWatchSchema(owner.pool, { migrations: WATCH_PG_MIGRATIONS.slice(0, 1) });
      await server!.admin(f.database, `GRANT SELECT ON watch_migrations TO ${f.role}`);
      const behind = await refusal(openAsApp(f.appUrl));
      expect(behind).toBeInstanceOf(StoreSchemaError);
      expect((behind as Error).message).toMatch(/npm run db:migrate\. Nothing was changed\./);
      expect(await f.watchVersions()).toEqual([1]);
      expect(await f.tableExists('watch_categories')).toBe(false);

      // db:migrate fixes it.
      await runDbMigrate(f.ownerSettings, { grant: f.role });
      const store = await openAsApp(f.appUrl);
      expect(await store.acquireLease('watch-audit', 'A', T, 60_000)).toBe(true);
      await store.close();

      // Newer than the code (migrated by a later release): refused, as the remediation store does.
      await migrateWatchSchema(owner.pool, { migrations: [...WATCH_PG_MIGRATIONS, { version: 3, sql: 'CREATE TABLE watch_future (x int)' }] });
      const newer = await refusal(openPostgresWatchStore({ config: { connectionString: f.appUrl, max: 1 }, where: 'the test database' }));
      expect(newer).toBeInstanceOf(StoreSchemaError);
      expect((newer as Error).message).toMatch(/has watch schema version 3, but this maildiag knows versions up to 2/);
    } finally {
      await owner.shutdown();
    }
  });

  it('the built app with the watch on, as the app role: exits naming npm run db:migrate before it ran, starts after', async () => {
    const f = await fixture('watch_app_start');
    // The remediation store is current and readable; the watch's tables are missing.
    const owner = await openPostgresStore({ settings: f.ownerSettings, poolSize: 1 });
    await owner.shutdown();
    await server!.admin(f.database, `GRANT SELECT ON schema_migrations TO ${f.role}`);

    const startApp = async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [APP], {
        cwd: dirname(APP),
        env: {
          PATH: process.env.PATH ?? '',
          HOME: '/nonexistent-maildiag-test-home',
          ...slackEnv,
          ...watchEnv,
          SLACK_API_URL: 'http://127.0.0.1:9/api/',
          SLACK_BOT_USER_ID: 'U0BOT',
          SLACK_BOT_ID: 'B0BOT',
          PORT: String(port),
          MAILDIAG_AWS: 'off',
          MAILDIAG_EVENTS_WAIT_SECONDS: '0',
          MAILDIAG_DATABASE_URL: f.appUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const started = new Promise<boolean>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('"msg":"maildiag started"')) resolve(true);
        });
        child.once('exit', () => resolve(false));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, started, exited, output: () => ({ stdout, stderr }) };
    };

    const refused = await startApp();
    expect(await refused.exited).toBe(1);
    expect(await refused.started).toBe(false);
    expect(refused.output().stderr).toMatch(/^maildiag: The database at MAILDIAG_DATABASE_URL \(postgres:\/\/watch_app_\S+\) needs a watch schema migration that this role may not apply.*npm run db:migrate/m);
    expect(JSON.stringify(refused.output())).not.toContain(f.password);

    await runDbMigrate(f.ownerSettings, { grant: f.role });
    const app = await startApp();
    try {
      expect(await app.started).toBe(true);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  });
});
