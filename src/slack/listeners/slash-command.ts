/**
 * `/maildiag <domain | address> [to=...] [region=...] [smtp-user=...]`. Everything before
 * the ack is pure and fast (parse, channel check): usage, refusals and bad input are the
 * ack's own private body, and nothing runs for them.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { InputError } from '../../core/errors.js';
import { parseCommandText, type Target } from '../../core/target.js';
import { isChannelAllowed } from '../channels.js';
import type { SlackDeps } from '../deps.js';
import { createSlackGateway } from '../gateway.js';
import { channelRefusedText, inputErrorText, USAGE_TEXT } from '../render/usage.js';
import { runReport } from '../report-run.js';
import { watchStatusText } from '../../watch/slack-status.js';

export function slashCommandListener(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const { channel_id: channel, user_id: user } = command;
    const text = command.text.trim();
    if (!isChannelAllowed(deps.allowedChannels, channel)) {
      deps.log.info({ channel, user }, 'refused: channel not allowed');
      await ack({ response_type: 'ephemeral', text: channelRefusedText(channel) });
      return;
    }
    if (text === '' || /^help$/i.test(text)) {
      await ack({ response_type: 'ephemeral', text: USAGE_TEXT });
      return;
    }
    if (/^watch$/i.test(text)) {
      await ack();
      await respond({ response_type: 'ephemeral', text: await watchStatusText(deps) });
      return;
    }
    let target: Target;
    try {
      // Bounded before parsing (core/limits MAX_COMMAND_TEXT), then linear: the ack is never late.
      target = parseCommandText(text);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await ack({ response_type: 'ephemeral', text: inputErrorText(error.message) });
      return;
    }
    await ack();

    const runId = deps.newRunId();
    deps.log.info({ runId, channel, user, sender: target.senderDomain, recipients: target.recipients.length }, 'slash command accepted');
    await deps.runs.track(
      runReport(deps, createSlackGateway(client, deps.pacer), {
        runId,
        target,
        channel,
        user,
        replyPrivately: async (reply) => {
          await respond({ response_type: 'ephemeral', replace_original: false, text: reply });
        },
      }),
    );
  };
}
