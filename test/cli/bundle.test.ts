/**
 * The package's bin is the CLI bundled by esbuild (scripts/bundle-cli.mjs, dist/cli-bundle/).
 * It must answer exactly as the unbundled tsc output does, keep every package an external
 * import (so the lazy loading of fast-start.test.ts still holds: a forbidden package fails it),
 * and keep the mailparser stand-ins working.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOOK = join(root, 'test', 'support', 'forbid-modules.mjs');
const BIN = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { maildiag: string } }).bin.maildiag);
const UNBUNDLED = join(root, 'dist', 'cli', 'main.js');

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
});
afterAll(() => dns.close());

function run(cli: string, args: string[], forbidden: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', HOOK, cli, ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: join(root, 'test', 'fixtures'), MAILDIAG_FORBID_MODULES: forbidden.join(','), MAILDIAG_AWS: 'off' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A report without what differs run to run. */
const stable = (json: string): unknown => JSON.parse(json, (key, value: unknown) => (key === 'runId' || key === 'durationMs' || key === 'startedAt' || key === 'finishedAt' ? undefined : value));

describe('the bundled bin', () => {
  it('is the package bin and differs from the tsc output only in packaging', () => {
    expect(BIN).toMatch(/dist\/cli-bundle\/main\.js$/);
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('answers --help, classify and a DNS-only diagnosis exactly as the unbundled CLI', async () => {
    const cases = [['--help'], ['classify', 'test/fixtures/exchange-ndr.eml', '--json'], ['classify', 'test/fixtures/exchange-ndr.eml', '--format', 'markdown'], ['admin@customer.example', '--layers', 'dns', '--dns-server', dns.address, '--json']];
    for (const args of cases) {
      const [bundled, unbundled] = await Promise.all([run(BIN, args), run(UNBUNDLED, args)]);
      expect(bundled.stderr, args.join(' ')).toBe('');
      expect(bundled.code, args.join(' ')).toBe(unbundled.code);
      if (args.includes('--json')) expect(stable(bundled.stdout)).toEqual(stable(unbundled.stdout));
      else expect(bundled.stdout).toBe(unbundled.stdout);
    }
  });

  it('keeps packages external and lazy: classify loads no AWS SDK, Bolt, zod, pino or html-to-text, and a forbidden package it needs fails it', async () => {
    const lean = await run(BIN, ['classify', 'test/fixtures/exchange-ndr.eml', '--json'], ['@aws-sdk/', '@slack/bolt', 'zod', 'pino', 'mailauth', 'html-to-text', 'linkify-it', 'prom-client', 'pg']);
    expect(lean.stderr).toBe('');
    expect(lean.code).toBe(0);
    const guarded = await run(BIN, ['classify', 'test/fixtures/exchange-ndr.eml'], ['dotenv']);
    expect(guarded.stderr).toContain('forbidden module loaded: dotenv');
    expect(guarded.code).not.toBe(0);
  });
});
