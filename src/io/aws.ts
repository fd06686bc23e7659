/**
 * AWS adapters: SESv2 (one client per region) and IAM behind the gateways of
 * core/aws-ports, with a per-run memo (same call and arguments → one request) and
 * typed errors. Created once per diagnosis run.
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  SimulatePrincipalPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteSuppressedDestinationCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  GetMessageInsightsCommand,
  GetSuppressedDestinationCommand,
  ListRecommendationsCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import {
  AwsCallError,
  type AwsFailureKind,
  type AwsOperation,
} from '../core/aws-ports.js';
import type {
  AccessKeyLastUsed,
  AwsGateways,
  IamAccessKey,
  IamGateway,
  IamUser,
  NewAccessKey,
  PolicySimulation,
  SesAccount,
  SesEmailIdentity,
  SesGateway,
  SesInsightEvent,
  SesMessageInsights,
  SesRecommendation,
  SesSuppressedDestination,
} from '../core/aws-ports.js';
import pLimit from 'p-limit';
import { AWS_CALL_CONCURRENCY } from '../core/limits.js';
import type { RunCounters } from '../core/ports.js';
import { type AwsClientOptions, type AwsClientPool, awsClientPool, countingAttempts, GLOBAL_REGION } from './aws-clients.js';

export type { AwsClientOptions } from './aws-clients.js';
export { destroyAwsClients } from './aws-clients.js';

// ---------- errors ----------

export { AWS_OPERATION_ACTIONS, AwsCallError, OTHER_AWS_ACTIONS, type AwsFailureKind, type AwsOperation, DIAGNOSIS_OPERATIONS } from '../core/aws-ports.js';

interface SdkErrorLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
const NOT_FOUND = new Set(['NotFoundException', 'NoSuchEntity', 'NoSuchEntityException']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'SignatureDoesNotMatch', 'InvalidSignatureException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'AbortError']);

/** Regions that must be enabled per account before use; a token error there means "not enabled". */
const OPT_IN_REGIONS = new Set([
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ca-west-1',
  'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1',
]);

/** Extracts the sdk error code: Query errors carry `Code`, REST-JSON ones the class name. */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as SdkErrorLike;
  const raw = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'Unknown';
  return raw === 'NoSuchEntityException' ? 'NoSuchEntity' : raw;
}

export function toAwsCallError(error: unknown, operation: AwsOperation, region: string): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const e = (error ?? {}) as SdkErrorLike;
  const awsCode = awsErrorCode(error);
  const httpStatus = e.$metadata?.httpStatusCode;
  const awsMessage = (e.message ?? '').slice(0, 300);
  const service = operation in IAM_OPERATIONS ? 'IAM' : 'SESv2';
  let kind: AwsFailureKind = 'other';
  let missingAction: string | undefined;
  if (ACCESS_DENIED.has(awsCode)) {
    kind = 'access-denied';
    missingAction = /perform:\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(awsMessage)?.[1];
  } else if (NOT_FOUND.has(awsCode)) kind = 'not-found';
  else if (THROTTLED.has(awsCode)) kind = 'throttled';
  else if (BAD_CREDENTIALS.has(awsCode)) kind = service === 'SESv2' && OPT_IN_REGIONS.has(region) ? 'region-not-enabled' : 'credentials';
  else if (NETWORK.has(awsCode)) kind = 'network';
  return new AwsCallError({ operation, service, region, awsCode, httpStatus, kind, awsMessage, cause: error, ...(missingAction ? { missingAction } : {}) });
}

const IAM_OPERATIONS: Partial<Record<AwsOperation, true>> = {
  GetUser: true,
  ListAccessKeys: true,
  GetAccessKeyLastUsed: true,
  SimulatePrincipalPolicy: true,
  CreateAccessKey: true,
  UpdateAccessKey: true,
  DeleteAccessKey: true,
};

// ---------- memo, cancellation, concurrency and counting ----------

