/**
 * Plan, re-check, execute and verify, per action kind. Every result says what changed, what
 * was verified and what was left in place; nothing half-done is hidden. The only secret
 * (a new key's secret and its SMTP password) lives in a Secret and goes to the presenter and,
 * when configured, Secrets Manager; every error text is scrubbed of it.
 */
import type { IamAccessKey } from '../../core/aws-ports.js';
import { describeError } from '../../core/errors.js';
import type { RemediationRequest } from '../../core/finding.js';
import { deriveSmtpPassword } from '../../knowledge/smtp-password.js';
import { type ActionOutcome, type RemediationAction, describeAction } from '../model.js';
import type { CredentialPresenter, Delay, RemediationGateway, RemediationReader, SmtpCredentialTester, SmtpEndpoint } from '../ports.js';
import { Secret, scrubSecrets } from '../secret.js';
import { verifySmtpCredential } from './smtp-verify.js';

// ---------- planning ----------

export type Plan = { ok: true; action: RemediationAction; warnings: string[] } | { ok: false; reason: string };

/** Shown to approvers of a removal of an address suppressed for a complaint, before they approve. */
export const COMPLAINT_REMOVAL_WARNING = (email: string): string =>
  `${email} is suppressed because its recipient marked a message as spam (COMPLAINT). Approve only once the recipient has asked to receive mail again (for example by opting in again); sending to someone who complained without that raises the account's complaint rate and can put SES sending on probation.`;

/**
 * The first approval step for a finding's request. A rotation whose user already has two
 * keys starts by deleting one (IAM allows two): the inactive one when there is one; an
 * active key only as its own, explicitly worded request.
 */
export async function planFirstStep(request: RemediationRequest, reader: RemediationReader): Promise<Plan> {
  if (request.kind === 'remove-suppression') {
    const action = { kind: 'remove-suppression' as const, email: request.email, region: request.region, ...(request.reason ? { reason: request.reason } : {}) };
    return { ok: true, action, warnings: request.reason === 'COMPLAINT' ? [COMPLAINT_REMOVAL_WARNING(request.email)] : [] };
  }
  const keys = await reader.listAccessKeys(request.iamUser);
  const base = { iamUser: request.iamUser, region: request.region };
  if (keys.length < 2) {
    return {
      ok: true,
      action: { kind: 'create-access-key', ...base, existingKeyIds: keys.map((k) => k.accessKeyId), relayKeyId: request.oldAccessKeyId },
      warnings: [],
    };
  }
  const inactive = keys.find((k) => k.status !== 'Active');
  if (inactive) {
    return {
      ok: true,
      action: { kind: 'delete-access-key', ...base, accessKeyId: inactive.accessKeyId, expectedStatus: 'Inactive', purpose: 'make-room' },
      warnings: [`${request.iamUser} already has two access keys (IAM allows two). The inactive key ${inactive.accessKeyId} is deleted first; the new key is created in the next step, with its own approval.`],
    };
  }
  // Both active: the key the relay does not use is the candidate, but it is active, so say it loudly.
  const candidate = keys.find((k) => k.accessKeyId !== request.oldAccessKeyId) ?? oldest(keys);
  return {
    ok: true,
    action: { kind: 'delete-access-key', ...base, accessKeyId: candidate.accessKeyId, expectedStatus: 'Active', purpose: 'make-room' },
    warnings: [
      `${request.iamUser} already has two ACTIVE access keys (IAM allows two). To make room, this step deletes the ACTIVE key ${candidate.accessKeyId}: anything still using it stops working. Reject if you are not sure.`,
    ],
  };
}

function oldest(keys: IamAccessKey[]): IamAccessKey {
  return [...keys].sort((a, b) => (a.createDate?.getTime() ?? 0) - (b.createDate?.getTime() ?? 0))[0]!;
}

// ---------- click-time re-check ----------

export type Recheck = { current: true } | { current: false; reason: string };

