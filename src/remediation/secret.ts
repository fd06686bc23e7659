/**
 * A value that must never leave memory by accident. Every way a value usually escapes
 * (string conversion, JSON, util.inspect, pino serialisation, template literals) prints
 * `[REDACTED]`; only `reveal()` returns the value, so every use is explicit and greppable.
 */
import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (value === '') throw new RangeError('a secret cannot be empty');
    this.#value = value;
  }

  /** The only way to the value: call it where the value is sent to its one destination. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Removes every occurrence of the given secrets from a text (for error messages from libraries). */
export function scrubSecrets(text: string, secrets: ReadonlyArray<Secret | undefined>): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret === undefined) continue;
    scrubbed = scrubbed.split(secret.reveal()).join(REDACTED);
  }
  return scrubbed;
}
