export interface PgMigration {
  version: number;
  name: string;
  /** Run inside the migration transaction, with the advisory lock held. */
  sql: string;
}
