/**
 * The package as a user gets it: `npm pack` (its prepack and prepare builds) in a copy of the
 * project, the tarball's contents checked, then the tarball installed into a temporary prefix
 * with its runtime dependencies only, and the installed `maildiag` run under Node 24:
 * `--help`, `classify` on a corpus file, and a DNS-only diagnosis against the loopback DNS
 * server.
 *
 * npm runs under `nice`, and this file runs apart from `npm test` (`npm run test:package`).
 *
 * The install is `npm ci --offline` of a lock derived from the project's own lock (its
 * runtime entries, exact versions), so it is deterministic and reads only the npm cache that
 * `npm ci` filled: no network. (`npm install -g ./maildiag-<v>.tgz` resolves the dependency
 * ranges afresh from the registry, so it cannot run offline from that cache; the README shows
 * it for users.) The copy keeps the worktree's dist/ untouched while other tests use it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: Record<string, string>;
  license: string;
};
const TARBALL = `${pkg.name}-${pkg.version}.tgz`;
const STEP_TIMEOUT = 240_000;

/** npm with Node 24 first on PATH and none of the calling npm's per-run settings. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') && key !== 'npm_config_cache') continue;
    if (key.startsWith('MAILDIAG_') || key.startsWith('AWS_') || key.startsWith('SLACK_')) continue;
    env[key] = value;
  }
  env.PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  return { ...env, ...extra };
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: options.cwd, env: options.env ?? childEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** The project's lock, cut to maildiag (from the tarball) and its runtime dependencies. */
function runtimeLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'maildiag-install-test', dependencies: { [pkg.name]: `file:${TARBALL}` } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: `file:${TARBALL}`,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true) continue;
    // The lock names no tarball URLs; with the registry's (the same as the URL npm ci fetched),
    // npm needs no package metadata and finds each tarball in its cache by integrity.
    const name = typeof entry.name === 'string' ? entry.name : path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${String(entry.version)}.tgz`;
    packages[path] = { ...entry, resolved };
  }
  return { name: 'maildiag-install-test', lockfileVersion: 3, requires: true, packages };
}

let work: string;
let prefix: string;
let tarballPath: string;
let packOutput: string;
let dns: TestDnsServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'maildiag-pack-'));
  // A copy of what `npm pack` reads, with the project's node_modules linked in (for tsc).
  const copy = join(work, 'project');
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'docs', 'manifest.yml', 'README.md', 'LICENSE', '.env.example']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(copy, 'node_modules'), 'dir');
  // A stale file from an earlier build must not reach the tarball: prepack starts from an empty dist/.
  mkdirSync(join(copy, 'dist'));
  writeFileSync(join(copy, 'dist', 'stale-from-an-old-build.js'), 'export {};\n');
  const packed = await run('nice', ['-n', '15', 'npm', 'pack', '--foreground-scripts', '--pack-destination', work], { cwd: copy });
  packOutput = packed.stdout + packed.stderr;
  expect(packed.code, packOutput).toBe(0);
  tarballPath = join(work, TARBALL);

  prefix = join(work, 'prefix');
  mkdirSync(prefix);
  cpSync(tarballPath, join(prefix, TARBALL));
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'maildiag-install-test', private: true, dependencies: { [pkg.name]: `file:${TARBALL}` } }));
  writeFileSync(join(prefix, 'package-lock.json'), JSON.stringify(runtimeLock(tarballPath), null, 2));
  const installed = await run('nice', ['-n', '15', 'npm', 'ci', '--offline', '--no-audit', '--no-fund', '--omit=dev'], { cwd: prefix });
  expect(installed.code, installed.stdout + installed.stderr).toBe(0);
  dns = await startDnsServer({ zone: canonicalZones() });
}, STEP_TIMEOUT);

afterAll(async () => {
  await dns?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('runs the prepack (clean) and prepare builds', () => {
    expect(packOutput).toMatch(/> maildiag@[\d.]+ prepack/);
    expect(packOutput).toMatch(/> maildiag@[\d.]+ prepare/);
  });

  it('holds only what runs: dist/ without source maps, manifest.yml, docs, .env.example, README and LICENSE', async () => {
    const listed = await run('tar', ['tzf', tarballPath], { cwd: work });
    const files = listed.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    const outside = files.filter((f) => !f.startsWith('dist/') && !f.startsWith('docs/'));
    expect(outside.sort()).toEqual(['.env.example', 'LICENSE', 'README.md', 'manifest.yml', 'package.json']);
    expect(files).toContain(pkg.bin.maildiag);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('docs/report.schema.json');
    expect(files).toContain('docs/operations.md');
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('src/'))).toEqual([]);
    expect(files).not.toContain('dist/stale-from-an-old-build.js');
  });
});

describe('the installed maildiag', () => {
  const bin = (): string => join(prefix, 'node_modules', '.bin', 'maildiag');
  const cli = (args: string[], input?: string) =>
    run(bin(), args, { cwd: prefix, env: childEnv({ HOME: prefix, MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '500' }), ...(input !== undefined ? { input } : {}) });

  it('is on the prefix PATH, starts with a node shebang, and runs under Node 24', async () => {
    expect(existsSync(bin())).toBe(true);
    expect(statSync(realpathSync(bin())).mode & 0o111).not.toBe(0);
    expect(readFileSync(realpathSync(bin()), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const node = await run('node', ['--version'], { cwd: prefix });
    expect(node.stdout).toMatch(/^v24\./);
  });

  it('has the runtime dependencies and no dev dependencies', () => {
    const modules = readdirSync(join(prefix, 'node_modules'));
    for (const name of Object.keys(pkg.dependencies)) expect(existsSync(join(prefix, 'node_modules', name, 'package.json')), name).toBe(true);
    for (const name of ['tsx', 'typescript', 'vitest', 'vite', '@biomejs', 'ajv', 'fast-check', 'smtp-server', 'esbuild']) expect(modules, name).not.toContain(name);
  });

  it('--help prints the usage', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}maildiag <domain \| address>/);
    expect(stdout).toContain('--format <f>');
  });

  it('classify interprets a corpus bounce', async () => {
    const { code, stdout, stderr } = await cli(['classify', join(ROOT, 'test', 'fixtures', 'exchange-ndr.eml'), '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { schemaVersion: string; replies: Array<Record<string, unknown>> };
    expect(json.schemaVersion).toMatch(/^1\./);
    expect(json.replies[0]).toMatchObject({ recipient: 'alice@recipient.example', status: '5.4.1', provider: 'Exchange Online', layer: 'recipient' });
  });

  it('diagnoses a domain over DNS only, against the loopback DNS server', async () => {
    const before = dns.queries.length;
    const { code, stdout, stderr } = await cli(['admin@customer.example', 'to=alice@recipient.example', '--dns-server', dns.address, '--format', 'markdown']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^## maildiag: admin\\@customer\.example → alice\\@recipient\.example/);
    expect(stdout).toContain('### DNS authentication: ✅ pass');
    expect(stdout).toContain('### Relay credentials: ➖ skipped');
    expect(dns.queries.slice(before).some((q) => q.name === 'customer.example' && q.type === 'TXT')).toBe(true);
  });
});
