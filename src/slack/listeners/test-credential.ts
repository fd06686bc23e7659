/**
 * "Test a credential": a button on relay findings opens a modal where the user types an SMTP
 * username and password (for example the ones the relay holds); the bot runs one real AUTH
 * against the region's endpoint and posts only the outcome in the thread. Nothing is kept.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { isSesRegion } from '../../core/regions.js';
import { Secret } from '../../remediation/secret.js';
import type { SlackDeps } from '../deps.js';
import { TEST_CREDENTIAL_FIELDS, type TestCredentialMetadata, renderTestCredentialModal } from '../render/approval.js';

type ViewsOpenView = Parameters<AllMiddlewareArgs['client']['views']['open']>[0]['view'];

export function testCredentialButtonListener(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const threadTs = body.message?.thread_ts ?? body.message?.ts;
    if (!channel || !threadTs) return;
    const region = isSesRegion(action.value ?? '') ? (action.value as string) : 'us-east-1';
    const view = renderTestCredentialModal({ channel, threadTs }, region);
    await client.views.open({ trigger_id: body.trigger_id, view: view as unknown as ViewsOpenView });
    deps.log.info({ user: body.user.id, channel }, 'credential test modal opened');
  };
}

export function testCredentialSubmitListener(deps: SlackDeps) {
  return async ({ ack, view, body }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const values = view.state.values;
    const read = (field: keyof typeof TEST_CREDENTIAL_FIELDS): string =>
      (values[TEST_CREDENTIAL_FIELDS[field].block]?.[TEST_CREDENTIAL_FIELDS[field].action]?.value ?? '').trim();
    const username = read('username');
    const password = read('password');
    const region = read('region').toLowerCase();
    const errors: Record<string, string> = {};
    if (!/^AKIA[A-Z0-9]{16}$/.test(username)) errors[TEST_CREDENTIAL_FIELDS.username.block] = 'An SES SMTP username is an access key id: AKIA followed by 16 letters or digits.';
    if (password === '') errors[TEST_CREDENTIAL_FIELDS.password.block] = 'Enter the SMTP password.';
    if (!isSesRegion(region)) errors[TEST_CREDENTIAL_FIELDS.region.block] = 'Enter an SES region such as us-east-1.';
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const approval = deps.approval;
    let metadata: TestCredentialMetadata;
    try {
      metadata = JSON.parse(view.private_metadata) as TestCredentialMetadata;
    } catch {
      return;
    }
    if (!approval) return;
    await approval.service.testCredential({ thread: metadata, user: body.user.id, region, username, password: new Secret(password) });
  };
}
