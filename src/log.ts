/**
 * pino JSON logs with every secret-bearing field redacted.
 *
 * Redaction covers the field names below at the top of a log object, one level down and two
 * levels down (what the paths `token`, `*.token` and `*.*.token` would match; HTTP headers
 * such as `req.headers.authorization` are two levels down). It runs in one walk over each
 * log object (pino's `log` formatter) and over each child logger's bindings, copying only
 * objects that hold a secret: pino 10's path-based `redact` option re-parses every path and clones every
 * wildcard match on every call, which cost about 1 ms per log line here (issue 13's profile).
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Field names that can hold a secret anywhere in a log object (up to two levels deep). */
export const SECRET_FIELDS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'password',
  'smtpPassword',
  'pass',
  'authorization',
  'Authorization',
  'credentials',
  'cookie',
  'x-slack-signature',
] as const;

export const CENSOR = '[REDACTED]';
const SECRET = new Set<string>(SECRET_FIELDS);
/** Levels of keys that are checked: the top, `*.field` and `*.*.field`. */
const DEPTH = 3;

function walkable(value: unknown): value is Record<string, unknown> {
  // Objects that say how they serialise (Date, URL, Secret) and binary data are left alone.
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** `value` with every secret field within `depth` levels replaced; copies only what changes. */
export function redactSecrets<T>(value: T, depth = DEPTH): T {
  if (!walkable(value) || depth === 0) return value;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const field = source[key];
    const next = SECRET.has(key) ? CENSOR : redactSecrets(field, depth - 1);
    if (next === field) continue;
    copy ??= Array.isArray(source) ? [...(source as unknown[])] : { ...source };
    (copy as Record<string, unknown>)[key] = next;
  }
  return (copy ?? value) as T;
}

const isErrorLike = (value: unknown): boolean => typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

export function createLogger(options: { level?: LoggerOptions['level']; destination?: DestinationStream; name?: string } = {}): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'maildiag',
    // `err` is serialised by the `log` formatter below (pino would serialise it again after it).
    serializers: { err: (value: unknown) => value },
    formatters: {
      // `err` is serialised here, before redaction, so an error's own fields are checked too.
      log: (object) => redactSecrets(isErrorLike(object.err) ? { ...object, err: pino.stdSerializers.err(object.err as Error) } : object),
    },
  };
  const logger = options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
  // Child loggers are created from their parent by prototype, so every descendant uses this `child`.
  const child = logger.child as unknown as (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => Logger;
  logger.child = function redactedChild(this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions): Logger {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as unknown as Logger['child'];
  return logger;
}
