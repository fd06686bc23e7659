/**
 * The built CLI loads neither the AWS SDK nor Bolt for commands that do not need them
 * (issue 15 measures start time on this). A preloaded hook makes resolving either throw.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOOK = join(root, 'test', 'support', 'forbid-modules.mjs');
const CLI = join(root, 'dist', 'cli', 'main.js');

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
});
afterAll(() => dns.close());

function runBuiltCli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', HOOK, CLI, ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: join(root, 'test', 'fixtures'),
          MAILDIAG_FORBID_MODULES: '@aws-sdk/,@slack/bolt',
          // Credentials present: AWS counts as available, so only laziness keeps the SDK out.
          AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
          AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          MAILDIAG_DNS_TIMEOUT_MS: '300',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe('the built CLI loads only what a command needs', () => {
  it('`--layers dns` runs without loading the AWS SDK or Bolt', async () => {
    const { stdout, stderr } = await runBuiltCli(['admin@customer.example', '--layers', 'dns', '--dns-server', dns.address, '--json']);
    expect(stderr).not.toContain('forbidden module');
    const report = JSON.parse(stdout) as { layers: Array<{ layer: string; status: string }> };
    expect(report.layers.find((l) => l.layer === 'dns')?.status).not.toBe('skipped');
    expect(report.layers.find((l) => l.layer === 'relay')?.status).toBe('skipped');
  });

  it('`classify` runs without loading the AWS SDK or Bolt', async () => {
    const { code, stdout, stderr } = await runBuiltCli(['classify', '-'], '550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown\n');
    expect(stderr).not.toContain('forbidden module');
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('the guard is real: a run with an AWS layer does try to load the SDK', async () => {
    const { code, stderr } = await runBuiltCli(['admin@customer.example', '--layers', 'ses', '--dns-server', dns.address]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('forbidden module loaded: @aws-sdk/');
  });
});
