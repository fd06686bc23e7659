/**
 * `/maildiag <domain | address> [to=...] [region=...] [smtp-user=...]`. Before the ack only
 * constant-time decisions: channel refusal, usage and "busy" (the run queue is full) are the
 * ack's own private body. Everything else (the replay check, parsing, the diagnosis) happens after the ack:
 * bad input is answered privately through the response URL, a valid target joins the queue.
 * Joining is cheap; the run's start and its "queued" summary wait until a burst of requests
 * has been acked (src/slack/ack-first.ts).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs, SlashCommand } from '@slack/bolt';
import { InputError } from '../../core/errors.js';
import { MAX_COMMAND_TEXT } from '../../core/limits.js';
import { parseCommandText, type Target } from '../../core/target.js';
import { isChannelAllowed } from '../channels.js';
import type { SlackDeps } from '../deps.js';
import { createSlackGateway } from '../gateway.js';
import { enqueueRun, refuseBusy } from '../queued-run.js';
import type { Reservation } from '../run-queue.js';
import { channelRefusedText, inputErrorText, USAGE_TEXT } from '../render/usage.js';
import { runReport } from '../report-run.js';
import { watchStatusText } from '../../watch/slack-status.js';
import { isReplayedCommand } from './dedupe-events.js';

function tooLongMessage(text: string): string {
  try {
    parseCommandText(text);
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  return `the command text is longer than ${MAX_COMMAND_TEXT} characters`;
}

/** What the ack of a slash command says, decided in constant time before anything else. */
export type SlashAck =
  /** Answered in the ack's own private body; nothing follows. */
  | { kind: 'reply'; body: { response_type: 'ephemeral'; text: string } }
  /** `/maildiag watch`: an empty ack, then the watch's status privately. */
  | { kind: 'watch' }
  /** A place in the run queue is held for this command: an empty ack, then parsing and the run. */
  | { kind: 'accepted'; reservation: Reservation };

/**
 * The decision before the ack: channel refusal, usage, watch, over-long text, or "busy" (the
 * run queue is full). Called once per command, by the listener or by the HTTP fast path
 * (src/slack/fast-ack.ts), which acks before Bolt runs and hands the decision to the listener.
 */
export function decideSlashAck(deps: Pick<SlackDeps, 'log' | 'runs' | 'allowedChannels'>, command: Pick<SlashCommand, 'channel_id' | 'user_id' | 'text'>): SlashAck {
  const { channel_id: channel, user_id: user } = command;
  const text = command.text.trim();
  if (!isChannelAllowed(deps.allowedChannels, channel)) {
    deps.log.info({ channel, user }, 'refused: channel not allowed');
    return { kind: 'reply', body: { response_type: 'ephemeral', text: channelRefusedText(channel) } };
  }
  if (text === '' || /^help$/i.test(text)) return { kind: 'reply', body: { response_type: 'ephemeral', text: USAGE_TEXT } };
  if (/^watch$/i.test(text)) return { kind: 'watch' };
  if (text.length > MAX_COMMAND_TEXT) {
    // Refused in the ack itself: parseCommandText throws on the length before parsing anything.
    return { kind: 'reply', body: { response_type: 'ephemeral', text: inputErrorText(tooLongMessage(text)) } };
  }
  const reservation = deps.runs.reserve();
  if (!reservation) return { kind: 'reply', body: { response_type: 'ephemeral', text: refuseBusy(deps, { channel, user, kind: 'slash command' }) } };
  return { kind: 'accepted', reservation };
}

export function slashCommandListener(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const { channel_id: channel, user_id: user } = command;
    const text = command.text.trim();
    // Acked already by the fast path (its ack here is a no-op), or decided now.
    const decision = deps.preAcked?.take(command) ?? decideSlashAck(deps, command);
    if (decision.kind === 'reply') {
      await ack(decision.body);
      return;
    }
    await ack();
    if (decision.kind === 'watch') {
      await respond({ response_type: 'ephemeral', text: await watchStatusText(deps) });
      return;
    }
    const { reservation } = decision;
    // The store round trip waits for its turn too: under a burst, other requests are acked first.
    await (deps.ackFirst?.turn() ?? Promise.resolve());
    if (await isReplayedCommand(deps, command)) {
      reservation.release();
      return;
    }
    const replyPrivately = async (reply: string): Promise<void> => {
      await respond({ response_type: 'ephemeral', replace_original: false, text: reply });
    };
    let target: Target;
    try {
      // Linear and bounded (core/limits), but still after the ack: the ack never waits for parsing.
      target = parseCommandText(text);
    } catch (error) {
      reservation.release();
      if (!(error instanceof InputError)) throw error;
      await replyPrivately(inputErrorText(error.message)).catch((failure: unknown) => deps.log.warn({ err: failure }, 'could not send a private message'));
      return;
    }

    const runId = deps.newRunId();
    const log = deps.log.child({ runId, channel, user });
    log.info({ sender: target.senderDomain, recipients: target.recipients.length }, 'slash command accepted');
    const slack = createSlackGateway(client, deps.pacer);
    enqueueRun(deps, slack, reservation, {
      runId,
      channel,
      target,
      log,
      replyPrivately,
      run: async (queued, detach) => {
        await runReport(deps, slack, { runId, target, channel, user, replyPrivately, queued, detach });
      },
    });
  };
}
