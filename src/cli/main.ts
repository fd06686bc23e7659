#!/usr/bin/env node
import { text } from 'node:stream/consumers';
import { config as loadDotenv } from 'dotenv';
import { runCli } from './run.js';

// Local runs share the app's .env (MAILDIAG_REGIONS, MAILDIAG_SMTP_USERS, ...); the environment wins.
loadDotenv({ quiet: true });

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: () => text(process.stdin),
});
process.exitCode = exitCode;
