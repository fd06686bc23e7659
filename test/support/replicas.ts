/**
 * Several built app processes (`node dist/index.js`, HTTP receiver, each on its own port)
 * sharing one PostgreSQL database, with the loopback peers every replica talks to: the AWS
 * endpoint (canonical scenario), the DNS server, an SMTP server for credential verification,
 * and the fake Slack Web API. The app connects as a least-privileged role (`maildiag_app`,
 * granted by src/store/postgres/grants.ts); the schema (the remediation store's and the
 * watch's, as `npm run db:migrate` does) is migrated by the owner first.
 *
 * Replica logs (pino JSON on stdout) are parsed as they arrive; tests wait for lines, never sleep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { deriveSmtpPassword } from '../../src/knowledge/smtp-password.js';
import type { RemediationRequest } from '../../src/core/finding.js';
import type { RemediationOffer } from '../../src/remediation/offers.js';
import { appRoleGrants } from '../../src/store/postgres/grants.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { parseDatabaseUrl } from '../../src/store/postgres/url.js';
import { migrateWatchSchema } from '../../src/watch/store-postgres.js';
import { APPROVE_ACTION } from '../../src/slack/render/approval.js';
import { REQUEST_FIX_ACTION } from '../../src/slack/ids.js';
import { type AwsScenario, canonicalScenario, startAwsEndpoint, type TestAwsEndpoint } from './aws-endpoint.js';
import { BOT_CREDENTIALS } from './aws-run.js';
import { startDnsServer, type TestDnsServer } from './dns-server.js';
import { freePort, type TestPostgres } from './postgres.js';
import { canonicalZones } from './scenarios/canonical-dns.js';
import { type FakeSlackApi, startFakeSlackApi } from './slack-api.js';
import { buttonClickPayload, createSlackRequester, type SlackRequester } from './slack-requests.js';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const APP = join(ROOT, 'dist', 'index.js');

export const SIGNING_SECRET = 'replica-signing-secret-0c1d2e3f';
export const BOT_TOKEN = 'xoxb-1111111111-2222222222-ReplicaBotTokenValue';
export const CHANNEL = 'C0SUPPORT';
export const THREAD_TS = '1700000000.000001';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';
export const SECOND_APPROVER = 'U0APPROVER2';
export const APP_ROLE = 'maildiag_app';

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  requests: SlackRequester;
  lines: LogLine[];
  stderr(): string;
  waitFor(predicate: (line: LogLine) => boolean, description: string, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export interface ReplicaWorld {
  pg: TestPostgres;
  database: string;
  aws: TestAwsEndpoint;
  dns: TestDnsServer;
  smtp: TestSmtpServer;
  slack: FakeSlackApi;
  /** The owner's store (migrations, fixtures, reading state). */
  owner: PostgresStore;
  /** MAILDIAG_DATABASE_URL of the app's least-privileged role. */
  appUrl: string;
  appPassword: string;
  /** SMTP AUTH refused while true (IAM propagation that never ends: verification keeps retrying). */
  smtp_refuse: { always: boolean };
  replicas: Replica[];
  startReplica(name: string, env?: Record<string, string>): Promise<Replica>;
  offer(request: RemediationRequest): Promise<RemediationOffer>;
  click(replica: Replica, input: { actionId: string; value: string; user: string }): Promise<void>;
  requestFix(replica: Replica, offerId: string): Promise<string>;
  close(): Promise<void>;
}

let clicks = 0;

