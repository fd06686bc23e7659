/**
 * `MAILDIAG_DATABASE_URL` → pg connection settings, and a description of it without the
 * password for messages and logs. Parsed once at start; a malformed URL fails naming the
 * variable and never echoes the value (it may contain the password).
 *
 * TLS follows libpq's `sslmode` names:
 * - `disable`: no TLS (a local database only);
 * - `require`: TLS without verifying the server (not recommended);
 * - `verify-ca`: TLS, the server's certificate must chain to the CA; host name not checked;
 * - `verify-full` (recommended for RDS/Aurora): chain and host name verified.
 * Without `sslmode`, TLS is off unless `MAILDIAG_DATABASE_CA` is set, which implies `verify-full`.
 * The CA is a PEM bundle (for RDS: the region or global bundle from AWS); without it, Node's
 * own trust store (plus NODE_EXTRA_CA_CERTS) is used.
 */
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../../core/errors.js';

export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PgConnectionSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: false | ConnectionOptions;
  sslMode: SslMode;
  applicationName: string;
  /** `postgres://user@host:port/db?sslmode=…`: no password. */
  description: string;
}

const ALLOWED_PARAMS = new Set(['sslmode', 'application_name']);

function fail(why: string): never {
  throw new ConfigError(`Invalid configuration: MAILDIAG_DATABASE_URL ${why}`);
}

export function parseDatabaseUrl(value: string, options: { ca?: string } = {}): PgConnectionSettings {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('must be a URL such as postgres://maildiag@db.example.internal:5432/maildiag?sslmode=verify-full');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') fail(`must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
  if (url.hostname === '') fail('names no host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) fail('must name one database in its path (…/maildiag)');
  const user = decodeURIComponent(url.username);
  if (user === '') fail('names no user (postgres://USER@host/db)');
  for (const key of url.searchParams.keys()) {
    if (!ALLOWED_PARAMS.has(key)) fail(`has the parameter '${key}', which maildiag does not use (known: ${[...ALLOWED_PARAMS].join(', ')})`);
  }
  const rawMode = url.searchParams.get('sslmode');
  if (rawMode !== null && !(SSL_MODES as readonly string[]).includes(rawMode)) fail(`sslmode must be one of ${SSL_MODES.join(', ')} (got '${rawMode}')`);
  const sslMode: SslMode = (rawMode as SslMode | null) ?? (options.ca ? 'verify-full' : 'disable');
  if (sslMode === 'verify-ca' && !options.ca) fail('sslmode=verify-ca needs MAILDIAG_DATABASE_CA (the CA bundle to verify against)');
  if (sslMode === 'disable' && options.ca) fail('sslmode=disable contradicts MAILDIAG_DATABASE_CA (remove one of them)');
  const ca = options.ca ? { ca: options.ca } : {};
  const ssl: false | ConnectionOptions =
    sslMode === 'disable'
      ? false
      : sslMode === 'require'
        ? { rejectUnauthorized: false }
        : sslMode === 'verify-ca'
          ? { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined }
          : { ...ca, rejectUnauthorized: true };
  const port = url.port === '' ? 5432 : Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const shownHost = url.hostname;
  return {
    host,
    port,
    user,
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    database,
    ssl,
    sslMode,
    applicationName: url.searchParams.get('application_name') ?? 'maildiag',
    description: `postgres://${encodeURIComponent(user)}@${shownHost}:${port}/${encodeURIComponent(database)}${rawMode ? `?sslmode=${sslMode}` : ''}`,
  };
}
