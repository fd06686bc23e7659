/**
 * Block Kit for the approval flow: the approval message (a pure function of the request's
 * state: buttons only while pending), the private modal that shows a new credential, and
 * the "Test a credential" modal. Pure: no Slack calls here.
 */
import type { ApprovalRequest, RemediationAction } from '../../remediation/model.js';
import { actionResource, describeAction } from '../../remediation/model.js';
import type { ApprovalView } from '../../remediation/service.js';
import { type Block, context, header, type SlackMessage, section } from './blocks.js';
import { escapeMrkdwn, truncateText } from './mrkdwn.js';

export const APPROVE_ACTION = 'maildiag.approve';
export const REJECT_ACTION = 'maildiag.reject';
/** Button on relay findings: opens the "Test a credential" modal. */
export const TEST_CREDENTIAL_ACTION = 'maildiag.test_credential';
export const TEST_CREDENTIAL_VIEW = 'maildiag.test_credential.modal';
export const NEW_CREDENTIAL_VIEW = 'maildiag.new_credential.modal';
export const TEST_CREDENTIAL_FIELDS = {
  username: { block: 'smtp_username', action: 'value' },
  password: { block: 'smtp_password', action: 'value' },
  region: { block: 'smtp_region', action: 'value' },
} as const;

const TITLES: Record<RemediationAction['kind'], string> = {
  'remove-suppression': 'Remove address from the suppression list',
  'delete-access-key': 'Delete an access key',
  'create-access-key': 'Rotate SMTP credential: create and verify a new key',
  'deactivate-access-key': 'Rotate SMTP credential: deactivate the old key',
};

function approveLabel(action: RemediationAction): string {
  switch (action.kind) {
    case 'deactivate-access-key':
      return 'Relay updated: deactivate old key';
    case 'delete-access-key':
      return action.purpose === 'retire-old' ? 'Delete old key' : 'Approve deletion';
    default:
      return 'Approve';
  }
}

const slackDate = (iso: string): string => {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
};

function stateLine(request: ApprovalRequest): string {
  // The bot's own decisions (expiry, interruption) are recorded as `system`: named in words, never `<@system>`.
  const by = request.decidedBy === 'system' ? 'maildiag itself' : request.decidedBy ? `<@${request.decidedBy}>` : 'someone';
  const outcome = request.outcome;
  const details = outcome ? outcome.details.map((d) => `\n• ${escapeMrkdwn(truncateText(d, 400))}`).join('') : '';
  switch (request.state) {
    case 'pending':
      return `:hourglass_flowing_sand: *Waiting for approval* (expires ${slackDate(request.expiresAt)})`;
    case 'executing':
      return `:gear: *Approved by ${by}, running…*`;
    case 'succeeded':
      return `:white_check_mark: *Done* (approved by ${by}): ${escapeMrkdwn(outcome?.summary ?? '')}${details}`;
    case 'failed':
      return `:x: *Failed* (approved by ${by}): ${escapeMrkdwn(outcome?.summary ?? '')}${details}`;
    case 'rejected':
      return `:no_entry_sign: *Rejected by ${by}.* Nothing was changed.`;
    case 'expired':
      return `:hourglass: *Expired* at ${slackDate(request.expiresAt)} without a decision. Nothing was changed.`;
    case 'superseded':
      return `:leftwards_arrow_with_hook: *Not run:* the finding changed before approval.${details} Nothing was changed.`;
    case 'interrupted':
      return `:warning: *Interrupted* (approved by ${by}): the bot process running it stopped before it finished, so the change may be partly made. It will not be run again by itself: run the diagnosis again to see the current state.`;
  }
}

export function renderApprovalMessage(view: ApprovalView): SlackMessage {
  const { request } = view;
  const action = request.action;
  const region = action.region;
  const blocks: Block[] = [
    header(`${request.state === 'pending' ? 'Approval needed' : 'Fix request'}: ${TITLES[action.kind]}`),
    section(
      [
        `*What will change:* ${escapeMrkdwn(describeAction(action))}`,
        `*Resource:* ${escapeMrkdwn(actionResource(action))}`,
        `*Region:* ${escapeMrkdwn(region)}`,
        ...(action.kind === 'remove-suppression' && action.reason ? [`*Why it is listed:* ${escapeMrkdwn(action.reason === 'COMPLAINT' ? 'COMPLAINT (the recipient marked a message as spam)' : action.reason === 'BOUNCE' ? 'BOUNCE (a message to it bounced permanently)' : action.reason)}`] : []),
        `*Requested by:* <@${request.requestedBy}>`,
        `*Expires:* ${slackDate(request.expiresAt)}`,
        `*Runs as:* ${escapeMrkdwn(view.credentials)}`,
      ].join('\n'),
      `approval.what.${request.id}`,
    ),
  ];
  if (action.kind === 'deactivate-access-key') {
    blocks.push(section('Approve only once the relay (for example Gmail\'s "Send mail as") uses the new password: anything still using the old key stops working.'));
  }
  for (const warning of request.warnings) blocks.push(section(`:warning: ${escapeMrkdwn(truncateText(warning, 900))}`));
  blocks.push(section(stateLine(request), `approval.state.${request.id}`));
  if (request.state === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: `approval.actions.${request.id}`,
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, text: { type: 'plain_text', text: approveLabel(action) }, value: request.id, style: 'primary' },
        { type: 'button', action_id: REJECT_ACTION, text: { type: 'plain_text', text: action.kind === 'deactivate-access-key' ? 'Not yet' : 'Reject' }, value: request.id, style: 'danger' },
      ],
    });
    blocks.push(context(`Approvers: ${view.mentions} · step ${request.step} · request \`${request.id}\``));
  } else {
    blocks.push(context(`Step ${request.step} · request \`${request.id}\``));
  }
  const text =
    request.state === 'pending'
      ? `${view.mentions} approval needed: ${escapeMrkdwn(describeAction(action))} (requested by <@${request.requestedBy}>)`
      : `Fix request ${request.state}: ${escapeMrkdwn(describeAction(action))}`;
  return { text: truncateText(text, 3000), blocks };
}

