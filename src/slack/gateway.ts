/**
 * The Slack Web API calls maildiag makes, behind one small interface so run logic does not
 * depend on Bolt's argument types. Failures are rethrown as SlackCallError with the
 * platform's error code classified for users.
 */
import type { types, webApi } from '@slack/bolt';
import type { Block, SlackMessage } from './render/blocks.js';
import { type ChannelPacer, noPacing } from './pacer.js';
import { describeSlackFailure, SlackCallError } from './slack-errors.js';

export interface ThreadMessage {
  ts: string;
  text: string;
  user: string | undefined;
  botId: string | undefined;
}

export interface SlackGateway {
  postMessage(channel: string, message: SlackMessage, threadTs?: string): Promise<{ ts: string }>;
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
  postEphemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void>;
  /** The thread's messages, oldest first, at most `maxMessages`. */
  threadMessages(channel: string, threadTs: string, maxMessages?: number): Promise<ThreadMessage[]>;
}

const PAGE_SIZE = 200;
const DEFAULT_MAX_THREAD_MESSAGES = 600;

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new SlackCallError(describeSlackFailure(error), error);
  }
}

// Our block shapes are structurally Block Kit; the cast only bridges the two type libraries.
const kitBlocks = (blocks: Block[]): types.KnownBlock[] => blocks as unknown as types.KnownBlock[];

export function createSlackGateway(client: webApi.WebClient, pacer: ChannelPacer = noPacing): SlackGateway {
  return {
    async postMessage(channel, message, threadTs) {
      const result = await pacer.run(channel, () =>
        call(() =>
          client.chat.postMessage({ channel, text: message.text, blocks: kitBlocks(message.blocks), ...(threadTs ? { thread_ts: threadTs } : {}) }),
        ),
      );
      if (!result.ts) throw new SlackCallError({ code: 'no_ts', message: 'Slack did not return the posted message.' }, result);
      return { ts: result.ts };
    },
    async update(channel, ts, message) {
      await call(() => client.chat.update({ channel, ts, text: message.text, blocks: kitBlocks(message.blocks) }));
    },
    async postEphemeral(channel, user, text, threadTs) {
      await call(() => client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) }));
    },
    async threadMessages(channel, threadTs, maxMessages = DEFAULT_MAX_THREAD_MESSAGES) {
      const messages: ThreadMessage[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(() => client.conversations.replies({ channel, ts: threadTs, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));
        for (const message of page.messages ?? []) {
          messages.push({ ts: message.ts ?? '', text: message.text ?? '', user: message.user, botId: message.bot_id });
        }
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor && messages.length < maxMessages);
      return messages.slice(0, maxMessages);
    },
  };
}
