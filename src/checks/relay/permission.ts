import { AwsCallError } from '../../core/aws-ports.js';
import type { AwsCheck, AwsRunContext } from '../../core/engine.js';
import { type Finding, makeFinding } from '../../core/finding.js';
import { awsErrorFinding, relayRegionOf, sesIdentityArn } from '../ses/common.js';
import { sesIdentityFacts } from '../ses/facts.js';

const LAYER = 'relay';
const CHECK = 'send-permission';
const TITLE = 'SMTP user may send';
const ACTION = 'ses:SendRawEmail';

/** IAM users whose permission matters: configured SMTP users and the owners of named keys that exist. */
async function smtpUsersInScope(ctx: AwsRunContext): Promise<string[]> {
  // Memoised in the gateway: the credentials check makes the same calls.
  const answers = await Promise.all(ctx.target.smtpUsers.map((keyId) => ctx.aws.iam.getAccessKeyLastUsed(keyId).catch(() => undefined)));
  const owners = answers.flatMap((answer) => (answer?.found && answer.userName ? [answer.userName] : []));
  return [...new Set([...ctx.settings.smtpUsers, ...owners])];
}

/** SimulatePrincipalPolicy for ses:SendRawEmail on the sending identity's ARN. */
export const sendPermissionCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    if (ctx.settings.smtpUsers.length === 0 && ctx.target.smtpUsers.length === 0) return [];
    const region = relayRegionOf(ctx);
    // The identity lookup is independent of the users: start both at once, and always await
    // it, so no request outlives the check.
    const factsPromise = sesIdentityFacts(ctx, region).catch(() => undefined);
    // Configured users are known up front: fetch their ARNs now (memoised, awaited below).
    const configured = ctx.settings.smtpUsers.map((userName) => ctx.aws.iam.getUser(userName).catch(() => undefined));
    const users = await smtpUsersInScope(ctx);
    await Promise.all(configured);
    const facts = await factsPromise;
    if (users.length === 0) return [];
    const identity = facts?.identity ?? ctx.target.senderDomain;
    return Promise.all(
      users.map(async (userName): Promise<Finding> => {
        try {
          const user = await ctx.aws.iam.getUser(userName);
          const resource = sesIdentityArn(user.arn, region, identity);
          const results = await ctx.aws.iam.simulatePrincipalPolicy({ policySourceArn: user.arn, actionNames: [ACTION], ...(resource ? { resourceArns: [resource] } : {}) });
          const result = results.find((r) => r.action === ACTION) ?? results[0];
          const decision = result?.decision ?? 'implicitDeny';
          const evidence = [
            { label: 'SimulatePrincipalPolicy', value: `${user.arn} ${ACTION} on ${resource ?? '*'}`, code: true },
            { label: 'EvalDecision', value: decision, code: true },
            ...(result && result.matchedStatements.length > 0 ? [{ label: 'MatchedStatements', value: result.matchedStatements, code: true }] : []),
            ...(result && result.missingContextValues.length > 0 ? [{ label: 'MissingContextValues', value: result.missingContextValues, code: true }] : []),
            ...(result?.organizationsAllowed === false ? [{ label: 'AllowedByOrganizations', value: 'false', code: true }] : []),
            ...(result?.permissionsBoundaryAllowed === false ? [{ label: 'AllowedByPermissionsBoundary', value: 'false', code: true }] : []),
          ];
          if (decision === 'allowed') {
            return makeFinding(LAYER, CHECK, {
              id: userName,
              status: 'pass',
              title: TITLE,
              summary: `${userName} is allowed ${ACTION} on ${identity} in ${region}.`,
              evidence,
              explanation: 'An SMTP user needs ses:SendRawEmail on the identity it sends as.',
            });
          }
          const gap =
            decision === 'explicitDeny'
              ? `an explicit Deny (${result?.matchedStatements.join(', ') || 'a policy statement'}) blocks it`
              : result?.organizationsAllowed === false
                ? 'an organisation SCP does not allow it'
                : result?.permissionsBoundaryAllowed === false
                  ? 'the user\'s permissions boundary does not allow it'
                  : 'no policy attached to the user allows it';
          return makeFinding(LAYER, CHECK, {
            id: userName,
            status: 'fail',
            priority: 3,
            title: TITLE,
            summary: `${userName} may not send: ${ACTION} on ${identity} is denied (${decision}), ${gap}.`,
            evidence,
            explanation: `Relays authenticating as this user get "554 Access denied: User ${user.arn} is not authorized to perform ${ACTION}" for every message.`,
            fix:
              decision === 'explicitDeny'
                ? `Remove or narrow the denying statement (${result?.matchedStatements.join(', ') || 'see MatchedStatements'}).`
                : `Attach a policy to ${userName} allowing {"Effect":"Allow","Action":"${ACTION}","Resource":"${resource ?? '*'}"}.`,
          });
        } catch (error) {
          if (error instanceof AwsCallError) {
            return awsErrorFinding(LAYER, CHECK, { id: userName, title: TITLE, what: `whether ${userName} may send`, error });
          }
          throw error;
        }
      }),
    );
  },
};
