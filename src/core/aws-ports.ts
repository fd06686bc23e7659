/**
 * AWS gateways as the checks see them: plain types of our own, so core and checks never
 * import the AWS SDK. The adapters in src/io/aws translate SDK shapes into these.
 *
 * Conventions: "not found" answers that are part of normal diagnosis (an identity SES does
 * not know, an address that is not suppressed, a key that no longer exists) come back as
 * values; every other failure is thrown as an AwsCallError (see io/aws) with a stable code.
 */
import { MaildiagError } from './errors.js';

// ---------- SESv2 ----------

export interface SesAccount {
  region: string;
  /** false = the account is in the sandbox in this region. */
  productionAccessEnabled: boolean;
  sendingEnabled: boolean;
  /** HEALTHY | PROBATION | SHUTDOWN (as SES spells it). */
  enforcementStatus: string | undefined;
  sendQuota: { max24HourSend: number; maxSendRate: number; sentLast24Hours: number } | undefined;
  /** Reasons the account-level suppression list adds addresses for (BOUNCE, COMPLAINT). */
  suppressedReasons: string[];
  vdmEnabled: boolean;
}

export interface SesDkimAttributes {
  signingEnabled: boolean;
  /** PENDING | SUCCESS | FAILED | TEMPORARY_FAILURE | NOT_STARTED */
  status: string;
  tokens: string[];
  /** AWS_SES | EXTERNAL | AWS_SES_<REGION>... */
  signingAttributesOrigin: string | undefined;
  currentSigningKeyLength: string | undefined;
  signingHostedZone: string | undefined;
  lastKeyGenerationTimestamp: Date | undefined;
}

export interface SesMailFromAttributes {
  mailFromDomain: string;
  /** PENDING | SUCCESS | FAILED | TEMPORARY_FAILURE */
  status: string;
  /** USE_DEFAULT_VALUE | REJECT_MESSAGE */
  behaviorOnMxFailure: string;
}

export interface SesEmailIdentity {
  region: string;
  identity: string;
  /** EMAIL_ADDRESS | DOMAIN | MANAGED_DOMAIN */
  identityType: string | undefined;
  verifiedForSending: boolean;
  /** PENDING | SUCCESS | FAILED | TEMPORARY_FAILURE | NOT_STARTED */
  verificationStatus: string | undefined;
  /** SES's own explanation when verification failed (SESv2 VerificationInfo). */
  verificationErrorType: string | undefined;
  dkim: SesDkimAttributes | undefined;
  mailFrom: SesMailFromAttributes | undefined;
  configurationSetName: string | undefined;
}

export interface SesSuppressedDestination {
  emailAddress: string;
  /** BOUNCE | COMPLAINT */
  reason: string;
  lastUpdateTime: Date | undefined;
  messageId: string | undefined;
  feedbackId: string | undefined;
}

export interface SesInsightEvent {
  timestamp: Date | undefined;
  /** SEND | DELIVERY | BOUNCE | COMPLAINT | ... */
  type: string;
  bounce?: { bounceType: string | undefined; bounceSubType: string | undefined; diagnosticCode: string | undefined };
  complaint?: { complaintFeedbackType: string | undefined; complaintSubType: string | undefined };
}

export interface SesMessageInsights {
  messageId: string;
  fromEmailAddress: string | undefined;
  subject: string | undefined;
  destinations: Array<{ destination: string; isp: string | undefined; events: SesInsightEvent[] }>;
}

export interface SesRecommendation {
  resourceArn: string | undefined;
  /** DKIM | DMARC | SPF | BIMI | COMPLAINT | BOUNCE | FEEDBACK_3P | IP_LISTING */
  type: string;
  description: string | undefined;
  /** OPEN | FIXED */
  status: string;
  /** LOW | HIGH */
  impact: string | undefined;
  createdTimestamp: Date | undefined;
  lastUpdatedTimestamp: Date | undefined;
}

