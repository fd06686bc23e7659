/** Private answers that are not reports: usage, refusals, errors. All return mrkdwn. */
import { SLASH_COMMAND } from '../ids.js';
import { escapeMrkdwn } from './mrkdwn.js';

export const USAGE_TEXT = [
  `*Usage:* \`${SLASH_COMMAND} <domain | address> [to=<address>] [region=<region>] [smtp-user=<AKIA...>] [message-id=<SES message id>]\``,
  `• \`${SLASH_COMMAND} example.com\`: check the sending domain's SES set-up and DNS`,
  `• \`${SLASH_COMMAND} admin@example.com to=alice@example.net\`: also the recipient side and the suppression list`,
  `• \`region=eu-west-1\` picks the SES region; \`smtp-user=AKIA...\` checks the SMTP credentials a relay uses; \`message-id=...\` shows what SES recorded for one message`,
  `• \`${SLASH_COMMAND} watch\`: what the watch sees (SES events, queue lag, the last audit), privately`,
  '• In a ticket thread, slash commands do not work: mention me there (`@maildiag` or `@maildiag diagnose`), or use the message shortcut *Diagnose this thread*. I read the thread and diagnose what it is about.',
].join('\n');

export function inputErrorText(message: string): string {
  return `:warning: ${escapeMrkdwn(message)}\n\n${USAGE_TEXT}`;
}

export function channelRefusedText(channel: string): string {
  return `:no_entry: maildiag is not enabled in this channel (\`${escapeMrkdwn(channel)}\`): its reports show account details such as IAM user names, access key ids and suppression data. Ask an admin to add the channel to \`MAILDIAG_ALLOWED_CHANNELS\`, or run it in a channel where it is enabled.`;
}

export function runErrorText(message: string, runId: string): string {
  return `:warning: ${message}\nrun id \`${escapeMrkdwn(runId)}\` (the bot's logs carry the same id)`;
}

/** The private answer when the run queue is full: acked, answered, nothing runs. */
export function busyText(queued: number): string {
  return `:no_entry: busy: ${queued} diagnoses queued, try again in a minute.`;
}

export const CANCELLED_TEXT =
  'This diagnosis was cancelled before it started: maildiag was stopped (a restart or a deploy). Nothing was checked; run the command again.';
