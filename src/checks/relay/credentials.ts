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
  // The thread's replies are about the key it names; a configured user's other keys are judged on IAM facts alone.
  const reported: RelayReplyFacts = named ? reportedRelayReplies(ctx) : { evidence: [] };
  evidence.push(...reported.evidence);
  // The relay endpoint the thread shows, when it names one; else the first region in scope.
  const seenRegions = ctx.target.relayEndpointRegions ?? [];
  let rotationRegion = relayRegion;
  let offerRotation = key.status !== 'Active';
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
    } else if (lastUsed.region && seenRegions.length > 0 && !seenRegions.includes(lastUsed.region)) {
      // The relay connects to another region's endpoint than IAM saw the key used in.
      const seen = seenRegions[0] ?? relayRegion;
      rotationRegion = seen;
      const failing = reported.authFailed;
      if (failing) offerRotation = true;
      issues.push({
        status: failing ? 'fail' : 'warn',
        priority: failing ? 1 : 8,
        text: `was last used in ${lastUsed.region} (IAM), but the relay connects to email-smtp.${seen}.amazonaws.com${failing ? ` and gets ${reported.authFailed}` : ''}: SMTP passwords are derived per region, so the password made for ${lastUsed.region} is rejected at ${seen}`,
        fix: `Derive the SMTP password for ${seen} from the secret of ${key.accessKeyId} (or create a new key and derive it for ${seen}) and put it in the relay, or point the relay back at email-smtp.${lastUsed.region}.amazonaws.com, where its current password works.`,
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
  if (key.createDate && key.createDate.getTime() < SIGV2_CUTOFF.getTime()) {
    // SMTP passwords made before 2019-01-10 were derived with SigV2, which SES retired.
    const evidenceOfSigV2 = reported.sigV2 ?? reported.authFailed;
    if (evidenceOfSigV2) offerRotation = true;
    issues.push({
      status: evidenceOfSigV2 ? 'fail' : 'warn',
      priority: evidenceOfSigV2 ? 1 : 12,
      text: `was created on ${isoDate(key.createDate).slice(0, 10)}, before ${isoDate(SIGV2_CUTOFF).slice(0, 10)}, when SES SMTP passwords were derived with the SigV2 algorithm, which SES no longer accepts${evidenceOfSigV2 ? `; the relay's reply (${evidenceOfSigV2}) shows it still uses such a password` : ': if the relay\'s password was derived then, it stops working'}`,
      fix: `Create a new access key for ${key.userName}, derive its SigV4 SMTP password for ${rotationRegion} (the SES console's "Create SMTP credentials" or the bot's rotation does), put both in the relay, then deactivate ${key.accessKeyId}.`,
    });
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
    ...(offerRotation ? { remediation: { kind: 'rotate-smtp-credential' as const, iamUser: key.userName, region: rotationRegion, oldAccessKeyId: key.accessKeyId } } : {}),
  });
}

/** SES SMTP credentials created before this date were SigV2 (AWS SES Developer Guide, "Obtaining SES SMTP credentials"). */
export const SIGV2_CUTOFF = new Date('2019-01-10T00:00:00Z');

interface RelayReplyFacts {
  authFailed?: string;
  sigV2?: string;
  evidence: EvidenceItem[];
}

/**
 * What the input (ticket thread, --bounce) shows the relay getting from SES: an authentication
 * failure (535) or the SigV2 reply (454 ... SigV2 ...). Quoted as evidence on the key's finding.
 */
function reportedRelayReplies(ctx: RunContext): RelayReplyFacts {
  const relay = ctx.target.replies.filter((reply) => reply.layer === 'relay' || /SigV2/i.test(reply.raw));
  const auth = relay.find((reply) => reply.replyCode === '535');
  const sigV2 = relay.find((reply) => /SigV2/i.test(reply.raw));
  const short = (raw: string): string => (raw.length > 120 ? `${raw.slice(0, 119)}…` : raw);
  return {
    ...(auth ? { authFailed: short(auth.raw) } : {}),
    ...(sigV2 ? { sigV2: short(sigV2.raw) } : {}),
    evidence: [auth, sigV2]
      .filter((reply, index, all): reply is NonNullable<typeof reply> => reply !== undefined && all.indexOf(reply) === index)
      .map((reply) => ({ label: `reply the relay got${reply.reportedBy ? ` (shown by ${reply.reportedBy})` : ''}`, value: reply.raw, code: true })),
  };
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
