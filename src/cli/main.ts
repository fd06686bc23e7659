#!/usr/bin/env node
import { config as loadDotenv } from 'dotenv';
import { readBounded } from './bounded-read.js';
import { runCli } from './run.js';

// Local runs share the app's .env (MAILDIAG_REGIONS, MAILDIAG_SMTP_USERS, ...); the environment wins.
loadDotenv({ quiet: true });

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  // Stream-counted: at most MAX_INPUT_BYTES, then an InputError (exit 2).
  readStdin: async () => (await readBounded(process.stdin, 'standard input')).toString('utf8'),
});
process.exitCode = exitCode;