/** Is the world still as it was when the request was made? Read-only. */
export async function recheckAction(action: RemediationAction, reader: RemediationReader): Promise<Recheck> {
  switch (action.kind) {
    case 'remove-suppression': {
      const entry = await reader.getSuppressedDestination(action.region, action.email);
      return entry ? { current: true } : { current: false, reason: `${action.email} is no longer on the suppression list in ${action.region}.` };
    }
    case 'delete-access-key': {
      const key = (await reader.listAccessKeys(action.iamUser)).find((k) => k.accessKeyId === action.accessKeyId);
      if (!key) return { current: false, reason: `Access key ${action.accessKeyId} no longer exists.` };
      if (key.status !== action.expectedStatus) {
        return { current: false, reason: `Access key ${action.accessKeyId} is now ${key.status}, not ${action.expectedStatus} as when the request was made.` };
      }
      return { current: true };
    }
    case 'create-access-key': {
      const ids = (await reader.listAccessKeys(action.iamUser)).map((k) => k.accessKeyId).sort();
      const expected = [...action.existingKeyIds].sort();
      if (ids.join(',') !== expected.join(',')) {
        return {
          current: false,
          reason: `The access keys of ${action.iamUser} changed since the request (then: ${expected.join(', ') || 'none'}; now: ${ids.join(', ') || 'none'}).`,
        };
      }
      return { current: true };
    }
    case 'deactivate-access-key': {
      const keys = await reader.listAccessKeys(action.iamUser);
      const old = keys.find((k) => k.accessKeyId === action.accessKeyId);
      const fresh = keys.find((k) => k.accessKeyId === action.newAccessKeyId);
      if (old?.status !== 'Active') return { current: false, reason: `The old key ${action.accessKeyId} is ${old ? old.status : 'gone'} already.` };
      if (fresh?.status !== 'Active') {
        return { current: false, reason: `The new key ${action.newAccessKeyId} is ${fresh ? fresh.status : 'gone'}; deactivating the old key now would leave no working credential.` };
      }
      return { current: true };
    }
  }
}

// ---------- execution ----------

export interface SmtpVerificationSettings {
  tester: SmtpCredentialTester;
  endpointFor(region: string): SmtpEndpoint;
  /** A verified sending address for the simulator message; undefined skips it. */
  from: string | undefined;
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  delay: Delay;
}

export interface ActionContext {
  gateway: RemediationGateway;
  /** Required for create-access-key: the only way the password reaches a person. */
  presenter: CredentialPresenter | undefined;
  smtp: SmtpVerificationSettings;
  secretArn: string | undefined;
  /** Called right after the change itself succeeded (before verification), for the audit trail. */
  onExecuted(result: string): Promise<void>;
}

export interface ActionResult {
  state: 'succeeded' | 'failed';
  /** Whether the change was confirmed by reading it back (or a real SMTP AUTH). */
  verified: boolean;
  outcome: ActionOutcome;
  /** The next approval steps this result calls for (rotation). */
  followUps: RemediationAction[];
}

const failed = (summary: string, details: string[], created?: string[]): ActionResult => ({
  state: 'failed',
  verified: false,
  outcome: { summary, details, ...(created ? { created } : {}) },
  followUps: [],
});

const reason = (error: unknown, secrets: ReadonlyArray<Secret | undefined> = []): string => {
  const { message, code } = describeError(error);
  return scrubSecrets(`${message}${code !== 'unexpected' ? ` (${code})` : ''}`, secrets);
};

export async function runAction(action: RemediationAction, ctx: ActionContext): Promise<ActionResult> {
  switch (action.kind) {
    case 'remove-suppression':
      return removeSuppression(action, ctx);
    case 'delete-access-key':
      return deleteKey(action, ctx);
    case 'create-access-key':
      return createKey(action, ctx);
    case 'deactivate-access-key':
      return deactivateKey(action, ctx);
  }
}

async function removeSuppression(action: Extract<RemediationAction, { kind: 'remove-suppression' }>, ctx: ActionContext): Promise<ActionResult> {
  try {
    await ctx.gateway.deleteSuppressedDestination(action.region, action.email);
  } catch (error) {
    return failed(`Could not remove ${action.email} from the suppression list.`, [
      `DeleteSuppressedDestination failed: ${reason(error)}.`,
      `Nothing was changed: ${action.email} is still on the list in ${action.region}.`,
    ]);
  }
  await ctx.onExecuted(`DeleteSuppressedDestination ${action.email} in ${action.region} succeeded`);
  try {
    const still = await ctx.gateway.getSuppressedDestination(action.region, action.email);
    if (still) {
      return failed(`SES accepted the removal, but ${action.email} is still listed.`, [
        `GetSuppressedDestination still returns ${action.email} (reason ${still.reason}).`,
      ]);
    }
  } catch (error) {
    return failed(`Removed ${action.email}, but could not confirm it.`, [
      `DeleteSuppressedDestination succeeded; GetSuppressedDestination then failed: ${reason(error)}.`,
    ]);
  }
  return {
    state: 'succeeded',
    verified: true,
    outcome: {
      summary: `Removed ${action.email} from the SES account suppression list in ${action.region}.`,
      details: [`Verified: GetSuppressedDestination answers 404 (not listed) for ${action.email}.`],
    },
    followUps: [],
  };
}

