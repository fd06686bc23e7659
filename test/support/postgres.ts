/**
 * A throwaway PostgreSQL cluster for tests and the benchmark: `initdb` and `pg_ctl` in a
 * temporary directory, listening on a free loopback port (TCP, scram-sha-256 passwords, as
 * on RDS) with its unix socket inside that directory, removed afterwards. No imitation:
 * the Debian `postgresql` package's own server.
 *
 * Binaries: MAILDIAG_TEST_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else
 * `initdb` on PATH. initdb refuses to run as root, so as root the server runs as the
 * `postgres` system user (created by the Debian package; .ci/run creates it if missing)
 * through `runuser`. Where none of this works the caller gets the reason and skips, unless
 * MAILDIAG_REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  host: string;
  port: number;
  /** The superuser's password (scram-sha-256 over TCP). */
  superPassword: string;
  /** A URL for `database` as `user` (default: the superuser). */
  url(database: string, user?: { name: string; password: string }): string;
  /** Creates a fresh database (owned by the superuser) and returns its name. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs SQL as the superuser in `database`. */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(database: string, sql: string, values?: unknown[]): Promise<pg.QueryResult<T>>;
  /** Stops the server (fast shutdown: open connections are closed), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export type TestPostgresResult = { ok: true; pg: TestPostgres } | { ok: false; reason: string };

function findBinDir(): string | undefined {
  const fromEnv = process.env.MAILDIAG_TEST_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : undefined;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'initdb'), constants.X_OK);
      return dir;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface RunAs {
  command: string;
  prefix: string[];
  uid: number | undefined;
  gid: number | undefined;
}

function runAs(): RunAs | string {
  if (process.getuid?.() !== 0) return { command: '', prefix: [], uid: undefined, gid: undefined };
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { command: 'runuser', prefix: ['-u', 'postgres', '--'], uid, gid };
  } catch {
    return 'running as root and there is no `postgres` user to run the server as (initdb refuses root); `.ci/run` creates it';
  }
}

/** Starts a cluster, or says why it cannot. */
export async function startTestPostgres(): Promise<TestPostgresResult> {
  const bin = findBinDir();
  if (!bin) return { ok: false, reason: 'no PostgreSQL server binaries found (install the Debian `postgresql` package, or set MAILDIAG_TEST_PG_BIN)' };
  const as = runAs();
  if (typeof as === 'string') return { ok: false, reason: as };
  const exec = (tool: string, args: string[], cwd: string) =>
    as.command === '' ? run(join(bin, tool), args, { cwd }) : run(as.command, [...as.prefix, join(bin, tool), ...args], { cwd });

  const dir = mkdtempSync(join(tmpdir(), 'maildiag-pg-'));
  const dataDir = join(dir, 'data');
  const superPassword = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
  if (as.uid !== undefined && as.gid !== undefined) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwfile, as.uid, as.gid);
  }
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'], dir);
  } catch (error) {
    remove();
    return { ok: false, reason: `initdb failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}` };
  }

  let port = 0;
  let running = false;
  const pgCtl = (args: string[]) => exec('pg_ctl', ['-D', dataDir, ...args], dir);
  const start = async (): Promise<void> => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    await pgCtl(['-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    running = true;
  };
  let lastError = '';
  for (let attempt = 0; attempt < 3 && !running; attempt += 1) {
    port = await freePort();
    try {
      await start();
    } catch (error) {
      lastError = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    }
  }
  if (!running) {
    remove();
    return { ok: false, reason: `pg_ctl start failed: ${lastError}` };
  }
  // A test process that dies without afterAll still takes its server with it.
  const onExit = (): void => {
    if (!running) return;
    if (as.command === '') spawnSync(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], { cwd: dir });
    else spawnSync(as.command, [...as.prefix, join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop'], { cwd: dir });
    remove();
  };
  process.once('exit', onExit);

  const host = '127.0.0.1';
  const url = (database: string, user = { name: 'postgres', password: superPassword }): string =>
    `postgres://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@${host}:${port}/${database}?sslmode=disable`;
  const admin = async <T extends pg.QueryResultRow>(database: string, sql: string, values: unknown[] = []): Promise<pg.QueryResult<T>> => {
    const client = new pg.Client({ host, port, user: 'postgres', password: superPassword, database });
    await client.connect();
    try {
      return await client.query<T>(sql, values);
    } finally {
      await client.end();
    }
  };
  let databases = 0;
  const handle: TestPostgres = {
    host,
    get port() {
      return port;
    },
    superPassword,
    url,
    admin,
    async createDatabase(prefix = 'maildiag_test') {
      databases += 1;
      const name = `${prefix}_${process.pid}_${databases}`;
      await admin('postgres', `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return name;
    },
    async stop() {
      await pgCtl(['-m', 'fast', '-w', 'stop']);
      running = false;
    },
    start,
    async destroy() {
      process.off('exit', onExit);
      if (running) await pgCtl(['-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      remove();
    },
  };
  return { ok: true, pg: handle };
}

/**
 * For a test file: starts a cluster or explains the skip on stderr (once), and fails instead
 * of skipping when MAILDIAG_REQUIRE_POSTGRES=1.
 */
export async function postgresForSuite(suite: string): Promise<TestPostgres | undefined> {
  const result = await startTestPostgres();
  if (result.ok) return result.pg;
  if (process.env.MAILDIAG_REQUIRE_POSTGRES === '1') throw new Error(`${suite}: PostgreSQL is required here (MAILDIAG_REQUIRE_POSTGRES=1) but could not be started: ${result.reason}`);
  process.stderr.write(`\n[skip] ${suite}: PostgreSQL tests skipped: ${result.reason}\n`);
  return undefined;
}
