/**
 * Errors that cross a boundary. Each carries a stable code, a message safe to show a
 * user (never a secret), an optional hint on what to do, and the underlying cause.
 */
export class MaildiagError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** The user's input cannot be understood; the message names the offending token. */
export class InputError extends MaildiagError {
  readonly token: string | undefined;
  constructor(message: string, token?: string) {
    super('input_invalid', message);
    this.token = token;
  }
}

/** A setting is missing or malformed; the message names the variable. */
export class ConfigError extends MaildiagError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

export class CheckTimeoutError extends MaildiagError {
  constructor(checkTitle: string, timeoutMs: number) {
    super('check_timeout', `${checkTitle} did not finish within ${timeoutMs} ms`, {
      hint: 'Run again; if it keeps timing out, the DNS server or AWS endpoint is slow or unreachable from the bot.',
    });
  }
}

/** Turns anything thrown into a user-facing sentence without leaking internals. */
export function describeError(error: unknown): { message: string; hint: string | undefined; code: string } {
  if (error instanceof MaildiagError) return { message: error.message, hint: error.hint, code: error.code };
  if (error instanceof Error) return { message: error.message, hint: undefined, code: 'unexpected' };
  return { message: String(error), hint: undefined, code: 'unexpected' };
}
