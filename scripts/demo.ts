/**
 * `npm run demo`: the canonical scenario (DESIGN.md) on loopback peers, no internet.
 * Stage 1: the CLI against the loopback DNS server serving the scenario's zones.
 */
import { runCli } from '../src/cli/run.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { canonicalZones, RECIPIENT_ADDRESS, SENDER_ADDRESS } from '../test/support/scenarios/canonical-dns.js';

const dns = await startDnsServer({ zone: canonicalZones() });
try {
  const args = [SENDER_ADDRESS, `to=${RECIPIENT_ADDRESS}`, '--dns-server', dns.address];
  process.stdout.write(`$ maildiag ${args.join(' ')}\n\n`);
  const code = await runCli(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: { ...process.env, MAILDIAG_AWS: 'off' },
    readStdin: async () => '',
  });
  process.stdout.write(`\n(exit status ${code}; DNS queries answered by the loopback server: ${dns.queries.length})\n`);
} finally {
  await dns.close();
}
