/**
 * What remediation needs from the outside world. Separate from the diagnosis gateways on
 * purpose: diagnosis runs with read-only credentials; these mutate, and run only for an
 * approved request, under credentials assumed for that request.
 */
import type { IamAccessKey, SesSuppressedDestination } from '../core/aws-ports.js';
import type { Secret } from './secret.js';

/** A new access key; the secret only ever travels inside a Secret. */
export interface CreatedAccessKey {
  userName: string;
  accessKeyId: string;
  secretAccessKey: Secret;
}

/** Reads used to plan a request and to re-check it at click time (read-only credentials suffice). */
export interface RemediationReader {
  getSuppressedDestination(region: string, email: string): Promise<SesSuppressedDestination | undefined>;
  listAccessKeys(iamUser: string): Promise<IamAccessKey[]>;
}

export interface RemediationGateway extends RemediationReader {
  deleteSuppressedDestination(region: string, email: string): Promise<void>;
  createAccessKey(iamUser: string): Promise<CreatedAccessKey>;
  updateAccessKey(iamUser: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  deleteAccessKey(iamUser: string, accessKeyId: string): Promise<void>;
  /** Writes a new version of an existing secret; returns where it went. */
  putSecretValue(secretArn: string, value: Secret): Promise<{ arn: string; versionId: string | undefined }>;
}

/** Who approved what: carried into the STS session name so CloudTrail shows it. */
export interface ApprovedSession {
  requestId: string;
  approver: string;
}

export interface RemediationGateways {
  reader: RemediationReader;
  /** Credentials for one approved action: the remediation role assumed for it, or the base credentials. */
  forApprovedAction(session: ApprovedSession): Promise<RemediationGateway>;
  /** In words, for the approval message: which identity will make the change. */
  credentialsDescription: string;
}

export interface SmtpEndpoint {
  host: string;
  port: number;
}

export interface SmtpSecretCredential {
  username: string;
  password: Secret;
}

export type SmtpAuthResult =
  | { outcome: 'accepted'; code: number; text: string }
  | { outcome: 'rejected'; code: number; text: string }
  /** No AUTH answer at all (connect, TLS or protocol failure). */
  | { outcome: 'unreachable'; error: string };

export type SmtpSendResult = { sent: true; code: number; text: string; messageId: string | undefined } | { sent: false; code: number | undefined; error: string };

/** Real SMTP AUTH and a real send; implementations must never log or return the password. */
export interface SmtpCredentialTester {
  authenticate(endpoint: SmtpEndpoint, credential: SmtpSecretCredential): Promise<SmtpAuthResult>;
  sendTestMessage(
    endpoint: SmtpEndpoint,
    credential: SmtpSecretCredential,
    message: { from: string; to: string; subject: string; text: string },
  ): Promise<SmtpSendResult>;
}

/**
 * Shows a new credential to the approver only (a Slack modal opened with the click's
 * trigger_id). The one place a password leaves the process toward a person.
 */
export interface CredentialPresenter {
  showCredential(view: { username: string; password: Secret; endpoint: SmtpEndpoint; region: string; storedAt: string | undefined }): Promise<void>;
  /** Progress of the verification, shown in the same modal. */
  progress(text: string): Promise<void>;
}

/** Injectable waiting, so retry loops run instantly in tests. */
export type Delay = (ms: number) => Promise<void>;
export const realDelay: Delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
