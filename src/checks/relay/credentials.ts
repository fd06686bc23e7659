import { type AccessKeyLastUsed, AwsCallError, type IamAccessKey } from '../../core/aws-ports.js';
import type { AwsCheck, AwsRunContext } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding, type Status, worstStatus } from '../../core/finding.js';
import type { RunContext } from '../../core/ports.js';
import { awsErrorFinding, daysBetween, isoDate, regionsOf, relayRegionOf } from '../ses/common.js';

const LAYER = 'relay';
const CHECK = 'credentials';
const TITLE = 'Relay SMTP credentials';

type ListResult = { keys: IamAccessKey[] } | { error: AwsCallError };

async function listKeys(ctx: AwsRunContext, userName: string): Promise<ListResult> {
  try {
    return { keys: await ctx.aws.iam.listAccessKeys(userName) };
  } catch (error) {
    if (error instanceof AwsCallError) return { error };
    throw error;
  }
}

function keyListEvidence(userName: string, list: ListResult | undefined): EvidenceItem[] {
  if (!list) return [];
  if ('error' in list) return [{ label: `ListAccessKeys ${userName}`, value: `${list.error.awsCode}`, code: true }];
  return [
    {
      label: `ListAccessKeys ${userName}`,
      value: list.keys.length > 0 ? list.keys.map((k) => `${k.accessKeyId} ${k.status} created ${isoDate(k.createDate)}`) : ['(no access keys)'],
      code: true,
    },
  ];
}

function lastUsedText(lastUsed: Extract<AccessKeyLastUsed, { found: true }>): string {
  return lastUsed.lastUsedDate
    ? `LastUsedDate ${isoDate(lastUsed.lastUsedDate)}, ServiceName ${lastUsed.serviceName ?? 'N/A'}, Region ${lastUsed.region ?? 'N/A'}`
    : 'never used (ServiceName N/A, Region N/A)';
}

/** One existing key: status, age, last use (snapshotted in the evidence). */
function keyFinding(ctx: RunContext, key: IamAccessKey, lastUsed: AccessKeyLastUsed | AwsCallError, named: boolean): Finding {
  const relayRegion = relayRegionOf(ctx);
  const regions = regionsOf(ctx);
  const now = ctx.clock.now();
  const evidence: EvidenceItem[] = [
    { label: `access key ${key.accessKeyId}`, value: `user ${key.userName}, Status ${key.status}, created ${isoDate(key.createDate)}`, code: true },
  ];
  const issues: Array<{ status: Status; priority: number; text: string; fix: string }> = [];
  const rotate = { kind: 'rotate-smtp-credential' as const, iamUser: key.userName, region: relayRegion, oldAccessKeyId: key.accessKeyId };
  if (lastUsed instanceof AwsCallError) {
    evidence.push({ label: 'GetAccessKeyLastUsed', value: `${lastUsed.awsCode}${lastUsed.missingAction ? ` (bot lacks ${lastUsed.missingAction})` : ''}`, code: true });
  } else if (lastUsed.found) {
    evidence.push({ label: `GetAccessKeyLastUsed ${key.accessKeyId} (snapshot ${isoDate(now)})`, value: lastUsedText(lastUsed), code: true });
  }
  if (key.status !== 'Active') {
    issues.push({
      status: 'fail',
      priority: 2,
      text: `is ${key.status}: SES answers 535 Authentication Credentials Invalid to every relay using its SMTP password`,
      fix: `If a relay still uses ${key.accessKeyId}, reactivate it (IAM → Users → ${key.userName} → Security credentials) or rotate the SMTP credential.`,
    });
  }
  if (!(lastUsed instanceof AwsCallError) && lastUsed.found) {
    if (!lastUsed.lastUsedDate) {
      issues.push({
        status: 'warn',
        priority: named ? 8 : 20,
        text: 'has never been used: no relay authenticates with it (if IAM records SMTP use at all)',
        fix: `If this is the credential the relay should use, put ${key.accessKeyId} and its SMTP password for ${relayRegion} into the relay's settings.`,
      });
    } else if (lastUsed.region && !regions.includes(lastUsed.region)) {
      issues.push({
        status: 'warn',
        priority: 8,
        text: `was last used in ${lastUsed.region}, not ${regions.join('/')}: a password derived for one region fails at another region's endpoint`,
        fix: `Point the relay at email-smtp.${lastUsed.region}.amazonaws.com, or derive the SMTP password for ${relayRegion} and update the relay.`,
      });
    }
  }
  if (key.createDate && key.status === 'Active') {
    const age = daysBetween(key.createDate, now);
    if (age > ctx.settings.keyMaxAgeDays) {
      issues.push({
        status: 'warn',
        priority: 25,
        text: `is ${age} days old, over the ${ctx.settings.keyMaxAgeDays}-day rotation age`,
        fix: 'Rotate it: create a second key, update the relay, then deactivate and delete the old one.',
      });
    }
  }
  const status = worstStatus(issues.map((i) => i.status), 'pass');
  const first = issues.sort((a, b) => a.priority - b.priority)[0];
  return makeFinding(LAYER, CHECK, {
    id: key.accessKeyId,
    status,
    ...(first ? { priority: first.priority } : {}),
    title: TITLE,
    summary:
      issues.length === 0
        ? `SMTP credential ${key.accessKeyId} (${key.userName}) is active and was last used in ${!(lastUsed instanceof AwsCallError) && lastUsed.found ? (lastUsed.region ?? '?') : '?'}.`
        : `SMTP credential ${key.accessKeyId} (${key.userName}) ${issues.map((i) => i.text).join('; ')}.`,
    evidence,
    explanation: 'The SMTP username is the IAM access key id and the password is derived from its secret, per region; the relay authenticates with both.',
    fix: issues.map((i) => i.fix).join(' '),
    ...(key.status !== 'Active' ? { remediation: rotate } : {}),
  });
}

