/** Message shortcut "Diagnose this thread": the same as a mention, from a message's menu. */
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { isChannelAllowed } from '../channels.js';
import type { SlackDeps } from '../deps.js';
import { createSlackGateway } from '../gateway.js';
import { channelRefusedText } from '../render/usage.js';
import { enqueueThreadDiagnosis } from '../queued-run.js';

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
    await enqueueThreadDiagnosis(deps, createSlackGateway(client, deps.pacer), {
      channel,
      threadTs,
      user,
      kind: 'shortcut',
      bot: { userId: context.botUserId, botId: context.botId },
      replyPrivately,
    });
  };
}
