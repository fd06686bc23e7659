/**
 * A separate OS process racing for one claim: opens the store file, waits for "go" on
 * stdin (so all workers start together), claims, prints the outcome as JSON.
 */
import { openSqliteStore } from '../../../src/remediation/store.js';

const [path, requestId, approver] = process.argv.slice(2);
const store = openSqliteStore({ path: path!, busyTimeoutMs: 10_000 });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const won = await store.claim(requestId!, approver!, new Date('2026-03-02T12:00:00Z'));
  process.stdout.write(`${JSON.stringify({ approver, won: won !== undefined })}\n`);
  await store.shutdown();
  process.exit(0);
});
