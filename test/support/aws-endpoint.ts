/**
 * A loopback HTTP endpoint speaking just enough SESv2 (REST-JSON), IAM and STS (Query, XML)
 * and Secrets Manager (JSON 1.1) for the real AWS SDK v3 clients pointed at it with an
 * endpoint override. Scenario state is a plain mutable object; faults (AccessDenied,
 * throttling, a disabled region, latency) are injectable; every call is logged so tests
 * can assert exact call counts.
 *
 * Request shapes were taken from what the SDK actually sends (printed against a catch-all
 * server): the service and region come from the SigV4 credential scope, IAM/STS bodies are
 * form-encoded `Action=...`, Secrets Manager uses `X-Amz-Target: secretsmanager.<Op>`.
 * Facts the SDK enforces: SESv2 timestamps are epoch seconds; IAM XML needs the
 * `<XResult>` wrapper or the SDK silently returns `{}`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createSqsSim, type SqsSimWithWait } from './aws-sqs.js';

// ---------- scenario state ----------

export interface AccountState {
  productionAccessEnabled: boolean;
  sendingEnabled: boolean;
  enforcementStatus: 'HEALTHY' | 'PROBATION' | 'SHUTDOWN';
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
  suppressedReasons: string[];
  vdmEnabled: boolean;
}

export interface IdentityState {
  type: 'EMAIL_ADDRESS' | 'DOMAIN';
  verifiedForSending: boolean;
  verificationStatus: 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE' | 'NOT_STARTED';
  dkim?: {
    signingEnabled: boolean;
    status: 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE' | 'NOT_STARTED';
    tokens: string[];
    signingHostedZone: string;
    origin: string;
  };
  mailFrom?: { domain: string; status: 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE'; behaviorOnMxFailure: 'USE_DEFAULT_VALUE' | 'REJECT_MESSAGE' };
}

export interface SuppressedState {
  reason: 'BOUNCE' | 'COMPLAINT';
  lastUpdateTime: Date;
  messageId?: string;
  feedbackId?: string;
}

export interface InsightState {
  fromEmailAddress: string;
  subject: string;
  destinations: Array<{
    destination: string;
    isp: string;
    events: Array<{
      timestamp: Date;
      type: string;
      bounce?: { bounceType: string; bounceSubType: string; diagnosticCode: string };
      complaint?: { complaintFeedbackType: string; complaintSubType?: string };
    }>;
  }>;
}

export interface RecommendationState {
  resourceArn: string;
  type: string;
  description: string;
  status: 'OPEN' | 'FIXED';
  impact: 'LOW' | 'HIGH';
  createdTimestamp: Date;
}

export interface RegionState {
  account: AccountState;
  identities: Record<string, IdentityState>;
  suppressed: Record<string, SuppressedState>;
  insights: Record<string, InsightState>;
  recommendations: RecommendationState[];
}

export interface KeyState {
  accessKeyId: string;
  secretAccessKey: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
  lastUsed?: { date: Date; serviceName: string; region: string };
}

export interface IamUserState {
  userId: string;
  createDate: Date;
  keys: KeyState[];
  /** Outcome of SimulatePrincipalPolicy for ses:SendRawEmail / ses:SendEmail. */
  sendDecision: 'allowed' | 'implicitDeny' | 'explicitDeny';
}

export interface Faults {
  /** AccessDenied on every operation (true) or on the named operations. */
  accessDenied: boolean | string[];
  /** Throttle the next N calls of each named operation. */
  throttle: Record<string, number>;
  /** Regions that are not enabled for the account (opt-in regions): 403 UnrecognizedClientException. */
  disabledRegions: string[];
  /** Delay before every answer (benchmarks); never used for synchronisation. */
  latencyMs: number;
}

export interface AwsScenario {
  accountId: string;
  /** The bot's own IAM user (GetUser without a name). */
  callerUserName: string;
  regions: Record<string, RegionState>;
  iamUsers: Record<string, IamUserState>;
  /** How IAM answers GetAccessKeyLastUsed for a key that does not exist (both are reported). */
  missingKeyAnswer: 'NoSuchEntity' | 'AccessDenied';
  secrets: Record<string, { secretString: string; versions: number }>;
  faults: Faults;
}

