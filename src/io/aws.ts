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
  IAMClient,
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
  SESv2Client,
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
import type { RunCounters } from '../core/ports.js';

export interface AwsClientOptions {
  /** Endpoint override (loopback tests, VPC endpoints). Applies to SESv2 and IAM. */
  endpoint?: string;
  /** Explicit credentials; otherwise the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call (throttling is retried by the SDK); tests use 1. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
}

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

// ---------- memo and counting ----------

interface RunCaller {
  /** Memoised: one request per operation, region and arguments for the whole run. */
  cached<T>(operation: AwsOperation, region: string, args: unknown, send: () => Promise<T>): Promise<T>;
  /** Never memoised (mutations). */
  direct<T>(operation: AwsOperation, region: string, send: () => Promise<T>): Promise<T>;
}

function createRunCaller(counters: RunCounters): RunCaller {
  const cache = new Map<string, Promise<unknown>>();
  const wrap = async <T>(operation: AwsOperation, region: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      throw toAwsCallError(error, operation, region);
    }
  };
  return {
    cached(operation, region, args, send) {
      const key = `${operation} ${region} ${JSON.stringify(args)}`;
      let entry = cache.get(key) as ReturnType<typeof send> | undefined;
      if (!entry) {
        counters.awsCallsDistinct += 1;
        entry = wrap(operation, region, send);
        // Failures are cached too (one AccessDenied, not ten); keep them from being unhandled.
        entry.catch(() => undefined);
        cache.set(key, entry);
      }
      return entry;
    },
    direct(operation, region, send) {
      counters.awsCallsDistinct += 1;
      return wrap(operation, region, send);
    },
  };
}

/** Counts every HTTP attempt (including SDK retries) in `counters.awsCalls`. */
function countAttempts(client: SESv2Client | IAMClient, counters: RunCounters): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      counters.awsCalls += 1;
      return next(args);
    },
    { step: 'deserialize', name: 'maildiagCountAttempts' },
  );
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

function createSesGateway(client: SESv2Client, region: string, caller: RunCaller): SesGateway {
  return {
    region,
    async getAccount(): Promise<SesAccount> {
      const out = await caller.cached('GetAccount', region, {}, () => client.send(new GetAccountCommand({})));
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
        caller.cached('GetEmailIdentity', region, identity.toLowerCase(), () => client.send(new GetEmailIdentityCommand({ EmailIdentity: identity }))),
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
        caller.cached('GetSuppressedDestination', region, emailAddress.toLowerCase(), () =>
          client.send(new GetSuppressedDestinationCommand({ EmailAddress: emailAddress })),
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
        caller.cached('GetMessageInsights', region, messageId, () => client.send(new GetMessageInsightsCommand({ MessageId: messageId }))),
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
      const out = await caller.cached('ListRecommendations', region, sdkFilter, () =>
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
      await caller.direct('DeleteSuppressedDestination', region, () => client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: emailAddress })));
    },
  };
}

// ---------- IAM ----------

/** IAM is a global service signed for us-east-1 (aws partition). */
const IAM_REGION = 'us-east-1';

/** Matches the wording IAM uses when the key it was asked about does not exist. */
export function accessDeniedNamesKey(message: string, accessKeyId: string): boolean {
  return new RegExp(`access\\s*key\\s*(id\\s*)?:?\\s*${accessKeyId}\\b`, 'i').test(message);
}

function createIamGateway(client: IAMClient, caller: RunCaller): IamGateway {
  return {
    async getUser(userName?: string): Promise<IamUser> {
      const out = await caller.cached('GetUser', IAM_REGION, userName ?? null, () => client.send(new GetUserCommand(userName ? { UserName: userName } : {})));
      const user = out.User;
      return { userName: user?.UserName ?? userName ?? '', userId: user?.UserId, arn: user?.Arn ?? '', createDate: optionalDate(user?.CreateDate) };
    },
    async listAccessKeys(userName: string): Promise<IamAccessKey[]> {
      const out = await caller.cached('ListAccessKeys', IAM_REGION, userName, () => client.send(new ListAccessKeysCommand({ UserName: userName })));
      return list(out.AccessKeyMetadata).map((k) => ({
        userName: k.UserName ?? userName,
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? 'Unknown',
        createDate: optionalDate(k.CreateDate),
      }));
    },
    async getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUsed> {
      try {
        const out = await caller.cached('GetAccessKeyLastUsed', IAM_REGION, accessKeyId, () =>
          client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
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
      const out = await caller.cached('SimulatePrincipalPolicy', IAM_REGION, input, () =>
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
      const out = await caller.direct('CreateAccessKey', IAM_REGION, () => client.send(new CreateAccessKeyCommand({ UserName: userName })));
      const key = out.AccessKey;
      if (!key?.AccessKeyId || !key.SecretAccessKey) {
        throw new AwsCallError({ operation: 'CreateAccessKey', service: 'IAM', region: IAM_REGION, awsCode: 'EmptyResponse', httpStatus: 200, kind: 'other', awsMessage: 'no access key in the answer' });
      }
      return { userName: key.UserName ?? userName, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, status: key.Status ?? 'Active', createDate: optionalDate(key.CreateDate) };
    },
    async updateAccessKey(userName, accessKeyId, status): Promise<void> {
      await caller.direct('UpdateAccessKey', IAM_REGION, () => client.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status })));
    },
    async deleteAccessKey(userName, accessKeyId): Promise<void> {
      await caller.direct('DeleteAccessKey', IAM_REGION, () => client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })));
    },
  };
}

// ---------- factory ----------

/** Builds the gateways for one diagnosis run: one memo, clients created lazily per region. */
export function createAwsGateways(options: AwsClientOptions, counters: RunCounters): AwsGateways {
  const caller = createRunCaller(counters);
  const common = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 10_000, connectionTimeout: Math.min(options.requestTimeoutMs ?? 5_000, 5_000) },
  };
  const sesGateways = new Map<string, SesGateway>();
  let iam: IamGateway | undefined;
  return {
    ses(region: string): SesGateway {
      let gateway = sesGateways.get(region);
      if (!gateway) {
        const client = new SESv2Client({ ...common, region });
        countAttempts(client, counters);
        gateway = createSesGateway(client, region, caller);
        sesGateways.set(region, gateway);
      }
      return gateway;
    },
    get iam(): IamGateway {
      if (!iam) {
        const client = new IAMClient({ ...common, region: IAM_REGION });
        countAttempts(client, counters);
        iam = createIamGateway(client, caller);
      }
      return iam;
    },
  };
}

// ---------- credential detection (SDK-free, in its own module) ----------

export { type AwsCredentialDetection, detectAwsCredentials } from './aws-credentials.js';
