#!/usr/bin/env node
/**
 * The `maildiag` command. Starts fast: `--help` loads nothing but the usage text, and the
 * rest is imported only when a command runs (src/cli/run.ts imports what each command needs).
 */
import module from 'node:module';
import { USAGE } from './usage.js';

// Node's on-disk compile cache (Node ≥ 22.1; the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1
// turns it off): later starts skip compiling maildiag and its dependencies again.
module.enableCompileCache?.();

// A reader that stops early (`maildiag classify DIR | head`) closes the pipe: not our error, so
// end quietly instead of printing a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
  process.stdout.write(USAGE);
} else if (args.length === 0) {
  process.stderr.write(USAGE);
  process.exitCode = 2;
} else {
  const [{ deferUnusedMailparserModules }, { config: loadDotenv }, { readBounded }, { runCli }] = await Promise.all([
    import('./defer-modules.js'),
    import('dotenv'),
    import('./bounded-read.js'),
    import('./run.js'),
  ]);
  // mailparser's html-to-text and linkify-it load on first use, which a bounce never needs (defer-modules.ts).
  deferUnusedMailparserModules();
  // Local runs share the app's .env (MAILDIAG_REGIONS, MAILDIAG_SMTP_USERS, ...); the environment wins.
  loadDotenv({ quiet: true });
  process.exitCode = await runCli(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // Stream-counted: at most MAX_INPUT_BYTES, then an InputError (exit 2).
    readStdin: async () => (await readBounded(process.stdin, 'standard input')).toString('utf8'),
  });
}
