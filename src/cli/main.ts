#!/usr/bin/env node
import { text } from 'node:stream/consumers';
import { runCli } from './run.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: () => text(process.stdin),
});
process.exitCode = exitCode;
