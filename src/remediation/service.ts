/**
 * The approval flow, independent of Slack: request → decide (policy, expiry, click-time
 * re-check, one-winner claim) → run → verify → report, with every transition in the audit
 * trail and the log. The Slack layer implements ApprovalNotifier and passes clicks in.
 */
import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';
import type { Layer } from '../core/finding.js';
import type { Clock } from '../core/ports.js';
import { type ActionResult, type SmtpVerificationSettings, planFirstStep, recheckAction, runAction } from './actions/index.js';
import { describeAuth } from './actions/smtp-verify.js';
import { type ApprovalRequest, type AuditEvent, type RemediationAction, actionResource, describeAction, isTerminal } from './model.js';
import type { RemediationOffer } from './offers.js';
import { alreadyDecidedText, type ApprovalPolicy, type ApproverDirectory, DEFAULT_OFFER_TTL_HOURS, DISABLED_MESSAGE, approverMentions, authorizeDecision, expiresAt, isExpired, isOfferExpired, isRemediationEnabled } from './policy.js';
import type { CredentialPresenter, RemediationGateways, SmtpEndpoint } from './ports.js';
import { type Secret, scrubSecrets } from './secret.js';
import type { RemediationStore } from './store.js';

export interface ThreadRef {
  channel: string;
  threadTs: string;
}

/** What the approval message shows besides the request itself. */
export interface ApprovalView {
  request: ApprovalRequest;
  /** Mentions of the approvers (users and user groups). */
  mentions: string;
  /** Which AWS identity will make the change. */
  credentials: string;
}

/** Implemented by the Slack layer. Texts passed here never contain a secret. */
export interface ApprovalNotifier {
  /** Posts the request into its thread with Approve/Reject; returns the message ts. */
  postRequest(view: ApprovalView): Promise<string>;
  /** Re-renders the approval message from the request state; buttons only while pending. */
  updateRequest(view: ApprovalView): Promise<void>;
  postInThread(thread: ThreadRef, text: string): Promise<void>;
  /** Visible only to `user` (ephemeral). */
  tellPrivately(user: string, thread: ThreadRef, text: string): Promise<void>;
}

export interface RemediationServiceDeps {
  store: RemediationStore;
  policy: ApprovalPolicy;
  directory: ApproverDirectory;
  /** Undefined when the bot has no AWS access: every request is refused, saying so. */
  gateways: RemediationGateways | undefined;
  smtp: Omit<SmtpVerificationSettings, 'from'>;
  secretArn: string | undefined;
  notifier: ApprovalNotifier;
  /** Re-runs the affected layers of the offer's diagnosis; returns a status text to post. */
  recheckLayers?: (offer: RemediationOffer, layers: Layer[]) => Promise<string | undefined>;
  clock: Clock;
  log: Logger;
  /** Counts every audit event by action kind (src/metrics.ts). */
  metrics?: { approvalEvent(action: string, outcome: string): void };
}

export type DecisionOutcome =
  | 'refused'
  | 'expired'
  | 'rejected'
  | 'superseded'
  | 'lost-race'
  | 'succeeded'
  | 'failed'
  | 'not-found';

export interface RemediationService {
  requestFix(input: { offerId: string; requester: string; thread?: ThreadRef }): Promise<ApprovalRequest | undefined>;
  /**
   * `openPresenter` is called after the claim and before any AWS call, only for actions that
   * reveal a credential: the Slack layer opens the modal with the click's trigger_id there.
   */
  decide(input: {
    requestId: string;
    actor: string;
    decision: 'approve' | 'reject';
    openPresenter?: () => Promise<CredentialPresenter>;
  }): Promise<DecisionOutcome>;
  /** Ends pending requests past their expiry and removes their buttons. */
  expireDue(): Promise<number>;
  /**
   * Ends executing requests whose execution lease ran out (the replica running them died or
   * lost the database) as `interrupted`, says so in their thread, and never re-runs them.
   */
  recoverInterrupted(): Promise<number>;
  /** Runs a real AUTH with a credential the user typed; posts only the outcome; keeps nothing. */
  testCredential(input: { thread: ThreadRef; user: string; region: string; username: string; password: Secret }): Promise<string>;
  needsPresenter(request: ApprovalRequest): boolean;
}

