/** MAILDIAG_DATABASE_URL and MAILDIAG_DATABASE_CA: parsed once, TLS as libpq's sslmode, never echoing the password. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppConfig, secretValues } from '../../src/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseDatabaseUrl } from '../../src/store/postgres/url.js';

const PASSWORD = 'pa:ss/w@rd-SECRET';
const URL_WITH_PASSWORD = `postgres://maildiag_app:${encodeURIComponent(PASSWORD)}@db.cluster-x.eu-west-1.rds.amazonaws.com:5432/maildiag`;
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('MAILDIAG_DATABASE_URL', () => {
  it('reads host, port, user, database and the password (decoded), and describes itself without the password', () => {
    const parsed = parseDatabaseUrl(`${URL_WITH_PASSWORD}?sslmode=verify-full`);
    expect(parsed).toMatchObject({ host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: 5432, user: 'maildiag_app', database: 'maildiag', sslMode: 'verify-full' });
    expect(parsed.password).toBe(PASSWORD);
    expect(parsed.description).toBe('postgres://maildiag_app@db.cluster-x.eu-west-1.rds.amazonaws.com:5432/maildiag?sslmode=verify-full');
    expect(parsed.description).not.toContain('SECRET');
    expect(parseDatabaseUrl('postgresql://u@h/d').port).toBe(5432);
  });

  it('maps sslmode to TLS settings: verify-full checks chain and name, verify-ca only the chain, require neither, disable none', () => {
    expect(parseDatabaseUrl(`${URL_WITH_PASSWORD}?sslmode=disable`).ssl).toBe(false);
    expect(parseDatabaseUrl(`${URL_WITH_PASSWORD}?sslmode=require`).ssl).toEqual({ rejectUnauthorized: false });
    expect(parseDatabaseUrl(`${URL_WITH_PASSWORD}?sslmode=verify-full`).ssl).toEqual({ rejectUnauthorized: true });
    expect(parseDatabaseUrl(`${URL_WITH_PASSWORD}?sslmode=verify-full`, { ca: CA }).ssl).toEqual({ ca: CA, rejectUnauthorized: true });
    const verifyCa = parseDatabaseUrl(`${URL_WITH_PASSWORD}?sslmode=verify-ca`, { ca: CA }).ssl;
    expect(verifyCa).toMatchObject({ ca: CA, rejectUnauthorized: true });
    if (verifyCa === false) throw new Error('verify-ca must enable TLS');
    // The host name is not checked: any name passes the identity check.
    expect(verifyCa.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
    expect(typeof verifyCa.checkServerIdentity).toBe('function');
    // No sslmode: plain for a local database, verify-full as soon as a CA is given.
    expect(parseDatabaseUrl(URL_WITH_PASSWORD).ssl).toBe(false);
    expect(parseDatabaseUrl(URL_WITH_PASSWORD, { ca: CA })).toMatchObject({ sslMode: 'verify-full', ssl: { ca: CA, rejectUnauthorized: true } });
  });

  it.each([
    ['not a url', /must be a URL/],
    ['mysql://u:p@h/d', /must start with postgres:\/\//],
    ['postgres://u:p@h/', /must name one database/],
    ['postgres://h/d', /names no user/],
    [`${URL_WITH_PASSWORD}?sslmode=prefer`, /sslmode must be one of/],
    [`${URL_WITH_PASSWORD}?sslmode=verify-ca`, /verify-ca needs MAILDIAG_DATABASE_CA/],
    [`${URL_WITH_PASSWORD}?sslrootcert=/x.pem`, /parameter 'sslrootcert'/],
  ])('refuses %s, naming the variable and never the password', (value, message) => {
    let error: unknown;
    try {
      parseDatabaseUrl(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Invalid configuration: MAILDIAG_DATABASE_URL /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('SECRET');
  });

  it('is read by the app configuration with the CA file; the password counts as a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maildiag-ca-'));
    try {
      writeFileSync(join(dir, 'rds.pem'), CA);
      const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
      const config = loadAppConfig({ ...base, MAILDIAG_DATABASE_URL: URL_WITH_PASSWORD, MAILDIAG_DATABASE_CA: join(dir, 'rds.pem'), MAILDIAG_EXECUTION_LEASE_SECONDS: '12' });
      expect(config.store.postgres).toMatchObject({ sslMode: 'verify-full', ssl: { ca: CA } });
      expect(config.store.leaseMs).toBe(12_000);
      expect(secretValues(config)).toContain(PASSWORD);
      expect(loadAppConfig(base).store).toMatchObject({ path: './data/maildiag.db', postgres: undefined, leaseMs: 30_000, poolSize: 10 });
      expect(() => loadAppConfig({ ...base, MAILDIAG_DATABASE_URL: URL_WITH_PASSWORD, MAILDIAG_DATABASE_CA: join(dir, 'missing.pem') })).toThrow(/MAILDIAG_DATABASE_CA cannot read/);
      expect(() => loadAppConfig({ ...base, MAILDIAG_DATABASE_CA: join(dir, 'rds.pem') })).toThrow(/MAILDIAG_DATABASE_CA is set but MAILDIAG_DATABASE_URL is not/);
      expect(() => loadAppConfig({ ...base, MAILDIAG_DATABASE_URL: 'mysql://u:SECRET@h/d' })).toThrow(/MAILDIAG_DATABASE_URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