async function deleteKey(action: Extract<RemediationAction, { kind: 'delete-access-key' }>, ctx: ActionContext): Promise<ActionResult> {
  try {
    await ctx.gateway.deleteAccessKey(action.iamUser, action.accessKeyId);
  } catch (error) {
    return failed(`Could not delete access key ${action.accessKeyId}.`, [
      `DeleteAccessKey failed: ${reason(error)}.`,
      `Nothing was changed: the key is still there (${action.expectedStatus}).`,
    ]);
  }
  await ctx.onExecuted(`DeleteAccessKey ${action.accessKeyId} of ${action.iamUser} succeeded`);
  let remaining: IamAccessKey[];
  try {
    remaining = await ctx.gateway.listAccessKeys(action.iamUser);
  } catch (error) {
    return failed(`Deleted ${action.accessKeyId}, but could not confirm it.`, [`ListAccessKeys failed: ${reason(error)}.`]);
  }
  if (remaining.some((k) => k.accessKeyId === action.accessKeyId)) {
    return failed(`IAM accepted the deletion, but ${action.accessKeyId} is still listed.`, []);
  }
  return {
    state: 'succeeded',
    verified: true,
    outcome: {
      summary: `Deleted access key ${action.accessKeyId} of ${action.iamUser}.`,
      details: [`Verified: ListAccessKeys no longer shows it (remaining: ${remaining.map((k) => `${k.accessKeyId} ${k.status}`).join(', ') || 'none'}).`],
    },
    followUps:
      action.purpose === 'make-room'
        ? [{ kind: 'create-access-key', iamUser: action.iamUser, region: action.region, existingKeyIds: remaining.map((k) => k.accessKeyId), relayKeyId: action.accessKeyId }]
        : [],
  };
}

async function deactivateKey(action: Extract<RemediationAction, { kind: 'deactivate-access-key' }>, ctx: ActionContext): Promise<ActionResult> {
  try {
    await ctx.gateway.updateAccessKey(action.iamUser, action.accessKeyId, 'Inactive');
  } catch (error) {
    return failed(`Could not deactivate access key ${action.accessKeyId}.`, [
      `UpdateAccessKey failed: ${reason(error)}.`,
      `Nothing was changed: ${action.accessKeyId} is still active, and so is the new key ${action.newAccessKeyId}.`,
    ]);
  }
  await ctx.onExecuted(`UpdateAccessKey ${action.accessKeyId} of ${action.iamUser} to Inactive succeeded`);
  const key = (await ctx.gateway.listAccessKeys(action.iamUser).catch(() => [])).find((k) => k.accessKeyId === action.accessKeyId);
  if (key?.status !== 'Inactive') {
    return failed(`Deactivated ${action.accessKeyId}, but could not confirm it.`, [`ListAccessKeys shows it as ${key?.status ?? 'unknown'}.`]);
  }
  return {
    state: 'succeeded',
    verified: true,
    outcome: {
      summary: `Deactivated the old access key ${action.accessKeyId}; the new key ${action.newAccessKeyId} stays active.`,
      details: [
        'Verified: ListAccessKeys shows the old key as Inactive.',
        'If something still used the old key, reactivating it in IAM undoes this; once you are sure, delete it.',
      ],
    },
    followUps: [{ kind: 'delete-access-key', iamUser: action.iamUser, region: action.region, accessKeyId: action.accessKeyId, expectedStatus: 'Inactive', purpose: 'retire-old' }],
  };
}

