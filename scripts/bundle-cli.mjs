/**
 * Bundles the CLI (the package's `maildiag` bin) into dist/cli-bundle/ with esbuild: our own
 * modules become a few files, while every package stays an external import (resolved from
 * node_modules as before) and each dynamic import stays a lazy chunk, so a command still loads
 * only what it needs. Why: the CLI's start is mostly module loading; ~60 small ESM files of
 * ours cost more than their code (issue 15, `npm run bench`, section cliStart).
 * The mailparser stand-ins (src/cli/defer-modules.ts) are entries of their own, found beside
 * the chunk that refers to them as `./deferred/<name>.js`.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli-bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/cli/deferred/html-to-text.ts', 'src/cli/deferred/linkify-it.ts'],
  outbase: 'src/cli',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
