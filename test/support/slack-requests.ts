/**
 * Sends requests to a Bolt HTTP receiver the way Slack does: form-encoded slash commands and
 * interactivity payloads, JSON events, each signed with the signing secret
 * (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`, headers X-Slack-Signature and
 * X-Slack-Request-Timestamp). Signature and timestamp can be overridden to test rejection.
 */
import { createHmac } from 'node:crypto';

export interface SlackResponse {
  status: number;
  body: string;
  /** The parsed JSON body, when there is one. */
  json: Record<string, unknown> | undefined;
}

export interface SendOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  signature?: string;
  retryNum?: number;
  retryReason?: string;
}

export function signSlackRequest(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackRequester {
  command(fields: Record<string, string>, options?: SendOptions): Promise<SlackResponse>;
  event(body: Record<string, unknown>, options?: SendOptions): Promise<SlackResponse>;
  interactive(payload: Record<string, unknown>, options?: SendOptions): Promise<SlackResponse>;
  send(body: string, contentType: string, options?: SendOptions): Promise<SlackResponse>;
}

export function createSlackRequester(options: { url: string; signingSecret: string; now?: () => number }): SlackRequester {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const send = async (body: string, contentType: string, sendOptions: SendOptions = {}): Promise<SlackResponse> => {
    const timestamp = sendOptions.timestamp ?? now();
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sendOptions.signature ?? signSlackRequest(options.signingSecret, timestamp, body),
    };
    if (sendOptions.retryNum !== undefined) headers['x-slack-retry-num'] = String(sendOptions.retryNum);
    if (sendOptions.retryReason !== undefined) headers['x-slack-retry-reason'] = sendOptions.retryReason;
    const response = await fetch(options.url, { method: 'POST', headers, body });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      json = undefined;
    }
    return { status: response.status, body: text, json };
  };
  return {
    command: (fields, sendOptions) => send(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', sendOptions),
    event: (body, sendOptions) => send(JSON.stringify(body), 'application/json', sendOptions),
    interactive: (payload, sendOptions) =>
      send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', sendOptions),
    send,
  };
}

/** A slash command body as Slack sends it. */
export function commandFields(input: { text: string; channel: string; user: string; responseUrl: string; command?: string }): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    team_domain: 'test',
    channel_id: input.channel,
    channel_name: 'support',
    user_id: input.user,
    user_name: 'agent',
    command: input.command ?? '/maildiag',
    text: input.text,
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: '1.2.3',
  };
}

/** An Events API `event_callback` envelope around an app_mention. */
export function appMentionEnvelope(input: { eventId: string; channel: string; user: string; text: string; ts: string; threadTs?: string }): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0TEST',
    type: 'event_callback',
    event_id: input.eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0TEST', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    event: {
      type: 'app_mention',
      user: input.user,
      text: input.text,
      ts: input.ts,
      channel: input.channel,
      event_ts: input.ts,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    },
  };
}

/** An interactivity `block_actions` payload: one button click on a message (in a thread). */
export function buttonClickPayload(input: {
  user: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  actionId: string;
  value: string;
  blockId?: string;
  triggerId: string;
  responseUrl: string;
  messageText?: string;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    token: 'legacy-verification-token',
    api_app_id: 'A0TEST',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: input.user, username: input.user.toLowerCase(), team_id: 'T0TEST' },
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel, is_ephemeral: false, ...(input.threadTs ? { thread_ts: input.threadTs } : {}) },
    trigger_id: input.triggerId,
    channel: { id: input.channel, name: 'support' },
    message: { type: 'message', ts: input.messageTs, thread_ts: input.threadTs ?? input.messageTs, text: input.messageText ?? 'maildiag' },
    response_url: input.responseUrl,
    actions: [
      { type: 'button', action_id: input.actionId, block_id: input.blockId ?? 'b', value: input.value, action_ts: '1700000002.000000', text: { type: 'plain_text', text: 'x' } },
    ],
  };
}
