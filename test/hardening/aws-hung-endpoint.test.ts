/**
 * Issue 12, defect 1: an AWS endpoint that accepts connections and never answers.
 * Every request must be cut off (by the check's signal or the request timeout), the CLI must
 * exit on its own, the app must keep no socket open after its runs, clients are built once
 * per process and region, and the SDK's warnings go through pino.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newCounters } from '../../src/core/context.js';
import { AwsCallError, createAwsGateways } from '../../src/io/aws.js';
import { awsClientPool, destroyAwsClients, sdkLogger } from '../../src/io/aws-clients.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startHungEndpoint, type HungEndpoint } from '../support/hung-endpoint.js';
import { canonicalZones, SENDER_ADDRESS } from '../support/scenarios/canonical-dns.js';
import { commandFields } from '../support/slack-requests.js';
import { CHANNEL, startHarness, USER } from '../slack/harness.js';
import { BOT_CREDENTIALS } from '../support/aws-run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHECK_TIMEOUT_MS = 1_000;

let hung: HungEndpoint;
let dns: TestDnsServer;
beforeAll(async () => {
  hung = await startHungEndpoint();
  dns = await startDnsServer({ zone: canonicalZones() });
});
afterAll(async () => {
  destroyAwsClients();
  await hung.close();
  await dns.close();
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('AWS calls against an endpoint that never answers', () => {
  it('a check signal aborts the request and its socket is closed', async () => {
    const before = hung.accepted;
    const check = new AbortController();
    const aws = createAwsGateways({ endpoint: hung.url, credentials: BOT_CREDENTIALS, maxAttempts: 1, requestTimeoutMs: 60_000 }, newCounters());
    const pending = aws.withSignal(check.signal).ses('us-east-1').getAccount();
    await vitestWaitForAccepted(before + 1);
    check.abort(new Error('check timed out'));
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(Error);
    await hung.allClosed();
    expect(hung.open).toBe(0);
  });

  it('the request timeout makes the request fail (not just a warning)', async () => {
    const error = await rejectionOf(
      createAwsGateways({ endpoint: hung.url, credentials: BOT_CREDENTIALS, maxAttempts: 1, requestTimeoutMs: 200 }, newCounters()).iam.getUser(),
    );
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).kind).toBe('network');
    await hung.allClosed();
  });

  it('a memoised call shared by two checks is cancelled only when both are', async () => {
    const before = hung.accepted;
    const aws = createAwsGateways({ endpoint: hung.url, credentials: BOT_CREDENTIALS, maxAttempts: 1, requestTimeoutMs: 60_000 }, newCounters());
    const first = new AbortController();
    const second = new AbortController();
    const a = aws.withSignal(first.signal).ses('eu-west-1').getAccount();
    const b = aws.withSignal(second.signal).ses('eu-west-1').getAccount();
    await vitestWaitForAccepted(before + 1);
    first.abort(new Error('first check cancelled'));
    await rejectionOf(a);
    // One request for both, still waiting for the second check.
    expect(hung.accepted).toBe(before + 1);
    expect(hung.open).toBe(1);
    second.abort(new Error('second check cancelled'));
    await rejectionOf(b);
    await hung.allClosed();
  });

  it('clients are built once per process and region, however many runs', async () => {
    const options = { endpoint: 'http://127.0.0.1:9', credentials: BOT_CREDENTIALS, maxAttempts: 1 };
    const pool = awsClientPool(options);
    for (let run = 0; run < 5; run += 1) {
      const aws = createAwsGateways(options, newCounters());
      aws.ses('us-east-1');
      aws.ses('eu-west-1');
      void aws.iam;
    }
    expect(pool.sesv2('us-east-1')).toBe(pool.sesv2('us-east-1'));
    expect(pool.size).toBe(3);
  });

  it("the SDK's per-command log middleware runs only when its debug line is written", () => {
    const quiet = awsClientPool({ endpoint: 'http://127.0.0.1:9/info', credentials: BOT_CREDENTIALS, logger: pino({ level: 'info' }) });
    const verbose = awsClientPool({ endpoint: 'http://127.0.0.1:9/debug', credentials: BOT_CREDENTIALS, logger: pino({ level: 'debug' }) });
    const hasLogger = (stack: { identify(): string[] }) => stack.identify().some((entry) => entry.startsWith('loggerMiddleware'));
    expect(hasLogger(quiet.sesv2('us-east-1').middlewareStack)).toBe(false);
    expect(hasLogger(quiet.iam().middlewareStack)).toBe(false);
    expect(hasLogger(verbose.sesv2('us-east-1').middlewareStack)).toBe(true);
    expect(hasLogger(verbose.iam().middlewareStack)).toBe(true);
  });

  it("the SDK's log lines go through pino, without request or response bodies", () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const logger = sdkLogger(log);
    logger.warn('@smithy/node-http-handler - [WARN] a request has exceeded the configured 10 ms requestTimeout.');
    logger.info({ clientName: 'IAMClient', commandName: 'CreateAccessKeyCommand', input: { UserName: 'u' }, output: { AccessKey: { SecretAccessKey: 'very-secret' } } });
    expect(lines.map((l) => [l.level, l.component])).toEqual([
      [40, 'aws-sdk'],
      [20, 'aws-sdk'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('very-secret');
    expect(lines[1]?.commandName).toBe('CreateAccessKeyCommand');
  });
});

/** Waits for the hung endpoint to have accepted `count` connections. */
async function vitestWaitForAccepted(count: number): Promise<void> {
  await vi.waitFor(() => {
    if (hung.accepted < count) throw new Error(`accepted ${hung.accepted} of ${count}`);
  });
}