/** What a send function gets: the signal to pass to `client.send`. */
export interface SendContext {
  abortSignal: AbortSignal;
}


interface RunCaller {
  /** Memoised: one request per operation, region and arguments for the whole run. */
  cached<T>(signal: AbortSignal, operation: AwsOperation, region: string, args: unknown, send: (ctx: SendContext) => Promise<T>): Promise<T>;
  /** Never memoised (mutations). */
  direct<T>(signal: AbortSignal, operation: AwsOperation, region: string, send: (ctx: SendContext) => Promise<T>): Promise<T>;
}

interface MemoEntry {
  promise: Promise<unknown>;
  /** Aborted when every check waiting on it has been cancelled (or the run was). */
  controller: AbortController;
  waiting: number;
  settled: boolean;
}

/** Rejects as soon as `signal` aborts, whatever `promise` does. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

function createRunCaller(counters: RunCounters, runSignal: AbortSignal): RunCaller {
  const cache = new Map<string, MemoEntry>();
  const limit = pLimit(AWS_CALL_CONCURRENCY);
  const wrap = <T>(operation: AwsOperation, region: string, abortSignal: AbortSignal, send: (ctx: SendContext) => Promise<T>): Promise<T> =>
    limit(async () => {
      // Cancelled while queued: never start the request.
      if (abortSignal.aborted) throw abortReason(abortSignal);
      // The signal reaches the HTTP handler through the call's context (see aws-clients).
      return countingAttempts(counters, () => send({ abortSignal }), abortSignal);
    }).catch((error: unknown) => {
      throw toAwsCallError(error, operation, region);
    });
  return {
    cached(signal, operation, region, args, send) {
      const key = `${operation} ${region} ${JSON.stringify(args)}`;
      let entry = cache.get(key);
      if (!entry) {
        counters.awsCallsDistinct += 1;
        const controller = new AbortController();
        const abortWithRun = (): void => controller.abort(runSignal.reason);
        runSignal.addEventListener('abort', abortWithRun, { once: true });
        const created: MemoEntry = { promise: Promise.resolve(), controller, waiting: 0, settled: false };
        created.promise = wrap(operation, region, controller.signal, send).finally(() => {
          created.settled = true;
          runSignal.removeEventListener('abort', abortWithRun);
          // A cancelled request is not an answer: the next caller asks again.
          if (controller.signal.aborted && cache.get(key) === created) cache.delete(key);
        });
        // Failures are cached too (one AccessDenied, not ten); keep them from being unhandled.
        created.promise.catch(() => undefined);
        cache.set(key, created);
        entry = created;
      }
      const joined = entry;
      if (!joined.settled) {
        joined.waiting += 1;
        const leave = (): void => {
          joined.waiting -= 1;
          if (joined.waiting === 0 && !joined.settled) joined.controller.abort(signal.reason);
        };
        if (signal.aborted) leave();
        else {
          signal.addEventListener('abort', leave, { once: true });
          joined.promise.then(
            () => signal.removeEventListener('abort', leave),
            () => signal.removeEventListener('abort', leave),
          );
        }
      }
      return untilAborted(joined.promise as Promise<Awaited<ReturnType<typeof send>>>, signal);
    },
    direct(signal, operation, region, send) {
      counters.awsCallsDistinct += 1;
      return wrap(operation, region, AbortSignal.any([signal, runSignal]), send);
    },
  };
}

// ---------- translation helpers ----------

const list = <T>(value: T[] | undefined): T[] => value ?? [];
const optionalDate = (value: Date | undefined): Date | undefined => (value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined);
/** IAM answers "N/A" for a key that was never used. */
const unlessNA = (value: string | undefined): string | undefined => (value === undefined || value === 'N/A' || value === '' ? undefined : value);

function isNotFound(error: unknown): boolean {
  return error instanceof AwsCallError && error.kind === 'not-found';
}

/** The "not found" path of a memoised call, as a value. */
async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

// ---------- SESv2 ----------

