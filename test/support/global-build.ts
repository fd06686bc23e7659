/**
 * vitest globalSetup: builds dist/ once per test run (tsconfig.build.json), for the tests
 * that must spawn the built app or CLI (`node dist/index.js`, `node dist/cli/main.js`, the
 * bundled bin `dist/cli-bundle/main.js`) the
 * way a deployment runs them. One build for every such test file.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The package's bin: the CLI bundled (scripts/bundle-cli.mjs), as `npm run build` makes it.
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