export interface SesGateway {
  readonly region: string;
  getAccount(): Promise<SesAccount>;
  /** Undefined when SES has no such identity in this region (404 NotFoundException). */
  getEmailIdentity(identity: string): Promise<SesEmailIdentity | undefined>;
  /** Undefined when the address is not on the account-level suppression list. */
  getSuppressedDestination(emailAddress: string): Promise<SesSuppressedDestination | undefined>;
  /** Undefined on 404: VDM off, message too old, another region or a wrong id. */
  getMessageInsights(messageId: string): Promise<SesMessageInsights | undefined>;
  /** VDM Advisor recommendations, optionally for one resource (identity ARN or name). */
  listRecommendations(filter?: { resourceArn?: string; status?: 'OPEN' | 'FIXED' }): Promise<SesRecommendation[]>;
  /** Remediation; never cached. */
  deleteSuppressedDestination(emailAddress: string): Promise<void>;
}

// ---------- IAM ----------

export interface IamUser {
  userName: string;
  userId: string | undefined;
  arn: string;
  createDate: Date | undefined;
}

export interface IamAccessKey {
  userName: string;
  accessKeyId: string;
  /** Active | Inactive | Expired */
  status: string;
  createDate: Date | undefined;
}

export type AccessKeyLastUsed =
  | {
      found: true;
      accessKeyId: string;
      userName: string;
      /** Undefined when the key was never used (IAM answers "N/A" and no date). */
      lastUsedDate: Date | undefined;
      serviceName: string | undefined;
      region: string | undefined;
    }
  | {
      /**
       * IAM could not find the key. Two behaviours are reported for a deleted key:
       * `NoSuchEntity`, or `AccessDenied` whose message names "access key <id>".
       */
      found: false;
      accessKeyId: string;
      answeredWith: 'NoSuchEntity' | 'AccessDenied';
      awsMessage: string;
    };

export interface PolicySimulation {
  action: string;
  resource: string;
  /** allowed | implicitDeny | explicitDeny */
  decision: string;
  /** Policies whose statements matched (ids or names), for an explicit deny or an allow. */
  matchedStatements: string[];
  /** Context keys the simulation could not evaluate. */
  missingContextValues: string[];
  /** Decision of the organisations SCP / permissions boundary, when evaluated. */
  organizationsAllowed: boolean | undefined;
  permissionsBoundaryAllowed: boolean | undefined;
}

/** A freshly created key: the only shape that ever carries a secret. Never log it. */
export interface NewAccessKey {
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
  status: string;
  createDate: Date | undefined;
}

export interface IamGateway {
  /** Without a name: the caller itself (who the bot is). */
  getUser(userName?: string): Promise<IamUser>;
  listAccessKeys(userName: string): Promise<IamAccessKey[]>;
  getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUsed>;
  simulatePrincipalPolicy(input: { policySourceArn: string; actionNames: string[]; resourceArns?: string[] }): Promise<PolicySimulation[]>;
  /** Remediation; never cached. */
  createAccessKey(userName: string): Promise<NewAccessKey>;
  updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
}

export interface AwsGateways {
  /** One SESv2 gateway per region (created lazily). */
  ses(region: string): SesGateway;
  /** IAM is global. */
  iam: IamGateway;
  /**
   * The same gateways (same per-run memo and limits) whose requests are also cancelled by
   * `signal`: the engine hands each check a view bound to the check's own signal.
   */
  withSignal(signal: AbortSignal): AwsGateways;
}

// ---------- errors ----------

export type AwsFailureKind = 'access-denied' | 'not-found' | 'throttled' | 'region-not-enabled' | 'credentials' | 'network' | 'other';

/** IAM actions per operation, for "the bot lacks <action>" and the policy test. */
export const AWS_OPERATION_ACTIONS = {
  GetAccount: 'ses:GetAccount',
  GetEmailIdentity: 'ses:GetEmailIdentity',
  GetSuppressedDestination: 'ses:GetSuppressedDestination',
  GetMessageInsights: 'ses:GetMessageInsights',
  ListRecommendations: 'ses:ListRecommendations',
  DeleteSuppressedDestination: 'ses:DeleteSuppressedDestination',
  GetUser: 'iam:GetUser',
  ListAccessKeys: 'iam:ListAccessKeys',
  GetAccessKeyLastUsed: 'iam:GetAccessKeyLastUsed',
  SimulatePrincipalPolicy: 'iam:SimulatePrincipalPolicy',
  CreateAccessKey: 'iam:CreateAccessKey',
  UpdateAccessKey: 'iam:UpdateAccessKey',
  DeleteAccessKey: 'iam:DeleteAccessKey',
} as const;
export type AwsOperation = keyof typeof AWS_OPERATION_ACTIONS;

