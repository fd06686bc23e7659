/** What an SES SMTP endpoint's reply means for the relay (KNOWLEDGE.md section 2). Pure. */
import type { Status } from '../../core/finding.js';
import type { SmtpReply } from '../../core/smtp-ports.js';

export interface RelayReplyMeaning {
  status: Status;
  priority: number;
  meaning: string;
  fix: string;
}

export function interpretRelayReply(reply: SmtpReply, context: { region: string; username?: string }): RelayReplyMeaning {
  const text = reply.text;
  const who = context.username ? `the SMTP username ${context.username}` : 'the SMTP credential';
  switch (reply.code) {
    case 235:
      return { status: 'pass', priority: 50, meaning: `SES accepted ${who} at the ${context.region} endpoint.`, fix: '' };
    case 535:
      return {
        status: 'fail',
        priority: 1,
        meaning: `SES rejected ${who} (535 Authentication Credentials Invalid): the access key was rotated or deleted, the password was derived for another region than ${context.region}, or the secret access key was pasted instead of the derived SMTP password.`,
        fix: `Create a new access key for the SMTP IAM user, derive the SMTP password for ${context.region}, and update the relay's username and password.`,
      };
    case 530:
      return {
        status: 'fail',
        priority: 2,
        meaning: 'SES requires authentication (530): the client sent mail without logging in.',
        fix: 'Configure the relay to authenticate (username = access key id, password = derived SMTP password) over STARTTLS.',
      };
    case 454:
      return /throttl|quota|rate/i.test(text)
        ? {
            status: 'warn',
            priority: 6,
            meaning: `SES is throttling (454 ${text}): the daily quota or the per-second rate is exceeded.`,
            fix: 'Wait for the quota window, slow the sender down, or ask for a higher SES sending quota.',
          }
        : {
            status: 'warn',
            priority: 15,
            meaning: `SES answered a temporary failure (454 ${text}); it is on SES's side.`,
            fix: 'Retry in a few minutes; if it persists, check the AWS Health Dashboard for SES in this region.',
          };
    case 554:
      return /not authorized to perform/i.test(text)
        ? {
            status: 'fail',
            priority: 3,
            meaning: `IAM does not allow ${who} to send (554 ${text}).`,
            fix: 'Attach a policy allowing ses:SendRawEmail on the sending identity to the SMTP IAM user.',
          }
        : {
            status: 'fail',
            priority: 3,
            meaning: `SES refused the message (554 ${text}).`,
            fix: 'Read the reply: "not verified" means the identity is not verified in this region; in the sandbox, recipients must be verified too.',
          };
    default:
      return {
        status: reply.code >= 200 && reply.code < 400 ? 'pass' : 'warn',
        priority: 30,
        meaning: `SES answered ${reply.code} ${text}.`,
        fix: reply.code >= 400 ? 'Retry; if it persists, contact AWS Support with this reply.' : '',
      };
  }
}