async function createKey(action: Extract<RemediationAction, { kind: 'create-access-key' }>, ctx: ActionContext): Promise<ActionResult> {
  const presenter = ctx.presenter;
  if (!presenter) {
    return failed('No private view was available to show the new password, so no key was created.', ['Nothing was changed.']);
  }
  let created: { accessKeyId: string; secret: Secret };
  try {
    const key = await ctx.gateway.createAccessKey(action.iamUser);
    created = { accessKeyId: key.accessKeyId, secret: key.secretAccessKey };
  } catch (error) {
    return failed(`Could not create a new access key for ${action.iamUser}.`, [
      `CreateAccessKey failed: ${reason(error)}.`,
      `Nothing was changed: the existing keys (${action.existingKeyIds.join(', ') || 'none'}) are untouched.`,
    ]);
  }
  const password = new Secret(deriveSmtpPassword(created.secret.reveal(), action.region));
  const secrets = [created.secret, password];
  const createdIds = [created.accessKeyId];
  const oldKeys = action.existingKeyIds;
  const leftInPlace = `The new key ${created.accessKeyId} is kept (Active); the old key${oldKeys.length === 1 ? '' : 's'} ${oldKeys.join(', ') || '(none)'} untouched.`;
  await ctx.onExecuted(`CreateAccessKey for ${action.iamUser} succeeded: ${created.accessKeyId}`);
  const endpoint = ctx.smtp.endpointFor(action.region);
  const details: string[] = [`Created access key ${created.accessKeyId} for ${action.iamUser}; the SMTP password was derived for ${action.region}.`];

  let storedAt: string | undefined;
  if (ctx.secretArn) {
    try {
      const stored = await ctx.gateway.putSecretValue(
        ctx.secretArn,
        new Secret(JSON.stringify({ username: created.accessKeyId, password: password.reveal(), host: endpoint.host, port: endpoint.port, region: action.region })),
      );
      storedAt = `${stored.arn}${stored.versionId ? ` (version ${stored.versionId})` : ''}`;
      details.push(`The SMTP username and password were written to Secrets Manager: ${storedAt}.`);
    } catch (error) {
      details.push(`Writing the credential to Secrets Manager (${ctx.secretArn}) failed: ${reason(error, secrets)}. The approver's private view is the only copy.`);
    }
  }
  try {
    await presenter.showCredential({ username: created.accessKeyId, password, endpoint, region: action.region, storedAt });
    details.push('The username, password and endpoint were shown only to the approver, in a private view.');
  } catch (error) {
    return failed(`Created ${created.accessKeyId}, but could not show its password to the approver.`, [
      ...details,
      `Showing the credential failed: ${reason(error, secrets)}.`,
      storedAt ? `The credential is in Secrets Manager: ${storedAt}.` : 'Nobody has the password: delete the new key in IAM and rotate again.',
      leftInPlace,
    ], createdIds);
  }

  let verification: Awaited<ReturnType<typeof verifySmtpCredential>>;
  try {
    verification = await verifySmtpCredential({
      tester: ctx.smtp.tester,
      endpoint,
      credential: { username: created.accessKeyId, password },
      from: ctx.smtp.from,
      attempts: ctx.smtp.attempts,
      initialDelayMs: ctx.smtp.initialDelayMs,
      maxDelayMs: ctx.smtp.maxDelayMs,
      delay: ctx.smtp.delay,
      progress: (text) => presenter.progress(text).catch(() => undefined),
    });
  } catch (error) {
    return failed(`Created ${created.accessKeyId}, but the SMTP verification could not run.`, [...details, `Verification error: ${reason(error, secrets)}.`, leftInPlace], createdIds);
  }
  details.push(...verification.details);
  await presenter.progress(verification.authenticated ? 'Verified: SES SMTP accepts the new credential.' : 'The new credential was NOT accepted by SES SMTP yet; see the thread.').catch(() => undefined);
  if (!verification.authenticated) {
    return failed(`Created ${created.accessKeyId}, but SES SMTP never accepted it.`, [
      ...details,
      leftInPlace,
      'Try the credential again in a few minutes with "Test a credential"; if it keeps failing, check that the user may ses:SendRawEmail.',
    ], createdIds);
  }
  if (verification.send && !verification.send.sent) {
    return failed(`Created ${created.accessKeyId}; AUTH works but the test message was refused.`, [...details, leftInPlace], createdIds);
  }
  const followUps: RemediationAction[] = oldKeys.map((accessKeyId) => ({
    kind: 'deactivate-access-key',
    iamUser: action.iamUser,
    region: action.region,
    accessKeyId,
    newAccessKeyId: created.accessKeyId,
  }));
  return {
    state: 'succeeded',
    verified: true,
    outcome: {
      summary: `Rotated: new key ${created.accessKeyId} created and verified${oldKeys.length > 0 ? `; old key ${oldKeys.join(', ')} still active: deactivate it once the relay uses the new password` : ''}.`,
      details,
      created: createdIds,
    },
    followUps,
  };
}

export { describeAction };
