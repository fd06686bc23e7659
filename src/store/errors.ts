/**
 * Errors of the shared store. `StoreUnavailableError` means "the database could not be
 * reached or dropped the connection": nothing was recorded, so the caller must not act as if
 * it had been. `StoreSchemaError` means the database's schema does not fit this code (newer
 * than the code, or a migration that the connecting role may not apply).
 * Messages name the setting (`MAILDIAG_DATABASE_URL`) and the host, never the password.
 */
import { MaildiagError } from '../core/errors.js';

export class StoreUnavailableError extends MaildiagError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('store_unavailable', message, {
      ...options,
      hint: 'Check that the database is running and reachable from the bot (MAILDIAG_DATABASE_URL).',
    });
  }
}

export class StoreSchemaError extends MaildiagError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('store_schema', message, options);
  }
}

/** The private answer to a click whose decision could not be written. */
export const DECISION_NOT_RECORDED = 'Could not record the decision, nothing was changed: the bot cannot reach its database right now. Try again in a moment.';

/** The highest applied version against the highest this code knows: a newer database is refused. */
export function refuseNewerSchema(applied: number, known: number, where: string, schema = 'schema'): void {
  if (applied > known) {
    throw new StoreSchemaError(
      `The database at ${where} has ${schema} version ${applied}, but this maildiag knows versions up to ${known}: it was migrated by a newer release. Run that release (or a newer one), or point this one at another database; nothing was changed.`,
    );
  }
}
