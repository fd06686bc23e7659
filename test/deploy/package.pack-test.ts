/**
 * The package as a user gets it, as the README's quick start says: `npm pack` (its prepack and
 * prepare builds) in a copy of the project, the tarball's contents checked, then
 * `npm install -g --prefix <temporary prefix> ./maildiag-<version>.tgz`, and the installed
 * `maildiag`, found on the prefix's PATH, run under Node 24: `--help`, `classify` on a corpus
 * file, and a DNS-only diagnosis against the loopback DNS server.
 *
 * The install resolves the runtime dependencies as a user's does (npm resolves each range
 * afresh; the project's lock does not travel in the tarball), `--prefer-offline`: tarballs and
 * package documents come from the npm cache that `npm ci` filled when it has them, and from the
 * registry when not (the one host this test's npm may reach). Nothing else is fetched.
 *
 * Node 24: the test runs under the `node` devDependency's binary (`npm run` puts
 * node_modules/.bin first on PATH), and every child gets that binary's folder first on PATH,
 * so npm and the installed bin's `#!/usr/bin/env node` both run on it.
 *
 * npm runs under `nice`, and this file runs apart from `npm test` (`npm run test:package`).
 * The copy keeps the worktree's dist/ untouched while other tests use it.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
};
const TARBALL = `${pkg.name}-${pkg.version}.tgz`;
const STEP_TIMEOUT = 240_000;

/** Node 24's folder first on PATH (plus `extraPath` before it), and none of the calling npm's per-run settings. */
function childEnv(extra: Record<string, string> = {}, extraPath: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') && key !== 'npm_config_cache') continue;
    if (key.startsWith('MAILDIAG_') || key.startsWith('AWS_') || key.startsWith('SLACK_')) continue;
    env[key] = value;
  }
  env.PATH = [...extraPath, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
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

let work: string;
let prefix: string;
let installSeconds: number;
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
  // The build bundles the CLI (the package's bin) with this script.
  mkdirSync(join(copy, 'scripts'));
  cpSync(join(ROOT, 'scripts', 'bundle-cli.mjs'), join(copy, 'scripts', 'bundle-cli.mjs'));
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(copy, 'node_modules'), 'dir');
  // A stale file from an earlier build must not reach the tarball: prepack starts from an empty dist/.
  mkdirSync(join(copy, 'dist'));
  writeFileSync(join(copy, 'dist', 'stale-from-an-old-build.js'), 'export {};\n');
  const packed = await run('nice', ['-n', '15', 'npm', 'pack', '--foreground-scripts', '--pack-destination', work], { cwd: copy });
  packOutput = packed.stdout + packed.stderr;
  expect(packed.code, packOutput).toBe(0);
  tarballPath = join(work, TARBALL);

  // A clean prefix: the global install a user makes, in a temporary folder.
  prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const started = performance.now();
  const installed = await run(
    'nice',
    ['-n', '15', 'npm', 'install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarballPath],
    { cwd: work },
  );
  installSeconds = Math.round((performance.now() - started) / 1000);
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

describe('npm install -g ./maildiag-<version>.tgz into a clean prefix', () => {
  const bin = (): string => join(prefix, 'bin', 'maildiag');
  const installedPackage = (): string => join(prefix, 'lib', 'node_modules', pkg.name);
  // `maildiag` by name, the prefix's bin/ first on PATH, as a user's shell finds it.
  const cli = (args: string[], input?: string) =>
    run('maildiag', args, {
      cwd: work,
      env: childEnv({ HOME: work, MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '500' }, [join(prefix, 'bin')]),
      ...(input !== undefined ? { input } : {}),
    });

  it('links maildiag into the prefix bin/ (the built dist/, a node shebang), and Node 24 is what runs it', async () => {
    console.info(`npm install -g of the tarball took ${installSeconds} s`);
    expect(lstatSync(bin()).isSymbolicLink()).toBe(true);
    expect(readlinkSync(bin())).toMatch(new RegExp(`lib/node_modules/${pkg.name}/${pkg.bin.maildiag}$`));
    expect(statSync(realpathSync(bin())).mode & 0o111).not.toBe(0);
    expect(readFileSync(realpathSync(bin()), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // The same PATH the installed bin's `env node` reads.
    const node = await run('node', ['-p', 'process.version'], { cwd: work, env: childEnv({}, [join(prefix, 'bin')]) });
    expect(node.stdout).toMatch(/^v24\./);
  });

  it('installs maildiag and its runtime dependencies only: no dev dependency, no tsx, anywhere in the prefix', () => {
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual([pkg.name]);
    const modules = join(installedPackage(), 'node_modules');
    for (const name of Object.keys(pkg.dependencies)) expect(existsSync(join(modules, name, 'package.json')), name).toBe(true);
    // Every package folder under the prefix, at any depth.
    const present = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        if (entry.name.startsWith('@')) {
          for (const scoped of readdirSync(join(dir, entry.name))) {
            present.add(`${entry.name}/${scoped}`);
            const nested = join(dir, entry.name, scoped, 'node_modules');
            if (existsSync(nested)) walk(nested);
          }
        } else {
          present.add(entry.name);
          const nested = join(dir, entry.name, 'node_modules');
          if (existsSync(nested)) walk(nested);
        }
      }
    };
    walk(modules);
    const devOnly = Object.keys(pkg.devDependencies).filter((name) => !name.startsWith('@types/'));
    expect(devOnly).toContain('tsx');
    expect(devOnly.filter((name) => present.has(name))).toEqual([]);
    expect(['tsx', 'typescript', 'esbuild', 'vite', 'vitest'].filter((name) => present.has(name))).toEqual([]);
    // The built code only: no TypeScript sources or tests came along.
    expect(existsSync(join(installedPackage(), 'src'))).toBe(false);
    expect(existsSync(join(installedPackage(), 'test'))).toBe(false);
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
