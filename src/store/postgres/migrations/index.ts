/**
 * The PostgreSQL schema's versions, oldest first; one file per version. Append only: a
 * shipped migration is never edited, the next version is added to this list.
 */
import { migration0001 } from './0001-initial.js';
import type { PgMigration } from './types.js';

export type { PgMigration } from './types.js';

export const PG_MIGRATIONS: readonly PgMigration[] = [migration0001];