export async function startReplicaWorld(server: TestPostgres, scenario: AwsScenario = canonicalScenario()): Promise<ReplicaWorld> {
  const database = await server.createDatabase('replicas');
  const owner = await openPostgresStore({ settings: parseDatabaseUrl(server.url(database)) });
  await migrateWatchSchema(owner.pool);
  const appPassword = `app-${Math.random().toString(36).slice(2)}-SECRETPW`;
  // One role per cluster; each test database gets the grants.
  const exists = await server.admin('postgres', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
  if (exists.rowCount === 0) await server.admin('postgres', `CREATE ROLE ${APP_ROLE} LOGIN`);
  await server.admin('postgres', `ALTER ROLE ${APP_ROLE} PASSWORD '${appPassword}'`);
  await server.admin(database, appRoleGrants(APP_ROLE, database));
  const appUrl = server.url(database, { name: APP_ROLE, password: appPassword });

  const aws = await startAwsEndpoint(scenario);
  const dns = await startDnsServer({ zone: canonicalZones() });
  const refuse = { always: false };
  const smtp = await startSmtpServer({
    verifyCredential: (username, password) =>
      !refuse.always &&
      Object.values(aws.scenario.iamUsers).some((user) =>
        user.keys.some((k) => k.accessKeyId === username && k.status === 'Active' && deriveSmtpPassword(k.secretAccessKey, 'us-east-1') === password),
      ),
  });
  const slack = await startFakeSlackApi();
  const dir = mkdtempSync(join(tmpdir(), 'maildiag-replicas-'));
  const caPath = join(dir, 'smtp-ca.pem');
  writeFileSync(caPath, smtp.ca);
  const replicas: Replica[] = [];

  const startReplica = async (name: string, extra: Record<string, string> = {}): Promise<Replica> => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: '/nonexistent-maildiag-test-home',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_USER_ID: 'U0BOT',
      SLACK_BOT_ID: 'B0BOT',
      PORT: String(await freePort()),
      MAILDIAG_APPROVERS: `${APPROVER},${SECOND_APPROVER}`,
      MAILDIAG_DATABASE_URL: appUrl,
      MAILDIAG_DATABASE_POOL_SIZE: '4',
      MAILDIAG_EXECUTION_LEASE_SECONDS: '2',
      MAILDIAG_AWS: 'on',
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: BOT_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BOT_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      MAILDIAG_SMTP_USERS: 'ses-smtp-user.gmail',
      MAILDIAG_DNS_SERVERS: dns.address,
      MAILDIAG_SMTP_ENDPOINT: `${smtp.host}:${smtp.port}`,
      MAILDIAG_SMTP_CA: caPath,
      LOG_LEVEL: 'debug',
      ...extra,
    };
    // cwd: an empty directory, so no developer .env is read.
    const child = spawn(process.execPath, [APP], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: LogLine[] = [];
    const events = new EventEmitter();
    let buffer = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let index = buffer.indexOf('\n');
      while (index >= 0) {
        const text = buffer.slice(0, index);
        buffer = buffer.slice(index + 1);
        index = buffer.indexOf('\n');
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        events.emit('line', line);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    const waitFor = (predicate: (line: LogLine) => boolean, description: string, timeoutMs = 15_000): Promise<LogLine> => {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onLine = (line: LogLine): void => {
          if (!predicate(line)) return;
          done();
          resolve(line);
        };
        const onExit = (): void => {
          done();
          reject(new Error(`replica ${name} exited while waiting for ${description}: ${stderr}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`replica ${name}: timed out waiting for ${description}; last lines: ${lines.slice(-5).map((l) => l.msg).join(' | ')}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          events.off('line', onLine);
          child.off('exit', onExit);
        };
        events.on('line', onLine);
        child.once('exit', onExit);
      });
    };
    const started = await waitFor((line) => line.msg === 'maildiag started', `${name} to start`, 30_000);
    const port = Number(started.port);
    const replica: Replica = {
      name,
      port,
      child,
      requests: createSlackRequester({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET }),
      lines,
      stderr: () => stderr,
      waitFor,
      exited,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
    replicas.push(replica);
    return replica;
  };

  const click: ReplicaWorld['click'] = async (replica, { actionId, value, user }) => {
    clicks += 1;
    const response = await replica.requests.interactive(
      buttonClickPayload({
        user,
        channel: CHANNEL,
        messageTs: `1700000001.${String(clicks).padStart(6, '0')}`,
        threadTs: THREAD_TS,
        actionId,
        value,
        triggerId: `trigger-${clicks}`,
        responseUrl: slack.responseUrl(`click-${clicks}`),
      }),
    );
    if (response.status !== 200) throw new Error(`click on ${replica.name} answered ${response.status}`);
  };

  return {
    pg: server,
    database,
    aws,
    dns,
    smtp,
    slack,
    owner,
    appUrl,
    appPassword,
    smtp_refuse: refuse,
    replicas,
    startReplica,
    offer: (request) =>
      owner.save({
        runId: 'run-replicas',
        findingId: request.kind === 'remove-suppression' ? `suppression.listed:${request.email}` : 'relay.credential',
        request,
        channel: CHANNEL,
        threadTs: THREAD_TS,
        offeredTo: REQUESTER,
        warnings: [],
      }),
    click,
    async requestFix(replica, offerId) {
      const before = replica.lines.length;
      await click(replica, { actionId: REQUEST_FIX_ACTION, value: offerId, user: REQUESTER });
      await replica.waitFor((line) => replica.lines.indexOf(line) >= before && line.msg === 'approval request posted', `request posted on ${replica.name}`);
      const [request] = await owner.listByOffer(offerId);
      if (!request) throw new Error('no request stored for the offer');
      return request.id;
    },
    async close() {
      for (const replica of replicas) {
        if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGKILL');
        await replica.exited;
      }
      await owner.shutdown();
      await slack.close();
      await smtp.close();
      await dns.close();
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A connection as the app's role (to prove what that role may not do). */
export async function connectAsApp(world: ReplicaWorld): Promise<pg.Client> {
  const settings = parseDatabaseUrl(world.appUrl);
  const client = new pg.Client({ host: settings.host, port: settings.port, user: settings.user, password: settings.password, database: settings.database });
  await client.connect();
  return client;
}

export { APPROVE_ACTION };
