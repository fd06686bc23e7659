/** pino JSON logs with every secret-bearing field redacted. */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Field names that can hold a secret anywhere in a log object (one or two levels deep). */
const SECRET_FIELDS = [
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
];

export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_FIELDS.map((field) => `*.*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
];

export function createLogger(options: { level?: LoggerOptions['level']; destination?: DestinationStream; name?: string } = {}): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'maildiag',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
}
