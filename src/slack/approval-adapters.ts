/**
 * The Slack side of the approval flow's ports: posting and updating approval messages,
 * private notes, the approver directory (user groups resolved at click time), and the
 * presenter that shows a new credential in a modal opened with the click's trigger_id.
 */
import type { Logger } from 'pino';
import type { webApi } from '@slack/bolt';
import type { ApproverDirectory } from '../remediation/policy.js';
import type { CredentialPresenter } from '../remediation/ports.js';
import { type ApprovalNotifier, type RemediationService, type RemediationServiceDeps, createRemediationService } from '../remediation/service.js';
import { createSlackGateway, type SlackGateway } from './gateway.js';
import type { ChannelPacer } from './pacer.js';
import { type ModalView, renderApprovalMessage, renderCredentialModal, renderCredentialProgressModal } from './render/approval.js';

/** What the approval listeners need; absent from SlackDeps when approval is not wired. */
export interface ApprovalSlackDeps {
  service: RemediationService;
}

export function createApprovalNotifier(slack: SlackGateway): ApprovalNotifier {
  return {
    async postRequest(view) {
      const { ts } = await slack.postMessage(view.request.channel, renderApprovalMessage(view), view.request.threadTs);
      return ts;
    },
    async updateRequest(view) {
      if (!view.request.messageTs) return;
      await slack.update(view.request.channel, view.request.messageTs, renderApprovalMessage(view));
    },
    async postInThread(thread, text) {
      await slack.postMessage(thread.channel, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }] }, thread.threadTs);
    },
    async tellPrivately(user, thread, text) {
      await slack.postEphemeral(thread.channel, user, text, thread.threadTs);
    },
  };
}

/** `usergroups.users.list`, asked at every decision so group changes apply at once. */
export function createSlackApproverDirectory(client: webApi.WebClient): ApproverDirectory {
  return {
    async usersInGroup(groupId) {
      const result = await client.usergroups.users.list({ usergroup: groupId });
      return result.users ?? [];
    },
  };
}

type ViewsApi = Pick<webApi.WebClient['views'], 'open' | 'update'>;
// Our modal shapes are structurally Block Kit views; the cast only bridges the two type libraries.
type SlackView = Parameters<webApi.WebClient['views']['open']>[0]['view'];
const kitView = (view: ModalView): SlackView => view as unknown as SlackView;

/**
 * Opens the modal at once (a trigger_id is valid for 3 seconds), then fills in the
 * credential with views.update. The password exists only in this closure and in the view.
 */
export async function openCredentialPresenter(views: ViewsApi, triggerId: string, log: Logger): Promise<CredentialPresenter> {
  const opened = await views.open({ trigger_id: triggerId, view: kitView(renderCredentialProgressModal('Approved. Creating the new access key…')) });
  const viewId = opened.view?.id;
  if (!viewId) throw new Error('Slack opened no view');
  let shown: Parameters<typeof renderCredentialModal>[0] | undefined;
  const progress: string[] = [];
  const render = async (): Promise<void> => {
    const view = shown ? renderCredentialModal({ ...shown, progress: [...progress] }) : renderCredentialProgressModal(progress.at(-1) ?? '');
    await views.update({ view_id: viewId, view: kitView(view) });
  };
  return {
    async showCredential(credential) {
      shown = { username: credential.username, password: credential.password.reveal(), endpoint: credential.endpoint, region: credential.region, storedAt: credential.storedAt, progress };
      await render();
    },
    async progress(text) {
      progress.push(text);
      try {
        await render();
      } catch (error) {
        // The view may have been closed by the approver; the thread still gets the outcome.
        log.debug({ viewId, err: (error as Error).name }, 'credential modal progress not shown');
      }
    },
  };
}

/**
 * Builds the approval flow for `createSlackApp({ approval })` from its parts. The store,
 * the AWS remediation gateways and the SMTP tester are made by the caller (src/index.ts or
 * a test), so each can be a loopback adapter.
 */
export function approvalFactory(input: Omit<RemediationServiceDeps, 'notifier' | 'directory' | 'log'> & { directory?: ApproverDirectory }) {
  return (client: webApi.WebClient, log: Logger, pacer?: ChannelPacer): ApprovalSlackDeps => ({
    service: createRemediationService({
      ...input,
      log: log.child({ component: 'remediation' }),
      directory: input.directory ?? createSlackApproverDirectory(client),
      notifier: createApprovalNotifier(createSlackGateway(client, pacer)),
    }),
  });
}

/**
 * Now and then (and once at start): ends expired requests, and ends as `interrupted` the
 * executing ones whose lease ran out (their replica died). Returns a stop function.
 */
export function startExpirySweeper(service: RemediationService, log: Logger, intervalMs = 60_000): () => void {
  const sweep = (): void => {
    service.expireDue().then(
      (count) => {
        if (count > 0) log.info({ count }, 'expired approval requests');
      },
      (error: unknown) => log.warn({ err: error }, 'expiry sweep failed'),
    );
    service.recoverInterrupted().then(
      (count) => {
        if (count > 0) log.warn({ count }, 'interrupted approval requests (their process stopped mid-execution)');
      },
      (error: unknown) => log.warn({ err: error }, 'interruption sweep failed'),
    );
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