// ---------- modals ----------

interface PlainTextInput {
  type: 'input';
  block_id: string;
  label: { type: 'plain_text'; text: string };
  element: { type: 'plain_text_input'; action_id: string; placeholder?: { type: 'plain_text'; text: string }; initial_value?: string };
  hint?: { type: 'plain_text'; text: string };
}

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: { type: 'plain_text'; text: string };
  close?: { type: 'plain_text'; text: string };
  submit?: { type: 'plain_text'; text: string };
  private_metadata?: string;
  blocks: Array<Block | PlainTextInput>;
}

export function renderCredentialProgressModal(text: string): ModalView {
  return {
    type: 'modal',
    callback_id: NEW_CREDENTIAL_VIEW,
    title: { type: 'plain_text', text: 'New SMTP credential' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [section(`:gear: ${escapeMrkdwn(text)}`)],
  };
}

/**
 * The only view that ever contains a password. Modals are shown to the clicking user only
 * and are not kept in channel history.
 */
export function renderCredentialModal(input: {
  username: string;
  password: string;
  endpoint: { host: string; port: number };
  region: string;
  storedAt: string | undefined;
  progress: string[];
}): ModalView {
  return {
    type: 'modal',
    callback_id: NEW_CREDENTIAL_VIEW,
    title: { type: 'plain_text', text: 'New SMTP credential' },
    close: { type: 'plain_text', text: 'Done' },
    blocks: [
      section(
        ':lock: *Shown to you only, and only now.* Copy it into the relay (Gmail: Settings → Accounts → "Send mail as" → edit info → SMTP server, username, password). This view is not kept in channel history.',
      ),
      section(
        [
          `*SMTP server:* \`${input.endpoint.host}\` port \`${input.endpoint.port}\` (STARTTLS; 465 for implicit TLS)`,
          `*Region:* ${escapeMrkdwn(input.region)}`,
          `*SMTP username:* \`${input.username}\``,
          `*SMTP password:* \`${input.password}\``,
        ].join('\n'),
      ),
      context(input.storedAt ? `Also stored in AWS Secrets Manager: ${escapeMrkdwn(input.storedAt)}` : 'Not stored anywhere else: copy it now.'),
      ...(input.progress.length > 0 ? [section(input.progress.map((line) => escapeMrkdwn(line)).join('\n'))] : []),
    ],
  };
}

export interface TestCredentialMetadata {
  channel: string;
  threadTs: string;
}

export function renderTestCredentialModal(metadata: TestCredentialMetadata, region: string): ModalView {
  const input = (block: string, label: string, placeholder: string, hint?: string, initial?: string): PlainTextInput => ({
    type: 'input',
    block_id: block,
    label: { type: 'plain_text', text: label },
    element: { type: 'plain_text_input', action_id: 'value', placeholder: { type: 'plain_text', text: placeholder }, ...(initial ? { initial_value: initial } : {}) },
    ...(hint ? { hint: { type: 'plain_text', text: hint } } : {}),
  });
  return {
    type: 'modal',
    callback_id: TEST_CREDENTIAL_VIEW,
    title: { type: 'plain_text', text: 'Test a credential' },
    submit: { type: 'plain_text', text: 'Test' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(metadata),
    blocks: [
      section('Runs one real SMTP AUTH against the SES endpoint of the region and posts only the outcome in the thread. Nothing is changed and nothing you type is kept.'),
      input(TEST_CREDENTIAL_FIELDS.username.block, 'SMTP username', 'AKIA…', 'The access key id the relay uses.'),
      input(TEST_CREDENTIAL_FIELDS.password.block, 'SMTP password', 'The derived SMTP password (starts with B)'),
      input(TEST_CREDENTIAL_FIELDS.region.block, 'Region', 'us-east-1', undefined, region),
    ],
  };
}
