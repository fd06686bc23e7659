/**
 * `@maildiag` (or `@maildiag diagnose`, or `@maildiag <domain> to=...`) in a ticket thread:
 * slash commands cannot run inside threads, so a mention reads the thread instead.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { isChannelAllowed } from '../channels.js';
import type { SlackDeps } from '../deps.js';
import { createSlackGateway } from '../gateway.js';
import { channelRefusedText, USAGE_TEXT } from '../render/usage.js';
import { enqueueThreadDiagnosis } from '../queued-run.js';

/** What the user typed besides the mention and the optional word "diagnose". */
export function mentionArguments(text: string | undefined): string {
  return (text ?? '')
    .replace(/<@[UW][A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .trim()
    .replace(/^diagnose\b/i, '')
    .trim();
}

export function appMentionListener(deps: SlackDeps) {
  return async ({ event, context, client }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    // Never react to our own messages (Bolt's ignoreSelf covers most; this covers the rest).
    if ((event.bot_id && event.bot_id === context.botId) || (event.user && event.user === context.botUserId)) return;
    const user = event.user;
    if (!user) return;
    const { channel } = event;
    const threadTs = event.thread_ts ?? event.ts;
    const slack = createSlackGateway(client, deps.pacer);
    const replyPrivately = (text: string) => slack.postEphemeral(channel, user, text, event.thread_ts);

    if (!isChannelAllowed(deps.allowedChannels, channel)) {
      deps.log.info({ channel, user }, 'refused: channel not allowed');
      await replyPrivately(channelRefusedText(channel)).catch((error: unknown) => deps.log.warn({ err: error }, 'could not send a private message'));
      return;
    }
    const args = mentionArguments(event.text);
    if (/^help$/i.test(args)) {
      await replyPrivately(USAGE_TEXT).catch((error: unknown) => deps.log.warn({ err: error }, 'could not send a private message'));
      return;
    }
    await enqueueThreadDiagnosis(deps, slack, {
      channel,
      threadTs,
      user,
      kind: 'mention',
      ...(args !== '' ? { explicitText: args } : {}),
      bot: { userId: context.botUserId, botId: context.botId },
      replyPrivately,
    });
  };
}
