/**
 * Bolt's and the web client's log lines go through our pino logger, so they get the same
 * JSON shape and the same secret redaction as ours.
 */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';

const TO_PINO: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

export function boltLogger(log: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  let child = log.child({ component: 'bolt' });
  const write =
    (pinoLevel: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]): void => {
      // The web client logs every request at debug level: no work for lines nobody keeps.
      if (!child.isLevelEnabled(pinoLevel)) return;
      const errors = messages.filter((m): m is Error => m instanceof Error);
      const text = omitPayloads(
        messages
          .filter((m) => !(m instanceof Error))
          .map((m) => (typeof m === 'string' ? m : safeJson(m)))
          .join(' '),
      );
      if (errors[0]) child[pinoLevel]({ err: errors[0] }, text);
      else child[pinoLevel](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(next) {
      level = next;
      child.level = TO_PINO[next];
    },
    getLevel: () => level,
    setName(name) {
      child = log.child({ component: name });
    },
  };
}

/**
 * The web client's debug lines echo whole request and response bodies. Those can carry what
 * must never reach a log: a new SMTP password in a views.update modal (issue 6), a credential
 * a user typed. Keep the line, drop the payload.
 */
const PAYLOAD_LINE = /^(http request body|http request result):/;
function omitPayloads(text: string): string {
  const match = PAYLOAD_LINE.exec(text);
  return match ? `${match[1]}: [omitted, ${text.length - match[0].length} characters]` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
