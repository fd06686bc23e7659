/**
 * TLS to PostgreSQL as on RDS/Aurora: a real server with a certificate (only name:
 * `localhost`), reached with each sslmode. verify-full with the CA succeeds on the right name
 * and fails on another; verify-ca ignores the name; without the CA the chain is refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../../src/store/postgres/url.js';
import { postgresForSuite } from '../support/postgres.js';

const server = await postgresForSuite('PostgreSQL over TLS', { tls: true });
afterAll(async () => {
  await server?.destroy();
});

describe.skipIf(!server)('PostgreSQL over TLS (sslmode and MAILDIAG_DATABASE_CA)', { timeout: 60_000 }, () => {
  const url = (host: string, database: string, mode: string): string =>
    `postgres://postgres:${encodeURIComponent(server?.superPassword ?? '')}@${host}:${server?.port}/${database}?sslmode=${mode}`;
  const outcome = async (value: string, ca?: string): Promise<'ok' | Error> => {
    try {
      const store = await openPostgresStore({ settings: parseDatabaseUrl(value, ca ? { ca } : {}), poolSize: 1 });
      const ssl = await store.pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      await store.shutdown();
      return ssl.rows[0]?.ssl === true ? 'ok' : new Error('connected without TLS');
    } catch (error) {
      return error as Error;
    }
  };

  it('verify-full with the CA: encrypted and verified on the certificate name; refused on another name', async () => {
    if (!server?.ca) throw new Error('no TLS server');
    const database = await server.createDatabase('tls');
    expect(await outcome(url('localhost', database, 'verify-full'), server.ca)).toBe('ok');
    const wrongName = await outcome(url('127.0.0.1', database, 'verify-full'), server.ca);
    expect(wrongName).toBeInstanceOf(StoreUnavailableError);
    expect((wrongName as Error).message).toMatch(/MAILDIAG_DATABASE_URL \(postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+\?sslmode=verify-full\) failed the TLS check: ERR_TLS_CERT_ALTNAME_INVALID \(check sslmode and MAILDIAG_DATABASE_CA\)/);
    expect((wrongName as Error).message).not.toContain(server.superPassword);
  });

  it('verify-ca checks the chain only; without the CA the server is not trusted; require encrypts without checking', async () => {
    if (!server?.ca) throw new Error('no TLS server');
    const database = await server.createDatabase('tls');
    expect(await outcome(url('127.0.0.1', database, 'verify-ca'), server.ca)).toBe('ok');
    const untrusted = await outcome(url('localhost', database, 'verify-full'));
    expect(untrusted).toBeInstanceOf(StoreUnavailableError);
    expect((untrusted as Error).message).toMatch(/failed the TLS check: DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(await outcome(url('127.0.0.1', database, 'require'))).toBe('ok');
  });
});
