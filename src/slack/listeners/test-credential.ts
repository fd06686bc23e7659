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
import { z } from 'zod';
import { isChannelAllowed } from '../channels.js';
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

/**
 * Limits on "Test a credential" (each test is one real SMTP AUTH against SES, and its outcome
 * a post in the thread): per user, per SMTP username, and per channel for the posts.
 */
export const CREDENTIAL_TEST_LIMITS = {
  perUser: { limit: 3, windowMs: 60_000 },
  perUsername: { limit: 3, windowMs: 5 * 60_000 },
  perChannel: { limit: 10, windowMs: 60 * 60_000 },
} as const;

const metadataSchema = z.object({ channel: z.string().min(1).max(64), threadTs: z.string().min(1).max(32) });

export function testCredentialSubmitListener(deps: SlackDeps) {
  // Counted in the shared store when the app has one (every replica shares the limits).
  const perUser = deps.rateLimits('credential-test.user', CREDENTIAL_TEST_LIMITS.perUser);
  const perUsername = deps.rateLimits('credential-test.username', CREDENTIAL_TEST_LIMITS.perUsername);
  const perChannel = deps.rateLimits('credential-test.channel', CREDENTIAL_TEST_LIMITS.perChannel);
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
    // private_metadata is set by us but only signature-protected: its shape and its channel
    // are checked again here, at submission.
    let metadata: TestCredentialMetadata;
    try {
      const parsed = metadataSchema.safeParse(JSON.parse(view.private_metadata));
      if (!parsed.success) throw new Error('bad metadata');
      metadata = parsed.data;
    } catch {
      deps.log.warn({ user: body.user.id }, 'refused: credential test with malformed metadata');
      await ack({ response_action: 'errors', errors: { [TEST_CREDENTIAL_FIELDS.username.block]: 'This form is out of date; open it again from the report.' } });
      return;
    }
    const refuse = async (reason: string, message: string): Promise<void> => {
      deps.log.info({ user: body.user.id, channel: metadata.channel, reason }, 'credential test refused');
      await ack({ response_action: 'errors', errors: { [TEST_CREDENTIAL_FIELDS.username.block]: message } });
    };
    if (!isChannelAllowed(deps.allowedChannels, metadata.channel)) {
      await refuse('channel not allowed', 'Credential tests are not allowed for this channel.');
      return;
    }
    // In order, stopping at the first refusal (a refused test uses no other limit's budget).
    for (const [reason, limiter, key] of [
      ['per-user limit', perUser, body.user.id],
      ['per-username limit', perUsername, username],
      ['per-channel limit', perChannel, metadata.channel],
    ] as const) {
      let decision: Awaited<ReturnType<typeof limiter.take>>;
      try {
        decision = await limiter.take(key);
      } catch (error) {
        // The store cannot count: refuse rather than run an AUTH nobody counted.
        deps.log.warn({ err: { message: (error as Error).message } }, 'credential test limits could not be checked');
        await refuse('limits unavailable', 'Credential tests are unavailable right now (the limits could not be checked); try again shortly.');
        return;
      }
      if (!decision.ok) {
        await refuse(reason, `Too many credential tests (${reason.replace(' limit', '')}); try again in ${decision.retryAfterSeconds} s.`);
        return;
      }
    }
    await ack();
    const approval = deps.approval;
    if (!approval) return;
    await approval.service.testCredential({ thread: metadata, user: body.user.id, region, username, password: new Secret(password) });
  };
}