describe('the CLI against a hung AWS endpoint', () => {
  it('prints its report and exits by itself; SDK warnings are pino lines', async () => {
    const child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'src/cli/main.ts'), SENDER_ADDRESS, '--layers', 'relay,ses,suppression', '--dns-server', dns.address, '--aws-endpoint', hung.url],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: '/nonexistent-maildiag-test-home',
          MAILDIAG_AWS: 'on',
          AWS_ACCESS_KEY_ID: BOT_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: BOT_CREDENTIALS.secretAccessKey,
          MAILDIAG_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
          MAILDIAG_SMTP_USERS: 'smtp-relay',
          // The relay layer's SMTP probe goes to the hung peer too (never to the internet).
          MAILDIAG_SMTP_ENDPOINT: new URL(hung.url).host,
          MAILDIAG_SMTP_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // A hang guard, not a timing assertion: before the fix the CLI never exited at all.
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(guard);
    expect(signal, `the CLI did not exit by itself\nstdout:\n${stdout}\nstderr:\n${stderr}`).toBeNull();
    expect(code).toBe(1);
    expect(stdout).toContain(`did not finish within ${CHECK_TIMEOUT_MS} ms`);
    // Nothing on stderr but pino JSON lines (no raw "[WARN]" from the SDK).
    for (const line of stderr.split('\n').filter((l) => l.trim() !== '')) expect(() => JSON.parse(line), line).not.toThrow();
    await hung.allClosed();
  });
});

describe('the app against a hung AWS endpoint', () => {
  it('keeps no socket open after five runs', async () => {
    const h = await startHarness({ aws: hung, env: { MAILDIAG_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS), MAILDIAG_SMTP_USERS: 'smtp-relay', MAILDIAG_SMTP_ENDPOINT: new URL(hung.url).host, MAILDIAG_SMTP_TIMEOUT_MS: String(CHECK_TIMEOUT_MS) } });
    try {
      const before = hung.accepted;
      for (let run = 0; run < 5; run += 1) {
        const finished = h.nextRun();
        const ack = await h.requests.command(commandFields({ text: SENDER_ADDRESS, channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl(`cmd${run}`) }));
        expect(ack.status).toBe(200);
        const { report } = await finished;
        expect(report.findings.some((f) => f.status === 'error' && f.summary.includes(`did not finish within ${CHECK_TIMEOUT_MS} ms`))).toBe(true);
      }
      expect(hung.accepted).toBeGreaterThan(before);
      await hung.allClosed();
      expect(hung.open).toBe(0);
    } finally {
      await h.close();
    }
  });
});