function createSesGateway(client: SESv2Client, region: string, caller: RunCaller, signal: AbortSignal): SesGateway {
  return {
    region,
    async getAccount(): Promise<SesAccount> {
      const out = await caller.cached(signal, 'GetAccount', region, {}, () => client.send(new GetAccountCommand({})));
      return {
        region,
        productionAccessEnabled: out.ProductionAccessEnabled === true,
        sendingEnabled: out.SendingEnabled === true,
        enforcementStatus: out.EnforcementStatus,
        sendQuota: out.SendQuota
          ? { max24HourSend: out.SendQuota.Max24HourSend ?? 0, maxSendRate: out.SendQuota.MaxSendRate ?? 0, sentLast24Hours: out.SendQuota.SentLast24Hours ?? 0 }
          : undefined,
        suppressedReasons: list(out.SuppressionAttributes?.SuppressedReasons),
        vdmEnabled: out.VdmAttributes?.VdmEnabled === 'ENABLED',
      };
    },
    async getEmailIdentity(identity: string): Promise<SesEmailIdentity | undefined> {
      const out = await orUndefined(
        caller.cached(signal, 'GetEmailIdentity', region, identity.toLowerCase(), () => client.send(new GetEmailIdentityCommand({ EmailIdentity: identity }))),
      );
      if (!out) return undefined;
      const dkim = out.DkimAttributes;
      const mailFrom = out.MailFromAttributes;
      return {
        region,
        identity,
        identityType: out.IdentityType,
        verifiedForSending: out.VerifiedForSendingStatus === true,
        verificationStatus: out.VerificationStatus,
        verificationErrorType: out.VerificationInfo?.ErrorType,
        dkim: dkim
          ? {
              signingEnabled: dkim.SigningEnabled === true,
              status: dkim.Status ?? 'NOT_STARTED',
              tokens: list(dkim.Tokens),
              signingAttributesOrigin: dkim.SigningAttributesOrigin,
              currentSigningKeyLength: dkim.CurrentSigningKeyLength,
              signingHostedZone: dkim.SigningHostedZone,
              lastKeyGenerationTimestamp: optionalDate(dkim.LastKeyGenerationTimestamp),
            }
          : undefined,
        mailFrom:
          mailFrom?.MailFromDomain
            ? { mailFromDomain: mailFrom.MailFromDomain, status: mailFrom.MailFromDomainStatus ?? 'PENDING', behaviorOnMxFailure: mailFrom.BehaviorOnMxFailure ?? 'USE_DEFAULT_VALUE' }
            : undefined,
        configurationSetName: out.ConfigurationSetName,
      };
    },
    async getSuppressedDestination(emailAddress: string): Promise<SesSuppressedDestination | undefined> {
      const out = await orUndefined(
        caller.cached(signal, 'GetSuppressedDestination', region, emailAddress.toLowerCase(), () => client.send(new GetSuppressedDestinationCommand({ EmailAddress: emailAddress })),
        ),
      );
      const entry = out?.SuppressedDestination;
      if (!entry) return undefined;
      return {
        emailAddress: entry.EmailAddress ?? emailAddress,
        reason: entry.Reason ?? 'UNKNOWN',
        lastUpdateTime: optionalDate(entry.LastUpdateTime),
        messageId: entry.Attributes?.MessageId,
        feedbackId: entry.Attributes?.FeedbackId,
      };
    },
    async getMessageInsights(messageId: string): Promise<SesMessageInsights | undefined> {
      const out = await orUndefined(
        caller.cached(signal, 'GetMessageInsights', region, messageId, () => client.send(new GetMessageInsightsCommand({ MessageId: messageId }))),
      );
      if (!out) return undefined;
      return {
        messageId: out.MessageId ?? messageId,
        fromEmailAddress: out.FromEmailAddress,
        subject: out.Subject,
        destinations: list(out.Insights).map((insight) => ({
          destination: insight.Destination ?? '',
          isp: insight.Isp,
          events: list(insight.Events).map((event): SesInsightEvent => {
            const bounce = event.Details?.Bounce;
            const complaint = event.Details?.Complaint;
            return {
              timestamp: optionalDate(event.Timestamp),
              type: event.Type ?? 'UNKNOWN',
              ...(bounce ? { bounce: { bounceType: bounce.BounceType, bounceSubType: bounce.BounceSubType, diagnosticCode: bounce.DiagnosticCode } } : {}),
              ...(complaint ? { complaint: { complaintFeedbackType: complaint.ComplaintFeedbackType, complaintSubType: complaint.ComplaintSubType } } : {}),
            };
          }),
        })),
      };
    },
    async listRecommendations(filter = {}): Promise<SesRecommendation[]> {
      const sdkFilter: Partial<Record<'RESOURCE_ARN' | 'STATUS', string>> = {};
      if (filter.resourceArn) sdkFilter.RESOURCE_ARN = filter.resourceArn;
      if (filter.status) sdkFilter.STATUS = filter.status;
      const out = await caller.cached(signal, 'ListRecommendations', region, sdkFilter, () =>
        client.send(new ListRecommendationsCommand(Object.keys(sdkFilter).length > 0 ? { Filter: sdkFilter } : {})),
      );
      return list(out.Recommendations).map((r) => ({
        resourceArn: r.ResourceArn,
        type: r.Type ?? 'UNKNOWN',
        description: r.Description,
        status: r.Status ?? 'OPEN',
        impact: r.Impact,
        createdTimestamp: optionalDate(r.CreatedTimestamp),
        lastUpdatedTimestamp: optionalDate(r.LastUpdatedTimestamp),
      }));
    },
    async deleteSuppressedDestination(emailAddress: string): Promise<void> {
      await caller.direct(signal, 'DeleteSuppressedDestination', region, () => client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: emailAddress })));
    },
  };
}

