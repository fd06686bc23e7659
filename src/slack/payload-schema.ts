/**
 * The shapes our listeners read from Slack payloads, checked at the edge (zod) before any
 * listener runs. Slack's signature proves who sent a payload, not that its fields have the
 * types we read: a button value sent as an object would otherwise reach an SQLite query as
 * named parameters, a form field sent twice arrives as an array, a mention may have no text.
 *
 * Only the fields we read are checked; everything else passes through untouched.
 */
import { z } from 'zod';

const id = z.string().min(1).max(64);
const ts = z.string().min(1).max(32);
/**
 * Free text is bounded by the receiver's body limit (4 MB) only: an over-long command must
 * still reach the listener, which answers privately (MAX_COMMAND_TEXT in core/limits).
 */
const text = z.string();

const blockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id }),
  trigger_id: z.string().max(256).optional(),
  channel: z.object({ id }).optional(),
  message: z.object({ ts, thread_ts: ts.optional() }).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().max(255),
        value: z.string().max(2_000).optional(),
      }),
    )
    .min(1)
    .max(10),
});

const viewSubmission = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id }),
  view: z.object({
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3_000),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().max(3_000).nullish() }))),
    }),
  }),
});

const messageAction = z.object({
  type: z.literal('message_action'),
  user: z.object({ id }),
  channel: z.object({ id }),
  message: z.object({ ts, thread_ts: ts.optional() }),
});

const slashCommand = z.object({
  command: z.string().max(64),
  text,
  channel_id: id,
  user_id: id,
  response_url: z.string().max(2_000).optional(),
  trigger_id: z.string().max(256).optional(),
});

const appMention = z.object({
  type: z.literal('app_mention'),
  channel: id,
  user: id.optional(),
  text: text.optional(),
  ts,
  thread_ts: ts.optional(),
});

const eventCallback = z.object({
  type: z.literal('event_callback'),
  event_id: z.string().max(128),
  event: z.object({ type: z.string().max(128) }),
});

/** A slash command's fields as the listener reads them, or undefined when the body does not have that shape. */
export function parseSlashCommand(body: unknown): z.infer<typeof slashCommand> | undefined {
  const result = slashCommand.safeParse(body);
  return result.success ? result.data : undefined;
}

export type PayloadVerdict = { ok: true; kind: string } | { ok: false; kind: string; issues: string[] };

/** Names the offending fields (paths and expected types), never their values. */
function issuesOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.code}`);
}

function verdict(kind: string, schema: z.ZodType, body: unknown): PayloadVerdict {
  const result = schema.safeParse(body);
  return result.success ? { ok: true, kind } : { ok: false, kind, issues: issuesOf(result.error) };
}

/** Checks a parsed request body; kinds we do not handle pass (Bolt routes them nowhere). */
export function validateSlackPayload(body: unknown): PayloadVerdict {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, kind: 'unknown', issues: ['(body): not an object'] };
  const record = body as Record<string, unknown>;
  if ('command' in record) return verdict('command', slashCommand, body);
  switch (record.type) {
    case 'block_actions':
      return verdict('block_actions', blockActions, body);
    case 'view_submission':
      return verdict('view_submission', viewSubmission, body);
    case 'message_action':
      return verdict('message_action', messageAction, body);
    case 'event_callback': {
      const envelope = verdict('event_callback', eventCallback, body);
      if (!envelope.ok) return envelope;
      const event = record.event as Record<string, unknown>;
      return event.type === 'app_mention' ? verdict('app_mention', appMention, event) : envelope;
    }
    default:
      return { ok: true, kind: typeof record.type === 'string' ? record.type.slice(0, 64) : 'unknown' };
  }
}
