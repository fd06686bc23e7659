/**
 * "Diagnose" under a watch group message: runs the full diagnosis of the group's sender and
 * a typical recipient (with the SES message id of its typical event) into that message's
 * thread. The events channel is always allowed (the bot posts there itself).
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { InputError } from '../../core/errors.js';
import { parseTargetText, type Target } from '../../core/target.js';
import type { DiagnoseButtonValue } from '../../watch/render.js';
import { isChannelAllowed } from '../channels.js';
import type { SlackDeps } from '../deps.js';
import { createSlackGateway } from '../gateway.js';
import { runReport } from '../report-run.js';
import { enqueueRun, refuseBusy } from '../queued-run.js';
import { channelRefusedText } from '../render/usage.js';

/** The button's value, or undefined when it is not one of ours (values come back from Slack as text). */
export function parseDiagnoseValue(value: string | undefined): DiagnoseButtonValue | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<DiagnoseButtonValue>;
    if (typeof parsed.s !== 'string' || typeof parsed.id !== 'string') return undefined;
    const optional = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const r = optional(parsed.r);
    const g = optional(parsed.g);
    const m = optional(parsed.m);
    return { s: parsed.s, id: parsed.id, ...(r ? { r } : {}), ...(g ? { g } : {}), ...(m ? { m } : {}) };
  } catch {
    return undefined;
  }
}

export function targetOfDiagnoseValue(value: DiagnoseButtonValue): Target {
  const words = [value.s, value.r ? `to=${value.r}` : '', value.g ? `region=${value.g}` : '', value.m ? `message-id=${value.m}` : ''];
  return parseTargetText(words.filter((w) => w !== '').join(' '));
}

export function watchDiagnoseListener(deps: SlackDeps) {
  return async ({ ack, action, body, client, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? '';
    const user = body.user.id;
    const messageTs = body.message?.thread_ts ?? body.message?.ts;
    const reply = async (text: string): Promise<void> => {
      await respond({ response_type: 'ephemeral', replace_original: false, text });
    };
    if (!isChannelAllowed(deps.allowedChannels, channel) && channel !== deps.watch?.channel) {
      await reply(channelRefusedText(channel));
      return;
    }
    const value = parseDiagnoseValue(action.value);
    let target: Target | undefined;
    try {
      target = value ? targetOfDiagnoseValue(value) : undefined;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
    }
    if (!value || !target || !messageTs) {
      deps.log.info({ channel, user }, 'watch diagnose: unreadable button value');
      await reply('This button does not say what to diagnose (it may come from an older version of the bot). Run `/maildiag <sender> to=<recipient>` instead.');
      return;
    }
    const reservation = deps.runs.reserve();
    if (!reservation) {
      await reply(refuseBusy(deps, { channel, user, kind: 'watch button' })).catch((error: unknown) => deps.log.warn({ err: error }, 'could not send a private message'));
      return;
    }
    const runId = deps.newRunId();
    const log = deps.log.child({ runId, channel, user });
    log.info({ group: value.id, sender: target.senderDomain }, 'watch diagnose clicked');
    const slack = createSlackGateway(client, deps.pacer);
    const runTarget = target;
    enqueueRun(deps, slack, reservation, {
      runId,
      channel,
      threadTs: messageTs,
      target: runTarget,
      log,
      replyPrivately: reply,
      run: async (queued, detach) => {
        await runReport(deps, slack, { runId, target: runTarget, channel, threadTs: messageTs, user, replyPrivately: reply, queued, detach });
      },
    });
  };
}