// ---------- IAM ----------

/** IAM is a global service signed for us-east-1 (aws partition). */
const IAM_REGION = GLOBAL_REGION;

/** Matches the wording IAM uses when the key it was asked about does not exist. */
export function accessDeniedNamesKey(message: string, accessKeyId: string): boolean {
  return new RegExp(`access\\s*key\\s*(id\\s*)?:?\\s*${accessKeyId}\\b`, 'i').test(message);
}

function createIamGateway(client: IAMClient, caller: RunCaller, signal: AbortSignal): IamGateway {
  return {
    async getUser(userName?: string): Promise<IamUser> {
      const out = await caller.cached(signal, 'GetUser', IAM_REGION, userName ?? null, () => client.send(new GetUserCommand(userName ? { UserName: userName } : {})));
      const user = out.User;
      return { userName: user?.UserName ?? userName ?? '', userId: user?.UserId, arn: user?.Arn ?? '', createDate: optionalDate(user?.CreateDate) };
    },
    async listAccessKeys(userName: string): Promise<IamAccessKey[]> {
      const out = await caller.cached(signal, 'ListAccessKeys', IAM_REGION, userName, () => client.send(new ListAccessKeysCommand({ UserName: userName })));
      return list(out.AccessKeyMetadata).map((k) => ({
        userName: k.UserName ?? userName,
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? 'Unknown',
        createDate: optionalDate(k.CreateDate),
      }));
    },
    async getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUsed> {
      try {
        const out = await caller.cached(signal, 'GetAccessKeyLastUsed', IAM_REGION, accessKeyId, () => client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
        );
        return {
          found: true,
          accessKeyId,
          userName: out.UserName ?? '',
          lastUsedDate: optionalDate(out.AccessKeyLastUsed?.LastUsedDate),
          serviceName: unlessNA(out.AccessKeyLastUsed?.ServiceName),
          region: unlessNA(out.AccessKeyLastUsed?.Region),
        };
      } catch (error) {
        if (error instanceof AwsCallError) {
          if (error.kind === 'not-found') return { found: false, accessKeyId, answeredWith: 'NoSuchEntity', awsMessage: error.awsMessage };
          // Reported behaviour: for a deleted key IAM answers AccessDenied naming "access key <id>".
          if (error.kind === 'access-denied' && accessDeniedNamesKey(error.awsMessage, accessKeyId)) {
            return { found: false, accessKeyId, answeredWith: 'AccessDenied', awsMessage: error.awsMessage };
          }
        }
        throw error;
      }
    },
    async simulatePrincipalPolicy(input): Promise<PolicySimulation[]> {
      const out = await caller.cached(signal, 'SimulatePrincipalPolicy', IAM_REGION, input, () =>
        client.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: input.policySourceArn,
            ActionNames: input.actionNames,
            ...(input.resourceArns ? { ResourceArns: input.resourceArns } : {}),
          }),
        ),
      );
      return list(out.EvaluationResults).map((r) => ({
        action: r.EvalActionName ?? '',
        resource: r.EvalResourceName ?? '*',
        decision: r.EvalDecision ?? 'implicitDeny',
        matchedStatements: list(r.MatchedStatements).map((s) => s.SourcePolicyId ?? s.SourcePolicyType ?? 'unknown'),
        missingContextValues: list(r.MissingContextValues),
        organizationsAllowed: r.OrganizationsDecisionDetail?.AllowedByOrganizations,
        permissionsBoundaryAllowed: r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
      }));
    },
    async createAccessKey(userName: string): Promise<NewAccessKey> {
      const out = await caller.direct(signal, 'CreateAccessKey', IAM_REGION, () => client.send(new CreateAccessKeyCommand({ UserName: userName })));
      const key = out.AccessKey;
      if (!key?.AccessKeyId || !key.SecretAccessKey) {
        throw new AwsCallError({ operation: 'CreateAccessKey', service: 'IAM', region: IAM_REGION, awsCode: 'EmptyResponse', httpStatus: 200, kind: 'other', awsMessage: 'no access key in the answer' });
      }
      return { userName: key.UserName ?? userName, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, status: key.Status ?? 'Active', createDate: optionalDate(key.CreateDate) };
    },
    async updateAccessKey(userName, accessKeyId, status): Promise<void> {
      await caller.direct(signal, 'UpdateAccessKey', IAM_REGION, () => client.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status })));
    },
    async deleteAccessKey(userName, accessKeyId): Promise<void> {
      await caller.direct(signal, 'DeleteAccessKey', IAM_REGION, () => client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })));
    },
  };
}

