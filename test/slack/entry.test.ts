/**
 * src/index.ts as a process: configuration errors stop it with a message naming the
 * variable; a valid configuration serves /healthz and SIGTERM shuts it down cleanly.
 * The child gets a scrubbed environment and a temporary cwd (no stray .env is read).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackApp } from '../../src/slack/app.js';
import { loadAppConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createMemoryOfferStore } from '../../src/remediation/offers.js';
import { createServices } from '../../src/compose.js';
import { SECRETS } from './harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const entry = join(root, 'src/index.ts');

function startEntry(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null>; waitFor(text: string): Promise<void> } {
  const child = spawn(tsx, [entry], { cwd: mkdtempSync(join(tmpdir(), 'maildiag-entry-')), env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const waiter of waiters.filter((w) => output.includes(w.text))) waiter.resolve();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then((code) => reject(new Error(`exited with ${code} before printing '${text}':\n${output}`)));
      }),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('src/index.ts', () => {
  let running: ChildProcess | undefined;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
    running = undefined;
  });

  it('stops with a message naming a missing or malformed variable, without echoing values', async () => {
    const missing = startEntry({ SLACK_SIGNING_SECRET: SECRETS.signingSecret });
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toContain('SLACK_BOT_TOKEN is required');

    const malformed = startEntry({ SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot-token', SLACK_SIGNING_SECRET: SECRETS.signingSecret, PORT: 'eighty' });
    expect(await malformed.exited).toBe(1);
    expect(malformed.output()).toContain('SLACK_BOT_TOKEN must be a bot token');
    expect(malformed.output()).toContain('PORT must be a positive whole number');
    expect(malformed.output()).not.toContain('xoxp-user-token-not-a-bot-token');
  });

  it('serves /healthz on the HTTP receiver and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const app = startEntry({
      SLACK_BOT_TOKEN: SECRETS.botToken,
      SLACK_SIGNING_SECRET: SECRETS.signingSecret,
      SLACK_BOT_USER_ID: 'U0BOT',
      SLACK_BOT_ID: 'B0BOT',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      MAILDIAG_AWS: 'off',
      PORT: String(port),
    });
    running = app.child;
    await app.waitFor('maildiag started');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# TYPE maildiag_diagnoses_total counter$/m);
    expect(app.output()).toContain('MAILDIAG_ALLOWED_CHANNELS is unset');
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('slack app stopped');
    expect(app.output()).not.toContain(SECRETS.botToken);
    expect(app.output()).not.toContain(SECRETS.signingSecret);
  });
});

describe('MAILDIAG_METRICS_PORT', () => {
  it('moves GET /metrics to its own listener and off the receiver', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const app = startEntry({
      SLACK_BOT_TOKEN: SECRETS.botToken,
      SLACK_SIGNING_SECRET: SECRETS.signingSecret,
      SLACK_BOT_USER_ID: 'U0BOT',
      SLACK_BOT_ID: 'B0BOT',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      MAILDIAG_AWS: 'off',
      MAILDIAG_ALLOWED_CHANNELS: 'C0SUPPORT',
      PORT: String(port),
      MAILDIAG_METRICS_PORT: String(metricsPort),
    });
    try {
      await app.waitFor('maildiag started');
      expect(app.output()).toContain(`"metricsPort":${metricsPort}`);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });
});

describe('receiver choice', () => {
  it('uses Socket Mode when SLACK_APP_TOKEN is set, and needs no signing secret then', () => {
    const config = loadAppConfig({ SLACK_BOT_TOKEN: SECRETS.botToken, SLACK_APP_TOKEN: SECRETS.appToken, SLACK_BOT_USER_ID: 'U0BOT', SLACK_BOT_ID: 'B0BOT', MAILDIAG_AWS: 'off' });
    const log = createLogger({ level: 'silent' });
    const handle = createSlackApp(config, { services: createServices(config, log), offers: createMemoryOfferStore(), log });
    expect(handle.mode).toBe('socket');
  });
});