export interface RecordedCall {
  service: 'ses' | 'iam' | 'sts' | 'secretsmanager' | 'sqs';
  operation: string;
  region: string;
  params: Record<string, unknown>;
  /** performance.now() when the request arrived and when the answer was sent (benchmark timelines). */
  start?: number;
  end?: number;
  /** The response body as sent (benchmarks infer which later call an answer led to). */
  responseText?: string;
}

// ---------- scenario presets ----------

export const CUSTOMER_DOMAIN = 'customer.example';
export const SENDER = `admin@${CUSTOMER_DOMAIN}`;
export const RECIPIENT = 'alice@recipient.example';
export const ACCOUNT_ID = '111122223333';
export const SMTP_USER = 'ses-smtp-user.gmail';
/** The key Gmail still uses: rotated away, it no longer exists. */
export const ROTATED_KEY_ID = 'AKIAROTATEDAWAY00001';
export const CURRENT_KEY_ID = 'AKIACURRENTKEY000002';
/** Test-only secrets: well-formed but fake. */
export const CURRENT_KEY_SECRET = 'tEsTsEcReT/CurrentKeyOnlyForLoopback0000';
export const BOUNCE_MESSAGE_ID = '0100018f3c2a1b2c-7d8e9f00-1111-2222-3333-444455556666-000000';
export const EXO_DIAGNOSTIC = 'smtp; 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]';
export const DKIM_TOKENS = ['abcdefghijklmnopqrstuvwxyz234567', 'bcdefghijklmnopqrstuvwxyz2345672', 'cdefghijklmnopqrstuvwxyz23456723'];
export const MAIL_FROM_DOMAIN = `bounce.${CUSTOMER_DOMAIN}`;

const DAY = 86_400_000;
/** Fixed "now" of the presets, so ages are stable. */
export const SCENARIO_NOW = new Date('2026-03-02T12:00:00Z');
const daysAgo = (days: number): Date => new Date(SCENARIO_NOW.getTime() - days * DAY);

export function healthyAccount(overrides: Partial<AccountState> = {}): AccountState {
  return {
    productionAccessEnabled: true,
    sendingEnabled: true,
    enforcementStatus: 'HEALTHY',
    max24HourSend: 50_000,
    maxSendRate: 14,
    sentLast24Hours: 1_200,
    suppressedReasons: ['BOUNCE', 'COMPLAINT'],
    vdmEnabled: true,
    ...overrides,
  };
}

