/**
 * A reader that stops early (`maildiag classify DIR | head`) closes the CLI's stdout: the built
 * CLI ends quietly with its exit code, no EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(root, 'dist', 'cli', 'main.js');
const folder = mkdtempSync(join(tmpdir(), 'maildiag-pipe-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

it('ends quietly when stdout is closed while it writes', async () => {
  for (let index = 0; index < 400; index++) {
    writeFileSync(join(folder, `reply-${index}.txt`), `550 5.1.1 <user${index}@customer.example>: Recipient address rejected: User unknown in local recipient table\n`);
  }
  const child = spawn(process.execPath, [CLI, 'classify', folder], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: folder }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // The first chunk proves it is writing; closing our end then makes its next writes fail with EPIPE.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
  expect(code).toBe(0);
});
