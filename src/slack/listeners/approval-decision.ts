/**
 * Approve and Reject on an approval message. The button carries only the request id; who
 * may decide is checked by the service at click time (approvers, self-approval, expiry,
 * the finding re-checked), and the one-winner claim makes a double click or two approvers
 * at once run the action exactly once.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { openCredentialPresenter } from '../approval-adapters.js';
import type { SlackDeps } from '../deps.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function approvalDecisionListener(deps: SlackDeps, decision: 'approve' | 'reject') {
  return async ({ ack, action, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const approval = deps.approval;
    if (!approval) return;
    const requestId = action.value ?? '';
    const outcome = await approval.service.decide({
      requestId,
      actor: body.user.id,
      decision,
      // Opened after the claim and before any AWS call, only for a credential-creating step.
      openPresenter: () => openCredentialPresenter(client.views, body.trigger_id, deps.log),
    });
    deps.log.info({ requestId, user: body.user.id, decision, outcome }, 'approval decision handled');
  };
}
