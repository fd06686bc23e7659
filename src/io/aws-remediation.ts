/**
 * AWS adapter for approved remediation actions. Separate from the diagnosis gateways on
 * purpose: diagnosis runs with read-only credentials, while an approved action runs under a
 * remediation role assumed through STS for that one action, with a session name carrying the
 * request id and the approver, so CloudTrail shows who approved what. Without a role, the
 * base credentials are used.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsGateways } from '../core/aws-ports.js';
import { MaildiagError } from '../core/errors.js';
import { newCounters } from '../core/context.js';
import type { ApprovedSession, RemediationGateway, RemediationGateways, RemediationReader } from '../remediation/ports.js';
import { Secret } from '../remediation/secret.js';
import { type AwsClientOptions, awsErrorCode, createAwsGateways } from './aws.js';
import { awsClientPool } from './aws-clients.js';

export interface RemediationAwsOptions extends AwsClientOptions {
  /** MAILDIAG_REMEDIATION_ROLE_ARN; without it the base credentials make the changes. */
  roleArn?: string;
  /** STS session length; the minimum AWS allows is 900 s. */
  sessionSeconds?: number;
}

/** An STS or Secrets Manager call failed; the message never carries request data. */
export class RemediationAwsError extends MaildiagError {
  constructor(operation: string, error: unknown, hint: string) {
    const e = (error ?? {}) as { message?: string };
    super(`aws_${operation.toLowerCase()}_failed`, `${operation} failed: ${awsErrorCode(error)}${e.message ? ` (${e.message.slice(0, 200)})` : ''}`, { cause: error, hint });
  }
}

/** RoleSessionName allows [\w+=,.@-]{2,64}: "maildiag-<request id>-<approver>". */
export function roleSessionName(session: ApprovedSession): string {
  const clean = (value: string): string => value.replace(/[^\w+=,.@-]/g, '');
  return `maildiag-${clean(session.requestId).slice(0, 36)}-${clean(session.approver)}`.slice(0, 64);
}

function regionOfArn(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}

function gatewayOver(options: AwsClientOptions): RemediationGateway {
  // A fresh diagnosis gateway per read: their per-run memo must not serve a stale answer
  // (e.g. ListAccessKeys after DeleteAccessKey).
  const fresh = (): AwsGateways => createAwsGateways(options, newCounters());
  const mutations = fresh();
  return {
    getSuppressedDestination: (region, email) => fresh().ses(region).getSuppressedDestination(email),
    listAccessKeys: (iamUser) => fresh().iam.listAccessKeys(iamUser),
    deleteSuppressedDestination: (region, email) => mutations.ses(region).deleteSuppressedDestination(email),
    async createAccessKey(iamUser) {
      const key = await mutations.iam.createAccessKey(iamUser);
      // The plain secret leaves this function only inside a Secret.
      return { userName: key.userName, accessKeyId: key.accessKeyId, secretAccessKey: new Secret(key.secretAccessKey) };
    },
    updateAccessKey: (iamUser, accessKeyId, status) => mutations.iam.updateAccessKey(iamUser, accessKeyId, status),
    deleteAccessKey: (iamUser, accessKeyId) => mutations.iam.deleteAccessKey(iamUser, accessKeyId),
    async putSecretValue(secretArn, value) {
      const client = awsClientPool(options).secretsManager(regionOfArn(secretArn));
      try {
        const out = await client.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: value.reveal() }));
        return { arn: out.ARN ?? secretArn, versionId: out.VersionId };
      } catch (error) {
        throw new RemediationAwsError('PutSecretValue', error, 'Check that the secret exists and that the remediation role may secretsmanager:PutSecretValue on it.');
      }
    },
  };
}

export function createRemediationGateways(options: RemediationAwsOptions): RemediationGateways {
  const base = gatewayOver(options);
  const reader: RemediationReader = { getSuppressedDestination: base.getSuppressedDestination, listAccessKeys: base.listAccessKeys };
  const roleArn = options.roleArn;
  return {
    reader,
    credentialsDescription: roleArn ? `the remediation role ${roleArn} (assumed for this request only)` : "the bot's own AWS credentials (no separate remediation role is configured)",
    async forApprovedAction(session) {
      if (!roleArn) return base;
      const sts = awsClientPool(options).sts();
      try {
        const out = await sts.send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: roleSessionName(session), DurationSeconds: options.sessionSeconds ?? 900 }),
        );
        const creds = out.Credentials;
        if (!creds?.AccessKeyId || !creds.SecretAccessKey) throw new Error('STS returned no credentials');
        return gatewayOver({
          ...options,
          credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}) },
        });
      } catch (error) {
        throw new RemediationAwsError('AssumeRole', error, `Check that the bot may sts:AssumeRole on ${roleArn} and that the role trusts the bot.`);
      }
    },
  };
}
