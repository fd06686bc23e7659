/**
 * Approve and Reject on an approval message. The button carries only the request id; who
 * may decide is checked by the service at click time (approvers, self-approval, expiry,
 * the finding re-checked), and the one-winner claim makes a double click or two approvers
 * at once run the action exactly once.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../core/errors.js';
import { DECISION_NOT_RECORDED } from '../../store/errors.js';
import { openCredentialPresenter } from '../approval-adapters.js';
import type { SlackDeps } from '../deps.js';

export const UNKNOWN_REQUEST = 'This approval request is unknown (it may come from another installation or a wiped store). Nothing was changed.';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function approvalDecisionListener(deps: SlackDeps, decision: 'approve' | 'reject') {
  return async ({ ack, action, body, client, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const approval = deps.approval;
    if (!approval) return;
    const requestId = action.value ?? '';
    let outcome: Awaited<ReturnType<typeof approval.service.decide>> | 'not-recorded';
    try {
      outcome = await approval.service.decide({
        requestId,
        actor: body.user.id,
        decision,
        // Opened after the claim and before any AWS call, only for a credential-creating step.
        openPresenter: () => openCredentialPresenter(client.views, body.trigger_id, deps.log),
      });
    } catch (error) {
      // The store could not be read or written before anything ran (e.g. the database is down).
      deps.log.error({ err: describeError(error), requestId, user: body.user.id, decision }, 'approval decision not recorded');
      outcome = 'not-recorded';
      await respond({ response_type: 'ephemeral', replace_original: false, text: DECISION_NOT_RECORDED }).catch((failure: unknown) =>
        deps.log.warn({ err: failure }, 'could not send a private message'),
      );
    }
    if (outcome === 'not-found') {
      // A stale or altered button: say so instead of doing nothing.
      await respond({ response_type: 'ephemeral', replace_original: false, text: UNKNOWN_REQUEST }).catch((error: unknown) =>
        deps.log.warn({ err: error }, 'could not send a private message'),
      );
    }
    deps.log.info({ requestId, user: body.user.id, decision, outcome }, 'approval decision handled');
  };
}