export function verifiedDomainIdentity(domain = CUSTOMER_DOMAIN): IdentityState {
  return {
    type: 'DOMAIN',
    verifiedForSending: true,
    verificationStatus: 'SUCCESS',
    dkim: { signingEnabled: true, status: 'SUCCESS', tokens: [...DKIM_TOKENS], signingHostedZone: 'dkim.amazonses.com', origin: 'AWS_SES' },
    mailFrom: { domain: `bounce.${domain}`, status: 'SUCCESS', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
  };
}

export function emptyRegion(account: AccountState = healthyAccount()): RegionState {
  return { account, identities: {}, suppressed: {}, insights: {}, recommendations: [] };
}

function noFaults(): Faults {
  return { accessDenied: false, throttle: {}, disabledRegions: [], latencyMs: 0 };
}

/** Healthy account and identity; the SMTP user's only key is active and used in us-east-1. */
export function healthyScenario(): AwsScenario {
  const region = emptyRegion();
  region.identities[CUSTOMER_DOMAIN] = verifiedDomainIdentity();
  return {
    accountId: ACCOUNT_ID,
    callerUserName: 'maildiag-bot',
    regions: { 'us-east-1': region },
    iamUsers: {
      [SMTP_USER]: {
        userId: 'AIDAEXAMPLEUSER00001',
        createDate: daysAgo(400),
        keys: [
          {
            accessKeyId: CURRENT_KEY_ID,
            secretAccessKey: CURRENT_KEY_SECRET,
            status: 'Active',
            createDate: daysAgo(30),
            lastUsed: { date: daysAgo(0.1), serviceName: 'ses', region: 'us-east-1' },
          },
        ],
        sendDecision: 'allowed',
      },
      'maildiag-bot': { userId: 'AIDAEXAMPLEBOT000001', createDate: daysAgo(100), keys: [], sendDecision: 'implicitDeny' },
    },
    missingKeyAnswer: 'NoSuchEntity',
    secrets: {},
    faults: noFaults(),
  };
}

/**
 * The canonical two-layer failure: Gmail relays with ROTATED_KEY_ID, which no longer exists;
 * alice is suppressed (BOUNCE) after Exchange Online's 5.4.1 AS(201806281); identity healthy.
 */
export function canonicalScenario(): AwsScenario {
  const scenario = healthyScenario();
  const user = scenario.iamUsers[SMTP_USER]!;
  // The current key was made at the rotation and never used: Gmail still has the old password.
  user.keys = [{ accessKeyId: CURRENT_KEY_ID, secretAccessKey: CURRENT_KEY_SECRET, status: 'Active', createDate: daysAgo(6) }];
  const region = scenario.regions['us-east-1']!;
  region.suppressed[RECIPIENT] = { reason: 'BOUNCE', lastUpdateTime: daysAgo(9), messageId: BOUNCE_MESSAGE_ID };
  region.insights[BOUNCE_MESSAGE_ID] = {
    fromEmailAddress: SENDER,
    subject: 'Invoice 2026-02',
    destinations: [
      {
        destination: RECIPIENT,
        isp: 'Microsoft',
        events: [
          { timestamp: daysAgo(9), type: 'SEND' },
          { timestamp: daysAgo(9), type: 'BOUNCE', bounce: { bounceType: 'PERMANENT', bounceSubType: 'General', diagnosticCode: EXO_DIAGNOSTIC } },
        ],
      },
    ],
  };
  return scenario;
}

/** The account is in the sandbox in us-east-1: unverified recipients are rejected. */
export function sandboxScenario(): AwsScenario {
  const scenario = healthyScenario();
  scenario.regions['us-east-1']!.account = healthyAccount({ productionAccessEnabled: false, max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 190, vdmEnabled: false });
  return scenario;
}

/** The domain is verified in eu-west-1 only; the relay sends through us-east-1. */
export function otherRegionScenario(): AwsScenario {
  const scenario = healthyScenario();
  const eu = emptyRegion();
  eu.identities[CUSTOMER_DOMAIN] = verifiedDomainIdentity();
  scenario.regions['us-east-1']!.identities = {};
  scenario.regions['eu-west-1'] = eu;
  return scenario;
}

/** Only the suppression: alice is listed with insights; the relay key is healthy. */
export function suppressedWithInsightsScenario(): AwsScenario {
  const scenario = healthyScenario();
  const canonical = canonicalScenario();
  const region = scenario.regions['us-east-1']!;
  region.suppressed = canonical.regions['us-east-1']!.suppressed;
  region.insights = canonical.regions['us-east-1']!.insights;
  return scenario;
}

/** The bot's credentials may do nothing: every call answers AccessDenied. */
export function accessDeniedScenario(): AwsScenario {
  const scenario = canonicalScenario();
  scenario.faults.accessDenied = true;
  return scenario;
}

// ---------- wire formats ----------

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const epochSeconds = (date: Date | undefined): number | undefined => (date === undefined ? undefined : date.getTime() / 1000);

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type XmlValue = string | number | boolean | Date | undefined | XmlValue[] | { [key: string]: XmlValue };

/** Arrays become `<member>` lists, as in AWS Query responses. */
function toXml(value: XmlValue): string {
  if (value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ParsedRequest {
  service: RecordedCall['service'];
  region: string;
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  json: Record<string, unknown>;
  target: string | undefined;
}

function parseScope(authorization: string | undefined): { service: string; region: string } {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return { region: scope?.[1] ?? 'us-east-1', service: scope?.[2] ?? 'unknown' };
}

function formMembers(form: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let index = 1; form.has(`${prefix}.member.${index}`); index += 1) values.push(form.get(`${prefix}.member.${index}`) ?? '');
  return values;
}

// ---------- the server ----------

/** Marks a response as sent, so handlers can `return send(...)`. */
type Answered = true;

export interface TestAwsEndpoint {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint` option. */
  url: string;
  scenario: AwsScenario;
  calls: RecordedCall[];
  /** SQS queues (AWS JSON 1.0 protocol): create queues, send messages, advance their clock, inject faults. */
  sqs: SqsSimWithWait;
  /** Calls of one operation (optionally in one region). */
  callsOf(operation: string, region?: string): RecordedCall[];
  /** Replaces the scenario (and clears the call log). */
  reset(scenario: AwsScenario): void;
  close(): Promise<void>;
}

export async function startAwsEndpoint(initial: AwsScenario = healthyScenario()): Promise<TestAwsEndpoint> {
  let scenario = initial;
  const calls: RecordedCall[] = [];
  let baseUrl = '';
  const sqs = createSqsSim(() => baseUrl, initial.accountId);

  const server = http.createServer((req, res) => {
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://loopback');
      const { service, region } = parseScope(req.headers.authorization);
      const contentType = String(req.headers['content-type'] ?? '');
      const parsed: ParsedRequest = {
        service: (['ses', 'iam', 'sts', 'secretsmanager'].includes(service) ? service : 'ses') as RecordedCall['service'],
        region,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        form: contentType.includes('x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams(),
        json: contentType.includes('json') && body !== '' ? (JSON.parse(body) as Record<string, unknown>) : {},
        target: typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : undefined,
      };
      const answer = (): void => {
        const logged = calls.length;
        // Every handler answers with one res.end(string): observe it to stamp the call's end and answer.
        const end = res.end.bind(res) as (body?: string) => http.ServerResponse;
        (res as unknown as { end: (body?: string) => http.ServerResponse }).end = (body?: string) => {
          const call = calls[logged];
          if (call) Object.assign(call, { start, end: performance.now(), responseText: body ?? '' });
          return end(body);
        };
        try {
          respond(parsed, res);
        } catch (error) {
          res.statusCode = 500;
          res.end(JSON.stringify({ message: `test endpoint bug: ${(error as Error).message}` }));
        }
      };
      if (scenario.faults.latencyMs > 0) setTimeout(answer, scenario.faults.latencyMs);
      else answer();
    });
  });

  function respond(request: ParsedRequest, res: http.ServerResponse): Answered {
    if (request.target?.startsWith('AmazonSQS.')) return respondSqs(request, res);
    if (request.service === 'ses') return respondSes(request, res);
    if (request.service === 'secretsmanager') return respondSecrets(request, res);
    return respondQuery(request, res);
  }

  /** Shared fault injection; returns the fault to answer with, if any. */
  function injectedFault(call: RecordedCall): AwsFault | undefined {
    const { faults } = scenario;
    const denied = faults.accessDenied === true || (Array.isArray(faults.accessDenied) && faults.accessDenied.includes(call.operation));
    if (call.service === 'ses' && faults.disabledRegions.includes(call.region)) {
      return new AwsFault(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const remaining = faults.throttle[call.operation] ?? 0;
    if (remaining > 0) {
      faults.throttle[call.operation] = remaining - 1;
      return call.service === 'ses'
        ? new AwsFault(429, 'TooManyRequestsException', 'Too Many Requests')
        : new AwsFault(400, 'Throttling', 'Rate exceeded');
    }
    if (denied) {
      const prefix = call.service === 'secretsmanager' ? 'secretsmanager' : call.service;
      const caller = `arn:aws:iam::${scenario.accountId}:user/${scenario.callerUserName}`;
      const resource =
        call.service === 'ses' ? `arn:aws:ses:${call.region}:${scenario.accountId}:*` : typeof call.params.UserName === 'string' ? `user ${call.params.UserName}` : '*';
      return new AwsFault(
        403,
        call.service === 'ses' ? 'AccessDeniedException' : call.service === 'secretsmanager' ? 'AccessDeniedException' : 'AccessDenied',
        `User: ${caller} is not authorized to perform: ${prefix}:${call.operation} on resource: ${resource} because no identity-based policy allows the ${prefix}:${call.operation} action`,
      );
    }
    return undefined;
  }

  function regionState(region: string): RegionState {
    let state = scenario.regions[region];
    if (!state) {
      // An enabled region the customer never set up: sandbox defaults, no identities.
      state = emptyRegion(healthyAccount({ productionAccessEnabled: false, max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0, vdmEnabled: false }));
      scenario.regions[region] = state;
    }
    return state;
  }

  // ---- SESv2: REST-JSON ----
  function respondSes(request: ParsedRequest, res: http.ServerResponse): Answered {
    const send = (status: number, payload: unknown): Answered => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(payload));
      return true;
    };
    const fail = (fault: AwsFault): Answered => {
      res.setHeader('x-amzn-errortype', fault.code);
      send(fault.status, { message: fault.message });
      return true;
    };
    const path = request.path.replace(/\/$/, '');
    const route = (
      [
        ['GET', /^\/v2\/email\/account$/, 'GetAccount'],
        ['GET', /^\/v2\/email\/identities\/([^/]+)$/, 'GetEmailIdentity'],
        ['GET', /^\/v2\/email\/suppression\/addresses\/([^/]+)$/, 'GetSuppressedDestination'],
        ['DELETE', /^\/v2\/email\/suppression\/addresses\/([^/]+)$/, 'DeleteSuppressedDestination'],
        ['GET', /^\/v2\/email\/insights\/([^/]+)$/, 'GetMessageInsights'],
        ['POST', /^\/v2\/email\/vdm\/recommendations$/, 'ListRecommendations'],
        ['POST', /^\/v2\/email\/list-identities$/, 'ListEmailIdentities'],
      ] as const
    )
      .map(([method, pattern, operation]) => ({ method, match: pattern.exec(path), operation }))
      .find((candidate) => candidate.method === request.method && candidate.match);
    if (!route?.match) return fail(new AwsFault(404, 'UnknownOperationException', `no route for ${request.method} ${request.path}`));
    const arg = route.match[1] === undefined ? undefined : decodeURIComponent(route.match[1]);
    const params: Record<string, unknown> = arg === undefined ? { ...request.json } : { key: arg, ...request.json };
    const call: RecordedCall = { service: 'ses', operation: route.operation, region: request.region, params };
    calls.push(call);
    const fault = injectedFault(call);
    if (fault) return fail(fault);
    const state = regionState(request.region);
    switch (route.operation) {
      case 'GetAccount': {
        const a = state.account;
        return send(200, {
          DedicatedIpAutoWarmupEnabled: true,
          EnforcementStatus: a.enforcementStatus,
          ProductionAccessEnabled: a.productionAccessEnabled,
          SendingEnabled: a.sendingEnabled,
          SendQuota: { Max24HourSend: a.max24HourSend, MaxSendRate: a.maxSendRate, SentLast24Hours: a.sentLast24Hours },
          SuppressionAttributes: { SuppressedReasons: a.suppressedReasons },
          VdmAttributes: { VdmEnabled: a.vdmEnabled ? 'ENABLED' : 'DISABLED' },
        });
      }
      case 'GetEmailIdentity': {
        const identity = state.identities[arg ?? ''];
        if (!identity) return fail(new AwsFault(404, 'NotFoundException', `Email identity ${arg} does not exist.`));
        return send(200, {
          IdentityType: identity.type,
          FeedbackForwardingStatus: true,
          VerifiedForSendingStatus: identity.verifiedForSending,
          VerificationStatus: identity.verificationStatus,
          DkimAttributes: identity.dkim && {
            SigningEnabled: identity.dkim.signingEnabled,
            Status: identity.dkim.status,
            Tokens: identity.dkim.tokens,
            SigningHostedZone: identity.dkim.signingHostedZone,
            SigningAttributesOrigin: identity.dkim.origin,
            CurrentSigningKeyLength: 'RSA_2048_BIT',
            NextSigningKeyLength: 'RSA_2048_BIT',
            LastKeyGenerationTimestamp: epochSeconds(new Date('2025-01-01T00:00:00Z')),
          },
          MailFromAttributes: identity.mailFrom && {
            MailFromDomain: identity.mailFrom.domain,
            MailFromDomainStatus: identity.mailFrom.status,
            BehaviorOnMxFailure: identity.mailFrom.behaviorOnMxFailure,
          },
          Policies: {},
          Tags: [],
        });
      }
      case 'GetSuppressedDestination': {
        const entry = state.suppressed[(arg ?? '').toLowerCase()];
        if (!entry) return fail(new AwsFault(404, 'NotFoundException', `Email address ${arg} does not exist on your suppression list.`));
        return send(200, {
          SuppressedDestination: {
            EmailAddress: arg,
            Reason: entry.reason,
            LastUpdateTime: epochSeconds(entry.lastUpdateTime),
            Attributes: { MessageId: entry.messageId, FeedbackId: entry.feedbackId },
          },
        });
      }
      case 'DeleteSuppressedDestination': {
        const key = (arg ?? '').toLowerCase();
        if (!state.suppressed[key]) return fail(new AwsFault(404, 'NotFoundException', `Email address ${arg} does not exist on your suppression list.`));
        delete state.suppressed[key];
        return send(200, {});
      }
      case 'GetMessageInsights': {
        const insight = state.account.vdmEnabled ? state.insights[arg ?? ''] : undefined;
        if (!insight) return fail(new AwsFault(404, 'NotFoundException', `Message ${arg} not found.`));
        return send(200, {
          MessageId: arg,
          FromEmailAddress: insight.fromEmailAddress,
          Subject: insight.subject,
          EmailTags: [],
          Insights: insight.destinations.map((d) => ({
            Destination: d.destination,
            Isp: d.isp,
            Events: d.events.map((e) => ({
              Timestamp: epochSeconds(e.timestamp),
              Type: e.type,
              Details: e.bounce
                ? { Bounce: { BounceType: e.bounce.bounceType, BounceSubType: e.bounce.bounceSubType, DiagnosticCode: e.bounce.diagnosticCode } }
                : e.complaint
                  ? { Complaint: { ComplaintFeedbackType: e.complaint.complaintFeedbackType, ComplaintSubType: e.complaint.complaintSubType } }
                  : undefined,
            })),
          })),
        });
      }
      case 'ListEmailIdentities': {
        // Pages of PageSize (default 100); NextToken is the offset of the next page.
        const names = Object.keys(state.identities).sort();
        const size = Math.max(1, Number(request.json.PageSize ?? 100));
        const start = Number(request.json.NextToken ?? 0);
        const page = names.slice(start, start + size);
        return send(200, {
          EmailIdentities: page.map((name) => {
            const identity = state.identities[name]!;
            return { IdentityType: identity.type, IdentityName: name, SendingEnabled: identity.verifiedForSending, VerificationStatus: identity.verificationStatus };
          }),
          ...(start + size < names.length ? { NextToken: String(start + size) } : {}),
        });
      }
      case 'ListRecommendations': {
        const filter = (request.json.Filter ?? {}) as Record<string, string>;
        const items = state.recommendations.filter(
          (r) => (filter.RESOURCE_ARN === undefined || r.resourceArn === filter.RESOURCE_ARN) && (filter.STATUS === undefined || r.status === filter.STATUS) && (filter.TYPE === undefined || r.type === filter.TYPE),
        );
        return send(200, {
          Recommendations: items.map((r) => ({
            ResourceArn: r.resourceArn,
            Type: r.type,
            Description: r.description,
            Status: r.status,
            Impact: r.impact,
            CreatedTimestamp: epochSeconds(r.createdTimestamp),
            LastUpdatedTimestamp: epochSeconds(r.createdTimestamp),
          })),
        });
      }
    }
  }

  // ---- IAM and STS: Query protocol, XML ----
  function respondQuery(request: ParsedRequest, res: http.ServerResponse): Answered {
    const operation = request.form.get('Action') ?? 'Unknown';
    const params: Record<string, unknown> = {};
    for (const [key, value] of request.form) if (key !== 'Action' && key !== 'Version') params[key] = value;
    const service = request.service === 'sts' ? 'sts' : 'iam';
    const call: RecordedCall = { service, operation, region: request.region, params };
    calls.push(call);
    const ns = service === 'sts' ? STS_NS : IAM_NS;
    const requestId = randomBytes(8).toString('hex');
    const ok = (result: Record<string, XmlValue> | undefined): Answered => {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/xml');
      const inner = result === undefined ? '' : `<${operation}Result>${toXml(result)}</${operation}Result>`;
      res.end(`<${operation}Response xmlns="${ns}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
      return true;
    };
    const fail = (fault: AwsFault): Answered => {
      res.statusCode = fault.status;
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${xmlEscape(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
      return true;
    };
    const fault = injectedFault(call);
    if (fault) return fail(fault);
    const userArn = (name: string): string => `arn:aws:iam::${scenario.accountId}:user/${name}`;
    const requireUser = (name: string | null): IamUserState => {
      const user = name === null ? undefined : scenario.iamUsers[name];
      if (!user) throw new AwsFault(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`);
      return user;
    };
    const findKey = (keyId: string | null): { userName: string; key: KeyState } | undefined => {
      for (const [userName, user] of Object.entries(scenario.iamUsers)) {
        const key = user.keys.find((k) => k.accessKeyId === keyId);
        if (key) return { userName, key };
      }
      return undefined;
    };
    try {
      switch (operation) {
        case 'GetUser': {
          const name = request.form.get('UserName') ?? scenario.callerUserName;
          const user = requireUser(name);
          return ok({ User: { Path: '/', UserName: name, UserId: user.userId, Arn: userArn(name), CreateDate: user.createDate } });
        }
        case 'ListAccessKeys': {
          const name = request.form.get('UserName') ?? scenario.callerUserName;
          const user = requireUser(name);
          return ok({
            AccessKeyMetadata: user.keys.map((k) => ({ UserName: name, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate })),
            IsTruncated: false,
          });
        }
        case 'GetAccessKeyLastUsed': {
          const keyId = request.form.get('AccessKeyId') ?? '';
          const found = findKey(keyId);
          if (!found) {
            if (scenario.missingKeyAnswer === 'NoSuchEntity') throw new AwsFault(404, 'NoSuchEntity', `The Access Key with id ${keyId} cannot be found.`);
            throw new AwsFault(
              403,
              'AccessDenied',
              `User: ${userArn(scenario.callerUserName)} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${keyId}`,
            );
          }
          const used = found.key.lastUsed;
          return ok({
            UserName: found.userName,
            AccessKeyLastUsed: used
              ? { LastUsedDate: used.date, ServiceName: used.serviceName, Region: used.region }
              : { ServiceName: 'N/A', Region: 'N/A' },
          });
        }
        case 'SimulatePrincipalPolicy': {
          const source = request.form.get('PolicySourceArn') ?? '';
          const userName = source.split(':user/')[1]?.split('/').pop() ?? '';
          const user = requireUser(userName);
          const actions = formMembers(request.form, 'ActionNames');
          const resources = formMembers(request.form, 'ResourceArns');
          const results = actions.flatMap((action) =>
            (resources.length > 0 ? resources : ['*']).map((resource) => ({
              EvalActionName: action,
              EvalResourceName: resource,
              EvalDecision: action.startsWith('ses:Send') ? user.sendDecision : 'implicitDeny',
              MatchedStatements:
                action.startsWith('ses:Send') && user.sendDecision !== 'implicitDeny'
                  ? [{ SourcePolicyId: user.sendDecision === 'allowed' ? 'AmazonSesSendingAccess' : 'DenySesOutsideBusinessHours', SourcePolicyType: 'user' }]
                  : [],
              MissingContextValues: [],
              OrganizationsDecisionDetail: { AllowedByOrganizations: true },
            })),
          );
          return ok({ EvaluationResults: results, IsTruncated: false });
        }
        case 'CreateAccessKey': {
          const name = request.form.get('UserName') ?? scenario.callerUserName;
          const user = requireUser(name);
          if (user.keys.length >= 2) throw new AwsFault(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
          const key: KeyState = {
            accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
            secretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
            status: 'Active',
            createDate: new Date(),
          };
          user.keys.push(key);
          return ok({ AccessKey: { UserName: name, AccessKeyId: key.accessKeyId, Status: key.status, SecretAccessKey: key.secretAccessKey, CreateDate: key.createDate } });
        }
        case 'UpdateAccessKey': {
          const found = findKey(request.form.get('AccessKeyId'));
          if (!found || found.userName !== (request.form.get('UserName') ?? scenario.callerUserName)) {
            throw new AwsFault(404, 'NoSuchEntity', `The Access Key with id ${request.form.get('AccessKeyId')} cannot be found.`);
          }
          found.key.status = request.form.get('Status') === 'Inactive' ? 'Inactive' : 'Active';
          return ok(undefined);
        }
        case 'DeleteAccessKey': {
          const found = findKey(request.form.get('AccessKeyId'));
          if (!found || found.userName !== (request.form.get('UserName') ?? scenario.callerUserName)) {
            throw new AwsFault(404, 'NoSuchEntity', `The Access Key with id ${request.form.get('AccessKeyId')} cannot be found.`);
          }
          const user = scenario.iamUsers[found.userName]!;
          user.keys = user.keys.filter((k) => k !== found.key);
          return ok(undefined);
        }
        case 'AssumeRole': {
          const roleArn = request.form.get('RoleArn') ?? '';
          const session = request.form.get('RoleSessionName') ?? 'session';
          return ok({
            Credentials: {
              AccessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
              SecretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
              SessionToken: randomBytes(48).toString('base64'),
              Expiration: new Date(Date.now() + 3_600_000),
            },
            AssumedRoleUser: { AssumedRoleId: `AROAEXAMPLE:${session}`, Arn: `${roleArn.replace(':role/', ':assumed-role/')}/${session}` },
          });
        }
        default:
          throw new AwsFault(400, 'InvalidAction', `Could not find operation ${operation} for version 2010-05-08`);
      }
    } catch (error) {
      if (error instanceof AwsFault) return fail(error);
      throw error;
    }
  }

  // ---- SQS: JSON 1.0 (test/support/aws-sqs.ts) ----
  function respondSqs(request: ParsedRequest, res: http.ServerResponse): Answered {
    const operation = request.target?.split('.')[1] ?? 'Unknown';
    const { MessageBody: _body, ...params } = request.json;
    const call: RecordedCall = { service: 'sqs', operation, region: request.region, params };
    calls.push(call);
    const answer = (): void => {
      const { status, payload, queryError } = sqs.handle(operation, request.json);
      res.statusCode = status;
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (queryError) res.setHeader('x-amzn-query-error', queryError);
      res.end(JSON.stringify(payload));
    };
    if (operation === 'ReceiveMessage') void sqs.waitForMessages(request.json).then(answer);
    else answer();
    return true;
  }

  // ---- Secrets Manager: JSON 1.1 ----
  function respondSecrets(request: ParsedRequest, res: http.ServerResponse): Answered {
    const operation = request.target?.split('.')[1] ?? 'Unknown';
    // Never record the secret value itself in the call log.
    const { SecretString: _secret, ...safeParams } = request.json;
    const call: RecordedCall = { service: 'secretsmanager', operation, region: request.region, params: safeParams };
    calls.push(call);
    const send = (status: number, payload: unknown): Answered => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify(payload));
      return true;
    };
    const fault = injectedFault(call);
    if (fault) return send(fault.status, { __type: fault.code, message: fault.message });
    const name = String(request.json.SecretId ?? request.json.Name ?? '');
    const arn = `arn:aws:secretsmanager:${request.region}:${scenario.accountId}:secret:${name}`;
    const secretString = String(request.json.SecretString ?? '');
    if (operation === 'CreateSecret') {
      if (scenario.secrets[name]) return send(400, { __type: 'ResourceExistsException', message: `The secret ${name} already exists.` });
      scenario.secrets[name] = { secretString, versions: 1 };
      return send(200, { ARN: arn, Name: name, VersionId: 'v1' });
    }
    if (operation === 'PutSecretValue') {
      const secret = scenario.secrets[name];
      if (!secret) return send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      secret.secretString = secretString;
      secret.versions += 1;
      return send(200, { ARN: arn, Name: name, VersionId: `v${secret.versions}`, VersionStages: ['AWSCURRENT'] });
    }
    return send(400, { __type: 'UnknownOperationException', message: `unknown operation ${operation}` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('AWS endpoint did not bind');
  baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    url: `http://127.0.0.1:${address.port}`,
    get scenario() {
      return scenario;
    },
    calls,
    sqs,
    callsOf: (operation, region) => calls.filter((c) => c.operation === operation && (region === undefined || c.region === region)),
    reset(next) {
      scenario = next;
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        sqs.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
