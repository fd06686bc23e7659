/**
 * The approval flow end to end: the real Bolt app (HTTP receiver, signed requests), the
 * fake Slack Web API, the loopback AWS endpoint (SESv2, IAM, STS, Secrets Manager) through
 * the real SDK clients, a real SMTP server that accepts exactly the SMTP passwords derived
 * from the scenario's active IAM keys, and the SQLite store in a temporary file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemediationRequest } from '../../../src/core/finding.js';
import type { Clock } from '../../../src/core/ports.js';
import { parseTargetText } from '../../../src/core/target.js';
import { createAwsGateways } from '../../../src/io/aws.js';
import type { Metrics } from '../../../src/metrics.js';
import { createRemediationGateways } from '../../../src/io/aws-remediation.js';
import { createSmtpCredentialTester } from '../../../src/io/smtp-credential-tester.js';
import { createSmtpProber } from '../../../src/io/smtp-probe.js';
import { deriveSmtpPassword } from '../../../src/knowledge/smtp-password.js';
import type { RemediationOffer } from '../../../src/remediation/offers.js';
import { createLayerRechecker } from '../../../src/remediation/recheck.js';
import { type RemediationStore, openSqliteStore } from '../../../src/remediation/store.js';
import { buttonClickPayload } from '../../support/slack-requests.js';
import { approvalFactory } from '../../../src/slack/approval-adapters.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../../../src/slack/render/approval.js';
import { createServices } from '../../../src/compose.js';
import { loadEngineConfig } from '../../../src/config.js';
import { type AwsScenario, SCENARIO_NOW, SMTP_USER, type TestAwsEndpoint, canonicalScenario, startAwsEndpoint } from '../../support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../../support/aws-run.js';
import { type TestSmtpServer, startSmtpServer } from '../../support/smtp-server.js';
import { CHANNEL, type Harness, startHarness } from '../../slack/harness.js';

export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';
export const SECOND_APPROVER = 'U0APPROVER2';
export const GROUP = 'S0OPS';
export const GROUP_MEMBER = 'U0ONCALL';
export const OUTSIDER = 'U0OUTSIDER';
export const THREAD_TS = '1700000000.000001';
export const ROLE_ARN = 'arn:aws:iam::111122223333:role/maildiag-remediation';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:maildiag/smtp';

export interface ApprovalWorld {
  aws: TestAwsEndpoint;
  smtp: TestSmtpServer;
  dbPath: string;
  dir: string;
  clock: Clock & { set(date: Date): void; advanceHours(hours: number): void };
  /** How many SMTP AUTH attempts to refuse before the derived passwords start to work (IAM propagation). */
  propagation: { refuseFirst: number; refuseAlways: boolean };
  close(): Promise<void>;
}

