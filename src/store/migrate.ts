/**
 * `npm run db:migrate` (`node dist/store/migrate.js [--grant <app role>]`): applies the
 * PostgreSQL schema's pending migrations, the remediation store's and the watch's, with the
 * owner's MAILDIAG_DATABASE_URL (and MAILDIAG_DATABASE_CA), then, with --grant, gives the
 * app's role exactly the rights it needs on both (src/store/postgres/grants.ts). The app
 * applies pending migrations at start too when its role may; this command is for deployments
 * where the app's role may not create tables (least privilege): there the app only reads the
 * versions at start, and refuses to start, naming this command, while one is pending.
 */
import { readFileSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, MaildiagError } from '../core/errors.js';
import { runDbMigrate } from './postgres/db-migrate.js';
import { parseDatabaseUrl } from './postgres/url.js';

loadDotenv({ quiet: true });

async function main(argv: string[]): Promise<void> {
  const url = process.env.MAILDIAG_DATABASE_URL;
  if (!url) throw new ConfigError('MAILDIAG_DATABASE_URL is not set: give the owner role\'s URL of the PostgreSQL database to migrate');
  const caPath = process.env.MAILDIAG_DATABASE_CA;
  const settings = parseDatabaseUrl(url, caPath ? { ca: readFileSync(caPath, 'utf8') } : {});
  const grantIndex = argv.indexOf('--grant');
  const role = grantIndex >= 0 ? argv[grantIndex + 1] : undefined;
  if (grantIndex >= 0 && !role) throw new ConfigError('--grant needs the app role name (e.g. --grant maildiag_app)');
  const result = await runDbMigrate(settings, role ? { grant: role } : {});
  process.stdout.write(`${result.lines.join('\n')}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof MaildiagError ? `${error.message}${error.hint ? `\n${error.hint}` : ''}` : `unexpected error: ${(error as Error).message}`;
  process.stderr.write(`maildiag db:migrate: ${message}\n`);
  process.exit(1);
});
