/**
 * A separate OS process racing for one claim: opens the store named by a JSON spec
 * (`{"kind":"sqlite","path":…}` or `{"kind":"postgres","url":…}`), waits for "go" on stdin
 * (so all workers start together), claims, prints the outcome as JSON.
 */
import { openSqliteStore, type RemediationStore } from '../../../src/remediation/store.js';
import { openPostgresStore } from '../../../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../../../src/store/postgres/url.js';

const [specText, requestId, approver] = process.argv.slice(2);
const spec = JSON.parse(specText!) as { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
const store: RemediationStore =
  spec.kind === 'sqlite' ? openSqliteStore({ path: spec.path, busyTimeoutMs: 10_000 }) : await openPostgresStore({ settings: parseDatabaseUrl(spec.url), poolSize: 1 });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const won = await store.claim(requestId!, approver!, new Date('2026-03-02T12:00:00Z'));
  process.stdout.write(`${JSON.stringify({ approver, won: won !== undefined })}\n`);
  await store.shutdown();
  process.exit(0);
});