/** Calls made outside the gateways (remediation's STS role and Secrets Manager), for the policy test. */
export const OTHER_AWS_ACTIONS: Readonly<Record<string, string>> = {
  AssumeRole: 'sts:AssumeRole',
  PutSecretValue: 'secretsmanager:PutSecretValue',
  CreateSecret: 'secretsmanager:CreateSecret',
  // The watch (src/watch): SES events from SQS and the scheduled audit.
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  ListEmailIdentities: 'ses:ListEmailIdentities',
};

/** Operations a diagnosis performs (read-only); the rest are remediation. */
export const DIAGNOSIS_OPERATIONS: readonly AwsOperation[] = [
  'GetAccount',
  'GetEmailIdentity',
  'GetSuppressedDestination',
  'GetMessageInsights',
  'ListRecommendations',
  'GetUser',
  'ListAccessKeys',
  'GetAccessKeyLastUsed',
  'SimulatePrincipalPolicy',
];

/** An AWS call failed. The message names the call and region; it never carries request data that could be secret. */
export class AwsCallError extends MaildiagError {
  readonly operation: AwsOperation;
  readonly service: 'SESv2' | 'IAM';
  readonly region: string;
  readonly awsCode: string;
  readonly httpStatus: number | undefined;
  readonly kind: AwsFailureKind;
  /** For access-denied: the IAM action the bot's credentials lack. */
  readonly missingAction: string | undefined;
  readonly awsMessage: string;

  constructor(init: {
    operation: AwsOperation;
    service: 'SESv2' | 'IAM';
    region: string;
    awsCode: string;
    httpStatus: number | undefined;
    kind: AwsFailureKind;
    missingAction?: string;
    awsMessage: string;
    cause?: unknown;
  }) {
    const where = init.service === 'IAM' ? 'IAM' : `SESv2 in ${init.region}`;
    const call = `${init.service === 'IAM' ? 'iam' : 'ses'}:${init.operation} (${where})`;
    const reason = ((): { message: string; hint: string } => {
      switch (init.kind) {
        case 'access-denied':
          return {
            message: `${call} was denied: the bot's AWS credentials lack ${init.missingAction ?? AWS_OPERATION_ACTIONS[init.operation]}`,
            hint: `Grant ${init.missingAction ?? AWS_OPERATION_ACTIONS[init.operation]} to the bot's IAM principal (see docs/iam-policy.json).`,
          };
        case 'region-not-enabled':
          return {
            message: `${call} failed: the region ${init.region} is not enabled for this AWS account (${init.awsCode})`,
            hint: `Enable ${init.region} in the AWS account settings, or leave it out of MAILDIAG_REGIONS / region=.`,
          };
        case 'throttled':
          return { message: `${call} was throttled by AWS (${init.awsCode}) after retries`, hint: 'Run the diagnosis again in a minute.' };
        case 'credentials':
          return {
            message: `${call} failed: AWS rejected the bot's credentials (${init.awsCode})`,
            hint: 'Check the bot\'s AWS credentials (expired session, deleted key or wrong account).',
          };
        case 'network':
          return { message: `${call} could not reach AWS (${init.awsCode})`, hint: 'Check the bot\'s network access to the AWS endpoints.' };
        case 'not-found':
          return { message: `${call}: not found (${init.awsCode})`, hint: 'Check the name or id given.' };
        case 'other':
          return { message: `${call} failed: ${init.awsCode}${init.awsMessage ? ` (${init.awsMessage})` : ''}`, hint: 'Run again; if it persists, check the bot\'s logs for this run id.' };
      }
    })();
    super(`aws_${init.kind.replace(/-/g, '_')}`, reason.message, { cause: init.cause, hint: reason.hint });
    this.operation = init.operation;
    this.service = init.service;
    this.region = init.region;
    this.awsCode = init.awsCode;
    this.httpStatus = init.httpStatus;
    this.kind = init.kind;
    this.missingAction = init.kind === 'access-denied' ? (init.missingAction ?? AWS_OPERATION_ACTIONS[init.operation]) : undefined;
    this.awsMessage = init.awsMessage;
  }
}

