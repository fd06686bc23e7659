/**
 * The one place where listeners are registered (bolt-js starter layout: one listener per
 * file). The approval flow replaces `request-fix.ts` and adds its own actions here.
 */
import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { DIAGNOSE_THREAD_SHORTCUT, REQUEST_FIX_ACTION, SLASH_COMMAND } from '../ids.js';
import { APPROVE_ACTION, REJECT_ACTION, TEST_CREDENTIAL_ACTION, TEST_CREDENTIAL_VIEW } from '../render/approval.js';
import { appMentionListener } from './app-mention.js';
import { approvalDecisionListener } from './approval-decision.js';
import { dedupeEvents } from './dedupe-events.js';
import { validatePayloads } from './validate-payloads.js';
import { diagnoseThreadShortcutListener } from './diagnose-thread-shortcut.js';
import { requestFixListener } from './request-fix.js';
import { slashCommandListener } from './slash-command.js';
import { testCredentialButtonListener, testCredentialSubmitListener } from './test-credential.js';
import { WATCH_DIAGNOSE_ACTION } from '../../watch/render.js';
import { watchDiagnoseListener } from './watch-diagnose.js';

export function registerListeners(app: App, deps: SlackDeps): void {
  app.use(validatePayloads(deps));
  app.use(dedupeEvents(deps));
  app.command(SLASH_COMMAND, slashCommandListener(deps));
  app.event('app_mention', appMentionListener(deps));
  app.shortcut({ callback_id: DIAGNOSE_THREAD_SHORTCUT, type: 'message_action' }, diagnoseThreadShortcutListener(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: REQUEST_FIX_ACTION, type: 'block_actions' }, requestFixListener(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: APPROVE_ACTION, type: 'block_actions' }, approvalDecisionListener(deps, 'approve'));
  app.action<BlockAction<ButtonAction>>({ action_id: REJECT_ACTION, type: 'block_actions' }, approvalDecisionListener(deps, 'reject'));
  app.action<BlockAction<ButtonAction>>({ action_id: TEST_CREDENTIAL_ACTION, type: 'block_actions' }, testCredentialButtonListener(deps));
  app.view<ViewSubmitAction>({ callback_id: TEST_CREDENTIAL_VIEW, type: 'view_submission' }, testCredentialSubmitListener(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: WATCH_DIAGNOSE_ACTION, type: 'block_actions' }, watchDiagnoseListener(deps));
}