const LAYERS_AFFECTED: Record<RemediationAction['kind'], Layer[]> = {
  'remove-suppression': ['suppression'],
  'create-access-key': ['relay'],
  'deactivate-access-key': ['relay'],
  'delete-access-key': [],
};

export function createRemediationService(deps: RemediationServiceDeps): RemediationService {
  const { store, policy, notifier, log, clock } = deps;
  const credentials = deps.gateways?.credentialsDescription ?? 'no AWS credentials';
  const view = (request: ApprovalRequest): ApprovalView => ({ request, mentions: approverMentions(policy), credentials });
  const threadOf = (request: Pick<ApprovalRequest, 'channel' | 'threadTs'>): ThreadRef => ({ channel: request.channel, threadTs: request.threadTs });

  async function audit(request: ApprovalRequest, event: AuditEvent, actor: string, result: string): Promise<void> {
    const what = describeAction(request.action);
    await store.appendAudit({ requestId: request.id, event, actor, at: clock.now().toISOString(), what, result });
    deps.metrics?.approvalEvent(request.action.kind, event);
    log.info({ requestId: request.id, chainId: request.chainId, event, actor, what, result }, `remediation ${event}`);
  }

  /** Slack failures after a decision must not undo it; they are logged and the flow goes on. */
  async function safely(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      log.warn({ err: describeError(error), step: what }, 'remediation: a Slack update failed');
    }
  }

  async function post(request: ApprovalRequest): Promise<ApprovalRequest> {
    let messageTs: string | undefined;
    try {
      messageTs = await notifier.postRequest(view(request));
    } catch (error) {
      log.warn({ err: describeError(error), requestId: request.id }, 'remediation: posting the approval request failed');
    }
    if (messageTs) await store.setMessageTs(request.id, messageTs);
    log.info({ requestId: request.id, messageTs }, 'approval request posted');
    return { ...request, messageTs };
  }

  async function createAndPost(init: {
    offer: RemediationOffer;
    action: RemediationAction;
    requester: string;
    warnings: string[];
    chainId?: string;
    step: number;
  }): Promise<ApprovalRequest> {
    const now = clock.now();
    const request = await store.createRequest({
      chainId: init.chainId,
      step: init.step,
      origin: init.offer.request,
      action: init.action,
      offerId: init.offer.id,
      findingId: init.offer.findingId,
      runId: init.offer.runId,
      channel: init.offer.channel,
      threadTs: init.offer.threadTs,
      requestedBy: init.requester,
      requestedAt: now.toISOString(),
      expiresAt: expiresAt(policy, now).toISOString(),
      warnings: init.warnings,
    });
    await audit(request, 'requested', init.requester, `requested; expires ${request.expiresAt}`);
    return post(request);
  }

  async function expire(request: ApprovalRequest): Promise<ApprovalRequest | undefined> {
    const closed = await store.close(request.id, 'expired', 'system', clock.now());
    if (!closed) return undefined;
    await audit(closed, 'expired', 'system', `expired at ${closed.expiresAt} without a decision`);
    await safely('update expired', () => notifier.updateRequest(view(closed)));
    return closed;
  }

  async function reportRechecked(request: ApprovalRequest): Promise<void> {
    const layers = LAYERS_AFFECTED[request.action.kind];
    if (!deps.recheckLayers || layers.length === 0) return;
    const offer = await store.get(request.offerId);
    if (!offer) return;
    try {
      const status = await deps.recheckLayers(offer, layers);
      if (status) await notifier.postInThread(threadOf(request), status);
    } catch (error) {
      log.warn({ err: describeError(error), requestId: request.id }, 'remediation: re-running the checks failed');
    }
  }

  /** Renews the execution lease while an action runs, every third of the lease. */
  function holdLease(request: ApprovalRequest): () => void {
    const timer = setInterval(() => {
      store.renewLease(request.id, clock.now()).then(
        (kept) => {
          if (!kept) log.warn({ requestId: request.id }, 'remediation: the execution lease was lost (the request was marked interrupted)');
        },
        (error: unknown) => log.warn({ err: describeError(error), requestId: request.id }, 'remediation: could not renew the execution lease'),
      );
    }, Math.max(250, Math.floor(store.leaseMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /** After the action ran, a store failure must not hide the outcome: log it and go on to Slack. */
  async function record(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      log.error({ err: describeError(error), step: what }, 'remediation: could not record an outcome in the store');
    }
  }

  function needsPresenter(request: ApprovalRequest): boolean {
    return request.action.kind === 'create-access-key';
  }

  async function execute(claimed: ApprovalRequest, actor: string, openPresenter: (() => Promise<CredentialPresenter>) | undefined): Promise<ActionResult> {
    const gateways = deps.gateways;
    if (!gateways) return { state: 'failed', verified: false, outcome: { summary: 'AWS is not configured for the bot.', details: ['Nothing was changed.'] }, followUps: [] };
    let presenter: CredentialPresenter | undefined;
    if (needsPresenter(claimed)) {
      try {
        presenter = openPresenter ? await openPresenter() : undefined;
      } catch (error) {
        return {
          state: 'failed',
          verified: false,
          outcome: { summary: 'Could not open the private view for the new password, so no key was created.', details: [`Slack answered: ${describeError(error).message}.`, 'Nothing was changed. Request the fix again.'] },
          followUps: [],
        };
      }
    }
    let gateway: Awaited<ReturnType<RemediationGateways['forApprovedAction']>>;
    try {
      gateway = await gateways.forApprovedAction({ requestId: claimed.id, approver: actor });
    } catch (error) {
      return {
        state: 'failed',
        verified: false,
        outcome: { summary: 'Could not obtain the remediation credentials.', details: [`${describeError(error).message}.`, 'Nothing was changed.'] },
        followUps: [],
      };
    }
    const offer = await store.get(claimed.offerId);
    const target = offer?.target;
    const from = target?.senderAddress ?? (target ? `maildiag-verify@${target.senderDomain}` : undefined);
    return runAction(claimed.action, {
      // Verification reads use the read-only diagnosis credentials, so the remediation role
      // needs the mutating actions only (docs/iam-policy.json).
      gateway: { ...gateway, getSuppressedDestination: gateways.reader.getSuppressedDestination, listAccessKeys: gateways.reader.listAccessKeys },
      presenter,
      secretArn: deps.secretArn,
      smtp: { ...deps.smtp, from },
      onExecuted: (result) => audit(claimed, 'executed', actor, result),
    });
  }

  return {
    needsPresenter,

    async requestFix({ offerId, requester, thread }) {
      const offer = await store.get(offerId);
      const replyTo = offer ? threadOf(offer) : thread;
      const refuse = async (text: string): Promise<undefined> => {
        if (replyTo) await safely('tell requester', () => notifier.tellPrivately(requester, replyTo, text));
        log.info({ offerId, requester, reason: text }, 'remediation request refused');
        return undefined;
      };
      if (!isRemediationEnabled(policy)) return refuse(DISABLED_MESSAGE);
      if (!offer) return refuse('This fix offer is unknown (it may come from another installation or a wiped store). Run the diagnosis again.');
      if (isOfferExpired(policy, offer, clock.now())) {
        return refuse(`This fix offer is from ${offer.createdAt}, older than ${policy.offerTtlHours ?? DEFAULT_OFFER_TTL_HOURS} hours, so the diagnosis behind it may no longer hold. Run the diagnosis again for a fresh one. Nothing was requested.`);
      }
      if (!deps.gateways) return refuse('The bot has no AWS access configured, so it cannot make changes. Nothing was requested.');
      const open = (await store.listByOffer(offer.id)).find((r) => !isTerminal(r.state) && !isExpired(r, clock.now()));
      if (open) return refuse(`A request for this fix is already ${open.state} (requested by <@${open.requestedBy}>).`);
      let plan: Awaited<ReturnType<typeof planFirstStep>>;
      try {
        plan = await planFirstStep(offer.request, deps.gateways.reader);
      } catch (error) {
        return refuse(`Could not prepare the request: ${describeError(error).message}. Nothing was requested.`);
      }
      if (!plan.ok) return refuse(plan.reason);
      return createAndPost({ offer, action: plan.action, requester, warnings: [...(offer.warnings ?? []), ...plan.warnings], step: 1 });
    },

    async decide({ requestId, actor, decision, openPresenter }) {
      const request = await store.getRequest(requestId);
      if (!request) {
        log.info({ requestId, actor, decision }, 'remediation decision on an unknown request');
        return 'not-found';
      }
      const thread = threadOf(request);
      const now = clock.now();
      if (request.state === 'pending' && isExpired(request, now)) {
        await expire(request);
        await audit(request, 'refused', actor, `${decision} refused: the request had expired`);
        await safely('tell expired', () => notifier.tellPrivately(actor, thread, `This request expired at ${request.expiresAt}; nothing was changed. Request the fix again if it is still needed.`));
        return 'expired';
      }
      const authorization = await authorizeDecision({ policy, directory: deps.directory, actor, request, decision, now });
      if (!authorization.allowed) {
        await audit(request, 'refused', actor, `${decision} refused (${authorization.code}): ${authorization.message}`);
        await safely('tell refused', () => notifier.tellPrivately(actor, thread, authorization.message));
        return authorization.code === 'already-decided' ? 'lost-race' : 'refused';
      }

      if (decision === 'reject') {
        const closed = await store.close(request.id, 'rejected', actor, now);
        if (!closed) {
          await safely('tell lost', () => notifier.tellPrivately(actor, thread, 'Someone decided this request a moment ago; nothing else was changed.'));
          return 'lost-race';
        }
        await audit(closed, 'rejected', actor, 'rejected; nothing was changed');
        await safely('update rejected', () => notifier.updateRequest(view(closed)));
        return 'rejected';
      }

      // Re-check at click time with read-only credentials: has the finding changed since?
      if (deps.gateways) {
        let recheck: Awaited<ReturnType<typeof recheckAction>>;
        try {
          recheck = await recheckAction(request.action, deps.gateways.reader);
        } catch (error) {
          const reason = `could not re-check the current state: ${describeError(error).message}`;
          await audit(request, 'refused', actor, `approve refused: ${reason}`);
          await safely('tell recheck', () => notifier.tellPrivately(actor, thread, `Not approved: ${reason}. Nothing was changed; try again.`));
          return 'refused';
        }
        if (!recheck.current) {
          const closed = await store.close(request.id, 'superseded', actor, now, { summary: 'The finding changed before approval; nothing was done.', details: [recheck.reason] });
          if (!closed) {
            await safely('tell lost', () => notifier.tellPrivately(actor, thread, 'Someone decided this request a moment ago; nothing else was changed.'));
            return 'lost-race';
          }
          await audit(closed, 'superseded', actor, `not run: ${recheck.reason}`);
          await safely('update superseded', () => notifier.updateRequest(view(closed)));
          await safely('thread superseded', () => notifier.postInThread(thread, `Not run: ${recheck.reason} Nothing was changed. Run the diagnosis again to see the current state.`));
          return 'superseded';
        }
      }

      const claimed = await store.claim(request.id, actor, clock.now());
      if (!claimed) {
        const current = await store.getRequest(request.id);
        await audit(request, 'refused', actor, `approve ignored: already ${current?.state ?? 'decided'}`);
        await safely('tell lost', () =>
          notifier.tellPrivately(actor, thread, alreadyDecidedText(current)),
        );
        return 'lost-race';
      }
      const releaseLease = holdLease(claimed);
      let result: ActionResult;
      let finished: ApprovalRequest;
      try {
        // If the approval cannot be written, nothing runs (the listener says so privately);
        // the claim's lease then lapses and the request ends `interrupted`, never re-run.
        await audit(claimed, 'approved', actor, `approved; running under ${credentials}`);
      } catch (error) {
        releaseLease();
        throw error;
      }
      try {
        // The message says "approved by X, running" before any AWS call.
        await safely('update executing', () => notifier.updateRequest(view(claimed)));
        try {
          result = await execute(claimed, actor, openPresenter);
        } catch (error) {
          result = { state: 'failed', verified: false, outcome: { summary: 'The action stopped with an unexpected error.', details: [describeError(error).message] }, followUps: [] };
        }
        const ended = result;
        let stored: ApprovalRequest | undefined;
        await record('finish', async () => {
          stored = await store.finish(claimed.id, ended.state, ended.outcome, clock.now());
        });
        finished = stored ?? { ...claimed, state: result.state, outcome: result.outcome };
      } finally {
        releaseLease();
      }
      if (result.state === 'succeeded' && result.verified) await record('audit verified', () => audit(finished, 'verified', actor, result.outcome.summary));
      else await record('audit failed', () => audit(finished, 'failed', actor, [result.outcome.summary, ...result.outcome.details].join(' ')));
      await safely('update finished', () => notifier.updateRequest(view(finished)));
      const headline = result.state === 'succeeded' ? `✅ ${result.outcome.summary}` : `❌ ${result.outcome.summary}`;
      await safely('thread outcome', () =>
        notifier.postInThread(thread, [headline, ...result.outcome.details.map((line) => `• ${line}`), `(${actionResource(finished.action)}; request ${finished.id})`].join('\n')),
      );
      if (result.state === 'succeeded') {
        const offer = await store.get(finished.offerId);
        for (const [index, action] of result.followUps.entries()) {
          if (!offer) break;
          await createAndPost({ offer, action, requester: finished.requestedBy, warnings: [], chainId: finished.chainId, step: finished.step + 1 + index });
        }
      }
      if (result.state === 'succeeded') await reportRechecked(finished);
      return result.state;
    },

    async expireDue() {
      let count = 0;
      for (const request of await store.listExpired(clock.now())) {
        if (await expire(request)) count += 1;
      }
      return count;
    },

    async recoverInterrupted() {
      const ended = await store.interruptAbandoned(clock.now());
      for (const request of ended) {
        await audit(request, 'interrupted', 'system', `the process running it (claimed by ${request.decidedBy ?? 'unknown'}) stopped before it finished; not run again`);
        await safely('update interrupted', () => notifier.updateRequest(view(request)));
        await safely('thread interrupted', () =>
          notifier.postInThread(
            threadOf(request),
            `⚠️ Interrupted: ${describeAction(request.action)}. The bot process running it stopped before it finished, so the change may be partly made. It will not be run again by itself: run the diagnosis again to see the current state, then request the fix again if it is still needed. (request ${request.id})`,
          ),
        );
      }
      return ended.length;
    },

    async testCredential({ thread, user, region, username, password }) {
      const endpoint: SmtpEndpoint = deps.smtp.endpointFor(region);
      let text: string;
      try {
        const result = await deps.smtp.tester.authenticate(endpoint, { username, password });
        text = describeCredentialTest(username, endpoint, result.outcome === 'unreachable' ? result : { ...result, text: scrubSecrets(result.text, [password]) });
      } catch (error) {
        text = `Could not test the credential for ${username} at ${endpoint.host}:${endpoint.port}: ${scrubSecrets(describeError(error).message, [password])}`;
      }
      log.info({ user, region, username, endpoint: `${endpoint.host}:${endpoint.port}` }, 'credential tested');
      await notifier.postInThread(thread, `<@${user}> tested an SMTP credential. ${text}`);
      return text;
    },
  };
}

/** The outcome of a user-supplied credential test, in words (235 / 535 and what it means). */
export function describeCredentialTest(
  username: string,
  endpoint: SmtpEndpoint,
  result: { outcome: 'accepted' | 'rejected'; code: number; text: string } | { outcome: 'unreachable'; error: string },
): string {
  const where = `${endpoint.host}:${endpoint.port}`;
  if (result.outcome === 'accepted') return `✅ ${where} accepted username ${username} (${describeAuth(result)}): the credential is valid for this region.`;
  if (result.outcome === 'unreachable') return `⚠️ Could not get an AUTH answer from ${where}: ${result.error}. The credential was not judged.`;
  if (result.code === 535) {
    return `❌ ${where} refused username ${username}: ${describeAuth(result)}. SES says the credentials are invalid: the access key was rotated, deleted or deactivated, the password was derived for another region, or the secret access key was pasted instead of the SMTP password. This confirms a 535 on the relay.`;
  }
  if (result.code === 454) return `⚠️ ${where} answered ${describeAuth(result)}: a temporary SES-side failure; try again.`;
  return `❌ ${where} refused username ${username}: ${describeAuth(result)}.`;
}