/** The root cause of the canonical scenario: the relay's key no longer exists. */
function missingKeyFinding(
  ctx: RunContext,
  answer: Extract<AccessKeyLastUsed, { found: false }>,
  lists: Map<string, ListResult>,
): Finding {
  const region = relayRegionOf(ctx);
  const users = ctx.settings.smtpUsers;
  const listed = [...lists.values()];
  const confirmed = answer.answeredWith === 'NoSuchEntity' || (listed.length > 0 && listed.every((l) => 'keys' in l && !l.keys.some((k) => k.accessKeyId === answer.accessKeyId)));
  const owner = users.length === 1 ? users[0] : undefined;
  const evidence: EvidenceItem[] = [
    { label: `GetAccessKeyLastUsed ${answer.accessKeyId}`, value: `${answer.answeredWith}: ${answer.awsMessage}`, code: true },
    ...[...lists.entries()].flatMap(([user, list]) => keyListEvidence(user, list)),
    { label: 'relay endpoint', value: `email-smtp.${region}.amazonaws.com:587`, code: true },
    { label: 'SMTP reply every relay gets', value: '535 Authentication Credentials Invalid', code: true },
  ];
  return makeFinding(LAYER, CHECK, {
    id: answer.accessKeyId,
    status: 'fail',
    priority: confirmed ? 0 : 3,
    title: TITLE,
    summary: `SMTP username ${answer.accessKeyId} no longer exists in IAM (the access key was rotated or deleted): every relay using it gets 535 Authentication Credentials Invalid.`,
    evidence,
    explanation:
      `The SMTP password is derived from the access key's secret, so deleting or rotating the key invalidates it everywhere at once. Relays such as Gmail's "Send mail as" then show "Authentication failed ... 535 Authentication Credentials Invalid" and stop sending.` +
      (answer.answeredWith === 'AccessDenied'
        ? ' IAM answered AccessDenied naming the key, which is how it reports a key that no longer exists in the account' +
          (confirmed ? '; ListAccessKeys confirms it is gone.' : '; confirm by listing the SMTP user\'s keys (MAILDIAG_SMTP_USERS).')
        : ''),
    fix: `Rotate the SMTP credential${owner ? ` of ${owner}` : ''}: create a new access key, derive its SMTP password for ${region}, and paste both into the relay (Gmail: Settings → Accounts → "Send mail as" → edit info → SMTP username and password).${owner ? '' : ' Name the SMTP IAM user in MAILDIAG_SMTP_USERS so the bot can offer the rotation.'}`,
    ...(owner ? { remediation: { kind: 'rotate-smtp-credential' as const, iamUser: owner, region, oldAccessKeyId: answer.accessKeyId } } : {}),
  });
}

