/**
 * "Request fix" button: anyone may click it. With the approval flow wired, it creates an
 * approval request in the thread (or says privately why not); without it, it answers that
 * approval is not configured, so the button always does something honest.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../core/errors.js';
import type { SlackDeps } from '../deps.js';
import { escapeMrkdwn } from '../render/mrkdwn.js';

export const APPROVAL_NOT_CONFIGURED =
  'Approval is not configured for this bot yet, so fixes cannot be requested from Slack. Apply the fix described above by hand, or ask an admin to enable approvals.';

export const REQUEST_NOT_RECORDED = 'Could not record the request, nothing was requested: the bot cannot reach its database right now. Try again in a moment.';

export function requestFixListener(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const offerId = action.value ?? '';
    if (deps.approval) {
      const channel = body.channel?.id;
      const threadTs = body.message?.thread_ts ?? body.message?.ts;
      try {
        await deps.approval.service.requestFix({
          offerId,
          requester: body.user.id,
          ...(channel && threadTs ? { thread: { channel, threadTs } } : {}),
        });
      } catch (error) {
        deps.log.error({ err: describeError(error), offerId, user: body.user.id }, 'fix request not recorded');
        await respond({ response_type: 'ephemeral', replace_original: false, text: REQUEST_NOT_RECORDED }).catch((failure: unknown) =>
          deps.log.warn({ err: failure }, 'could not send a private message'),
        );
      }
      return;
    }
    const offer = await deps.offers.get(offerId);
    deps.log.info({ offerId, runId: offer?.runId, user: body.user.id, known: offer !== undefined }, 'fix requested');
    const text = offer
      ? `${APPROVAL_NOT_CONFIGURED}\n(fix \`${escapeMrkdwn(offer.request.kind)}\` from run \`${escapeMrkdwn(offer.runId)}\`)`
      : 'This fix offer is unknown or has expired (the bot may have restarted). Run the diagnosis again.';
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}
