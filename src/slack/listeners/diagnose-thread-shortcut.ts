/** Message shortcut "Diagnose this thread": the same as a mention, from a message's menu. */
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { isChannelAllowed } from '../channels.js';
import type { SlackDeps } from '../deps.js';
import { createSlackGateway } from '../gateway.js';
import { channelRefusedText } from '../render/usage.js';
import { diagnoseThread } from '../thread-run.js';
import { enqueueRun, refuseBusy } from '../queued-run.js';

export function diagnoseThreadShortcutListener(deps: SlackDeps) {
  return async ({ shortcut, ack, respond, client, context }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = shortcut.channel.id;
    const user = shortcut.user.id;
    const replyPrivately = async (text: string): Promise<void> => {
      await respond({ response_type: 'ephemeral', replace_original: false, text });
    };
    if (!isChannelAllowed(deps.allowedChannels, channel)) {
      deps.log.info({ channel, user }, 'refused: channel not allowed');
      await replyPrivately(channelRefusedText(channel)).catch((error: unknown) => deps.log.warn({ err: error }, 'could not send a private message'));
      return;
    }
    const threadTs = typeof shortcut.message.thread_ts === 'string' ? shortcut.message.thread_ts : shortcut.message.ts;
    const reservation = deps.runs.reserve();
    if (!reservation) {
      await replyPrivately(refuseBusy(deps, { channel, user, kind: 'shortcut' })).catch((error: unknown) => deps.log.warn({ err: error }, 'could not send a private message'));
      return;
    }
    const runId = deps.newRunId();
    const log = deps.log.child({ runId, channel, user });
    log.info({ threadTs }, 'thread shortcut accepted');
    const slack = createSlackGateway(client, deps.pacer);
    enqueueRun(deps, slack, reservation, {
      runId,
      channel,
      threadTs,
      log,
      replyPrivately,
      run: (queued, detach) =>
        diagnoseThread(deps, slack, {
          runId,
          channel,
          threadTs,
          user,
          bot: { userId: context.botUserId, botId: context.botId },
          replyPrivately,
          queued,
          detach,
        }),
    });
  };
}
