/**
 * One of the two processes of the claim benchmark (scripts/bench-store.ts): opens the store
 * named by a JSON spec, waits for "go" on stdin, then for every request id in order does an
 * approve/claim cycle: claim; if it won, "execute" (the `executed` audit row) and finish.
 * Prints one JSON line: the claim latencies (ms) and the ids it won.
 */
import { openSqliteStore, type RemediationStore } from '../src/remediation/store.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../src/store/postgres/url.js';

const [specText, idsText, name] = process.argv.slice(2);
const spec = JSON.parse(specText!) as { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
const ids = JSON.parse(idsText!) as string[];
const store: RemediationStore =
  spec.kind === 'sqlite' ? openSqliteStore({ path: spec.path, busyTimeoutMs: 30_000 }) : await openPostgresStore({ settings: parseDatabaseUrl(spec.url), poolSize: 2 });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const latencies: number[] = [];
  const won: string[] = [];
  for (const id of ids) {
    const now = new Date();
    const started = performance.now();
    const claimed = await store.claim(id, `U0${name}`, now);
    latencies.push(performance.now() - started);
    if (!claimed) continue;
    won.push(id);
    await store.appendAudit({ requestId: id, event: 'executed', actor: `U0${name}`, at: now.toISOString(), what: 'bench', result: 'ok' });
    await store.finish(id, 'succeeded', { summary: 'bench', details: [] }, now);
  }
  process.stdout.write(`${JSON.stringify({ latencies, won })}\n`);
  await store.shutdown();
  process.exit(0);
});