export const credentialsCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const iam = ctx.aws.iam;
    const users = ctx.settings.smtpUsers;
    const named = ctx.target.smtpUsers;
    if (users.length === 0 && named.length === 0) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'info',
          title: TITLE,
          summary: 'No SMTP credential to check: no SMTP username in the input and no SMTP IAM user configured.',
          explanation: 'The relay layer checks the IAM access keys that relays use as SMTP usernames.',
          fix: 'Run again with smtp-user=AKIA... (the SMTP username the relay uses), or configure MAILDIAG_SMTP_USERS.',
        }),
      ];
    }
    // Everything independent starts at once: the users' key lists and the named keys' last use.
    const lists = new Map<string, ListResult>();
    const namedAnswers = Promise.all(
      named.map((keyId) =>
        iam.getAccessKeyLastUsed(keyId).then(
          (answer) => ({ keyId, answer, error: undefined }),
          (error: unknown) => {
            if (error instanceof AwsCallError) return { keyId, answer: undefined, error };
            throw error;
          },
        ),
      ),
    );
    await Promise.all(users.map(async (user) => lists.set(user, await listKeys(ctx, user))));
    const findings: Finding[] = [];
    const done = new Set<string>(named);

    const namedFindings = (await namedAnswers).map(async ({ keyId, answer, error }): Promise<Finding> => {
      if (!answer) return awsErrorFinding(LAYER, CHECK, { id: keyId, title: TITLE, what: `SMTP username ${keyId}`, error });
      if (!answer.found) return missingKeyFinding(ctx, answer, lists);
      const list = lists.get(answer.userName) ?? (await listKeys(ctx, answer.userName));
      if ('error' in list) return awsErrorFinding(LAYER, CHECK, { id: keyId, title: TITLE, what: `the status of SMTP username ${keyId}`, error: list.error });
      const key = list.keys.find((k) => k.accessKeyId === keyId) ?? { userName: answer.userName, accessKeyId: keyId, status: 'Unknown', createDate: undefined };
      return keyFinding(ctx, key, answer, true);
    });

    const userFindings = users.flatMap((user): Array<Promise<Finding>> => {
      const list = lists.get(user)!;
      if ('error' in list) {
        return [Promise.resolve(awsErrorFinding(LAYER, CHECK, { id: user, title: TITLE, what: `the access keys of ${user}`, error: list.error }))];
      }
      if (list.keys.length === 0) {
        return [
          Promise.resolve(
            makeFinding(LAYER, CHECK, {
              id: user,
              status: 'warn',
              priority: 10,
              title: TITLE,
              summary: `SMTP IAM user ${user} has no access key, so no relay can authenticate as it.`,
              evidence: keyListEvidence(user, list),
              fix: `Create SMTP credentials for ${user} (or rotate through the bot).`,
            }),
          ),
        ];
      }
      return list.keys
        .filter((key) => !done.has(key.accessKeyId) && done.add(key.accessKeyId))
        .map(async (key) => {
          const lastUsed = await iam.getAccessKeyLastUsed(key.accessKeyId).catch((error: unknown) => {
            if (error instanceof AwsCallError) return error;
            throw error;
          });
          return keyFinding(ctx, key, lastUsed, false);
        });
    });
    findings.push(...(await Promise.all([...namedFindings, ...userFindings])));
    return findings;
  },
};