export async function startWorld(scenario: AwsScenario = canonicalScenario()): Promise<ApprovalWorld> {
  const aws = await startAwsEndpoint(scenario);
  const propagation = { refuseFirst: 0, refuseAlways: false };
  let authAttempts = 0;
  const smtp = await startSmtpServer({
    // Like SES: any active key of the account whose derived password for the region matches.
    verifyCredential(username, password) {
      authAttempts += 1;
      if (propagation.refuseAlways || authAttempts <= propagation.refuseFirst) return false;
      return Object.values(aws.scenario.iamUsers).some((user) =>
        user.keys.some((k) => k.accessKeyId === username && k.status === 'Active' && deriveSmtpPassword(k.secretAccessKey, 'us-east-1') === password),
      );
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'maildiag-approval-'));
  let now = SCENARIO_NOW;
  return {
    aws,
    smtp,
    dir,
    dbPath: join(dir, 'data', 'maildiag.db'),
    propagation,
    clock: {
      now: () => now,
      set: (date) => {
        now = date;
      },
      advanceHours: (hours) => {
        now = new Date(now.getTime() + hours * 3_600_000);
      },
    },
    async close() {
      await smtp.close();
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AppOptions {
  approvers?: string;
  selfApproveSuppression?: boolean;
  roleArn?: string;
  secretArn?: string;
  smtpAttempts?: number;
  /** Counts diagnoses, Slack calls and approval events (test/metrics). */
  metrics?: Metrics;
  /** Run diagnoses against the world's AWS endpoint too (default: no AWS for diagnoses). */
  diagnoseWithAws?: boolean;
  /** Offer lifetime (MAILDIAG_OFFER_TTL_HOURS); the product default when absent. */
  offerTtlHours?: number;
}

export interface ApprovalApp {
  harness: Harness;
  store: RemediationStore;
  /** Every pino line, raw, for the secret search. */
  logText(): string;
  offer(request: RemediationRequest, overrides?: Partial<RemediationOffer>): Promise<RemediationOffer>;
  click(input: { actionId: string; value: string; user: string; messageTs?: string; triggerId?: string }): Promise<void>;
  requestFix(offerId: string, user?: string): Promise<void>;
  approve(requestId: string, user: string, triggerId?: string): Promise<void>;
  reject(requestId: string, user: string): Promise<void>;
  /** Resolves once the listener finished handling a decision of `user` on `requestId`. */
  decisionHandled(requestId: string, user: string, nth?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startApprovalApp(world: ApprovalWorld, options: AppOptions = {}): Promise<ApprovalApp> {
  const store = openSqliteStore({ path: world.dbPath, now: world.clock.now });
  const awsOptions = { endpoint: world.aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 };
  const prober = createSmtpProber({ tls: { ca: world.smtp.ca } });
  const harness = await startHarness({
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.diagnoseWithAws ? { aws: world.aws } : {}),
    env: {
      MAILDIAG_APPROVERS: options.approvers ?? `${APPROVER},${SECOND_APPROVER},${GROUP}`,
      MAILDIAG_SELF_APPROVE_SUPPRESSION: options.selfApproveSuppression ? 'true' : 'false',
      MAILDIAG_DB: world.dbPath,
    },
    deps: {
      approval: (client, log) => {
        const engine = loadEngineConfig({ MAILDIAG_AWS: 'on', MAILDIAG_SMTP_USERS: SMTP_USER, MAILDIAG_DNS_SERVERS: '127.0.0.1:9' });
        const services = {
          ...createServices(engine, log),
          aws: (counters: Parameters<typeof createAwsGateways>[1], signal: AbortSignal) => createAwsGateways(awsOptions, counters, signal),
          smtp: undefined,
          clock: world.clock,
        };
        return approvalFactory({
          store,
          policy: {
            approvers: (options.approvers ?? `${APPROVER},${SECOND_APPROVER},${GROUP}`).split(',').filter((a) => a !== ''),
            selfApproveSuppression: options.selfApproveSuppression ?? false,
            ttlHours: 24,
            ...(options.offerTtlHours ? { offerTtlHours: options.offerTtlHours } : {}),
          },
          gateways: createRemediationGateways({ ...awsOptions, ...(options.roleArn ? { roleArn: options.roleArn } : {}) }),
          smtp: {
            tester: createSmtpCredentialTester({ prober, tls: { ca: world.smtp.ca } }),
            endpointFor: () => ({ host: world.smtp.host, port: world.smtp.port }),
            attempts: options.smtpAttempts ?? 4,
            initialDelayMs: 5_000,
            maxDelayMs: 60_000,
            // Retries wait on an injected delay: instant here, real in production.
            delay: async () => undefined,
          },
          secretArn: options.secretArn,
          recheckLayers: createLayerRechecker(services),
          clock: world.clock,
          ...(options.metrics ? { metrics: options.metrics } : {}),
        })(client, log);
      },
    },
  });
  const h = harness;
  h.slack.setUserGroup(GROUP, [GROUP_MEMBER]);

  let clicks = 0;
  const click: ApprovalApp['click'] = async ({ actionId, value, user, messageTs, triggerId }) => {
    clicks += 1;
    const ts = messageTs ?? `1700000001.${String(clicks).padStart(6, '0')}`;
    const response = await h.requests.interactive(
      buttonClickPayload({
        user,
        channel: CHANNEL,
        messageTs: ts,
        threadTs: THREAD_TS,
        actionId,
        value,
        triggerId: triggerId ?? `trigger-${clicks}`,
        responseUrl: h.slack.responseUrl(`click-${clicks}`),
      }),
    );
    if (response.status !== 200) throw new Error(`click answered ${response.status}`);
  };
  const decisionHandled: ApprovalApp['decisionHandled'] = async (requestId, user, nth = 1) => {
    await h.logs.waitFor(
      (line) => line.msg === 'approval decision handled' && line.requestId === requestId && line.user === user && countBefore(line) >= nth,
      `decision ${nth} of ${user} on ${requestId}`,
    );
    function countBefore(line: Record<string, unknown>): number {
      return h.logs.lines.filter((l) => l.msg === 'approval decision handled' && l.requestId === requestId && l.user === user && h.logs.lines.indexOf(l) <= h.logs.lines.indexOf(line as never)).length;
    }
  };
  return {
    harness: h,
    store,
    logText: () => h.logs.raw.join(''),
    offer: (request, overrides = {}) =>
      store.save({
        runId: 'run-canonical',
        findingId: request.kind === 'remove-suppression' ? `suppression.listed:${request.email}` : 'relay.credential',
        request,
        channel: CHANNEL,
        threadTs: THREAD_TS,
        offeredTo: REQUESTER,
        target: parseTargetText('admin@customer.example to=alice@recipient.example'),
        warnings: [],
        ...overrides,
      }),
    click,
    requestFix: async (offerId, user = REQUESTER) => {
      const before = h.logs.lines.length;
      await click({ actionId: 'maildiag.request_fix', value: offerId, user });
      await h.logs.waitFor((line) => h.logs.lines.indexOf(line) >= before && (line.msg === 'approval request posted' || line.msg === 'remediation request refused'), 'request handled');
    },
    approve: async (requestId, user, triggerId) => {
      await click({ actionId: APPROVE_ACTION, value: requestId, user, ...(triggerId ? { triggerId } : {}) });
      await decisionHandled(requestId, user);
    },
    reject: async (requestId, user) => {
      await click({ actionId: REJECT_ACTION, value: requestId, user });
      await decisionHandled(requestId, user);
    },
    decisionHandled,
    async close() {
      await h.close();
      await store.shutdown();
    },
  };
}
