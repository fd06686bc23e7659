/**
 * Fast start (issue 15): each command of the built CLI loads only what it needs. A preloaded
 * hook (test/support/forbid-modules.mjs) makes resolving a forbidden package throw, so these
 * pass only while `--help` loads no dependency at all, `classify` no engine, configuration or
 * logger (and none of mailparser's html-to-text and linkify-it, src/cli/defer-modules.ts), and
 * a DNS-only diagnosis no zod (src/engine-config.ts), mailparser, AWS SDK, Bolt or prom-client.
 * The timings themselves are in `npm run bench` (scripts/bench-cli.ts), not here.
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
const NEVER_IN_THE_CLI = ['@aws-sdk/', '@slack/bolt', 'prom-client', 'pg', 'nodemailer'];

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
});
afterAll(() => dns.close());

function runBuiltCli(args: string[], forbidden: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', HOOK, CLI, ...args],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: join(root, 'test', 'fixtures'), MAILDIAG_FORBID_MODULES: forbidden.join(','), MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '500' },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe('what each command of the built CLI loads', () => {
  it('--help loads no dependency at all', async () => {
    const all = ['dotenv', 'zod', 'pino', 'mailparser', 'mailauth', 'dns-packet', 'tldts', ...NEVER_IN_THE_CLI];
    const { code, stdout, stderr } = await runBuiltCli(['--help'], all);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:/);
  });

  it('classify loads the bounce knowledge only: no engine, configuration or logger, nor what mailparser never calls for it', async () => {
    const { code, stdout, stderr } = await runBuiltCli(
      ['classify', 'test/fixtures/exchange-ndr.eml', '--json'],
      ['zod', 'pino', 'mailauth', 'dns-packet', 'html-to-text', 'linkify-it', ...NEVER_IN_THE_CLI],
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ replies: [{ status: '5.4.1' }] });
  });

  it('a DNS-only diagnosis loads no zod, mailparser, bounce knowledge (no reply to read), AWS SDK, Bolt or prom-client', async () => {
    const { code, stdout, stderr } = await runBuiltCli(
      ['admin@customer.example', 'to=alice@recipient.example', '--mail-from', 'bounce.customer.example', '--dns-server', dns.address, '--json'],
      // The checks import the bounce knowledge as `../../knowledge/bounce/classify.js`, on first use.
      ['zod', 'mailparser', '../../knowledge/bounce/', ...NEVER_IN_THE_CLI],
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { findings: Array<{ id: string; status: string }> };
    // The SPF evaluation ran (mailauth, loaded on first use).
    expect(report.findings.find((f) => f.id === 'dns.spf:ses')?.status).toBe('pass');
  });

  it('the guard is real: a forbidden package that a command needs makes it fail', async () => {
    const { code, stderr } = await runBuiltCli(['classify', 'test/fixtures/exchange-ndr.eml'], ['dotenv']);
    expect(stderr).toContain('forbidden module loaded: dotenv');
    expect(code).not.toBe(0);
  });
});