// ---------- factory ----------

/**
 * Builds the gateways for one diagnosis run: one memo and one concurrency limit per run,
 * over the process-wide clients of `awsClientPool` (never a client per run). Every request
 * carries `signal` (the run's); the engine derives a per-check view with `withSignal`.
 */
export function createAwsGateways(options: AwsClientOptions | AwsClientPool, counters: RunCounters, signal: AbortSignal = new AbortController().signal): AwsGateways {
  const pool = 'sesv2' in options ? options : awsClientPool(options);
  const caller = createRunCaller(counters, signal);
  const view = (viewSignal: AbortSignal): AwsGateways => {
    const sesGateways = new Map<string, SesGateway>();
    let iam: IamGateway | undefined;
    return {
      ses(region: string): SesGateway {
        let gateway = sesGateways.get(region);
        if (!gateway) {
          gateway = createSesGateway(pool.sesv2(region), region, caller, viewSignal);
          sesGateways.set(region, gateway);
        }
        return gateway;
      },
      get iam(): IamGateway {
        iam ??= createIamGateway(pool.iam(), caller, viewSignal);
        return iam;
      },
      withSignal: (checkSignal) => view(AbortSignal.any([checkSignal, signal])),
    };
  };
  return view(signal);
}

// ---------- credential detection (SDK-free, in its own module) ----------

export { type AwsCredentialDetection, detectAwsCredentials } from './aws-credentials.js';
