/**
 * Reads an SQS message body holding an SES notification, in every shape SES and SNS produce:
 *
 * - identity notifications (`notificationType`: Bounce, Complaint, Delivery) and event
 *   publishing through a configuration set (`eventType`: Bounce, Complaint, Delivery, Send,
 *   Reject, DeliveryDelay, Rendering Failure, Subscription, Open, Click);
 * - wrapped in the SNS envelope (`Type: Notification`, the SES JSON as the string `Message`),
 *   or bare (SNS raw message delivery on).
 *
 * Event bodies are data from outside: validated with zod, bounded in size and counts, never
 * thrown at the caller. The result says what the body was, or why it is not usable.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** SQS's own maximum message size (256 KiB); anything larger is not an SES notification. */
export const MAX_BODY_BYTES = 256 * 1024;
/** SES accepts at most 50 recipients per message; keep a margin, drop the rest. */
const MAX_RECIPIENTS = 100;
const MAX_TEXT = 2_000;

export const SES_EVENT_TYPES = [
  'Bounce',
  'Complaint',
  'Delivery',
  'Send',
  'Reject',
  'DeliveryDelay',
  'RenderingFailure',
  'Subscription',
  'Open',
  'Click',
] as const;
export type SesEventType = (typeof SES_EVENT_TYPES)[number];

/** Why a body is not used. `left` = not deleted: SQS redelivers it and, after maxReceiveCount, moves it to the DLQ. */
export type SkipReason =
  | 'too-large'
  | 'not-json'
  | 'not-ses'
  | 'sns-not-json'
  | 'sns-not-ses'
  | 'invalid-event'
  | 'unknown-type'
  | 'sns-control';

/** Bodies that cannot become valid on redelivery are still left for the DLQ, so a person can look at them. */
export const LEFT_FOR_DLQ: ReadonlySet<SkipReason> = new Set(['too-large', 'not-json', 'not-ses', 'sns-not-json', 'sns-not-ses', 'invalid-event']);

export interface AffectedRecipient {
  address: string;
  diagnosticCode?: string;
  status?: string;
  action?: string;
}

export interface SesEvent {
  type: SesEventType;
  format: 'notification' | 'event';
  /** SNS MessageId when enveloped; otherwise a digest of the SES message id, type, time and recipients. */
  dedupeId: string;
  /** Whether dedupeId is the SNS MessageId (true) or derived from the content. */
  dedupeBySns: boolean;
  timestamp: Date | undefined;
  mail: {
    messageId: string;
    source: string;
    /** The identity that authorised the send (from sourceArn), else the source's domain. */
    identity: string;
    region: string | undefined;
    destination: string[];
    subject: string | undefined;
    configurationSet: string | undefined;
  };
  /** Recipients the event is about (bounced, complained, delayed, delivered). */
  recipients: AffectedRecipient[];
  bounce?: { bounceType: string; bounceSubType: string; reportingMta?: string; remoteMtaIp?: string };
  complaint?: { feedbackType?: string; subType?: string };
  delay?: { delayType: string; expirationTime?: string; reportingMta?: string };
  reject?: { reason: string };
  failure?: { errorMessage: string; templateName?: string };
}

export type ParseOutcome = { ok: true; event: SesEvent } | { ok: false; reason: SkipReason; detail: string; snsMessageId?: string };

// ---------- schemas ----------

/** Plain strings (no transforms keep zod on its fast path); long texts are cut where they are used. */
const text = z.string().max(MAX_TEXT * 10);
const opt = text.optional();

const snsEnvelope = z.object({
  Type: z.string().max(64),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().max(400).optional(),
  Message: z.string(),
  Timestamp: z.string().max(64).optional(),
});

const mailSchema = z.object({
  timestamp: opt,
  messageId: z.string().min(1).max(400),
  source: z.string().max(1_000),
  sourceArn: opt,
  destination: z.array(z.string().max(1_000)).max(10_000).default([]),
  tags: z.record(z.string(), z.array(z.string().max(400)).max(50)).optional(),
  commonHeaders: z.object({ subject: z.string().max(10_000).optional() }).optional(),
});

const bouncedRecipient = z.object({ emailAddress: z.string().max(1_000), action: opt, status: opt, diagnosticCode: opt });
const emailOnly = z.object({ emailAddress: z.string().max(1_000) });

const bounceSchema = z.object({
  bounceType: z.string().max(64),
  bounceSubType: z.string().max(64).default('Undetermined'),
  bouncedRecipients: z.array(bouncedRecipient).max(10_000),
  timestamp: opt,
  reportingMTA: opt,
  remoteMtaIp: opt,
});
const complaintSchema = z.object({
  complainedRecipients: z.array(emailOnly).max(10_000),
  timestamp: opt,
  complaintFeedbackType: opt,
  complaintSubType: z.string().max(200).nullable().optional(),
});
const deliverySchema = z.object({ timestamp: opt, recipients: z.array(z.string().max(1_000)).max(10_000).default([]), smtpResponse: opt, reportingMTA: opt });
const delaySchema = z.object({
  delayType: z.string().max(100).default('Undetermined'),
  delayedRecipients: z.array(bouncedRecipient).max(10_000).default([]),
  expirationTime: opt,
  reportingMTA: opt,
  timestamp: opt,
});
const rejectSchema = z.object({ reason: z.string().max(MAX_TEXT * 10).default('') });
const failureSchema = z.object({ errorMessage: z.string().max(MAX_TEXT * 10).default(''), templateName: opt });
const subscriptionSchema = z.object({ contactList: opt, timestamp: opt });

const sesBody = z.object({
  notificationType: z.string().max(64).optional(),
  eventType: z.string().max(64).optional(),
  mail: mailSchema,
  bounce: bounceSchema.optional(),
  complaint: complaintSchema.optional(),
  delivery: deliverySchema.optional(),
  deliveryDelay: delaySchema.optional(),
  reject: rejectSchema.optional(),
  failure: failureSchema.optional(),
  subscription: subscriptionSchema.optional(),
});
type SesBody = z.infer<typeof sesBody>;

// ---------- parsing ----------

function typeOf(name: string): SesEventType | undefined {
  if (name === 'Rendering Failure') return 'RenderingFailure';
  return (SES_EVENT_TYPES as readonly string[]).includes(name) ? (name as SesEventType) : undefined;
}

/** `arn:aws:ses:us-east-1:111122223333:identity/example.com` → identity and region. */
export function identityOfArn(arn: string | undefined): { identity?: string; region?: string } {
  const match = /^arn:aws[\w-]*:ses:([a-z0-9-]+):\d*:identity\/(.+)$/.exec(arn ?? '');
  if (!match?.[2]) return {};
  return { identity: match[2].toLowerCase(), ...(match[1] ? { region: match[1] } : {}) };
}

/** The bare address of `"Name" <a@b.example>` or `a@b.example`, lower-cased; undefined when none. */
export function bareAddress(value: string): string | undefined {
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const candidate = (angle?.[1] ?? value).trim().toLowerCase();
  return /^[^\s@]{1,200}@[a-z0-9.-]{1,253}$/.test(candidate) ? candidate : undefined;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : address.toLowerCase();
}

function dateOf(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function recipientsOf(body: SesBody, type: SesEventType): AffectedRecipient[] {
  const clean = (list: AffectedRecipient[]): AffectedRecipient[] =>
    list.flatMap((r) => {
      const address = bareAddress(r.address);
      return address ? [{ ...r, address }] : [];
    }).slice(0, MAX_RECIPIENTS);
  const dsn = (list: Array<z.infer<typeof bouncedRecipient>>): AffectedRecipient[] =>
    list.map((r) => ({
      address: r.emailAddress,
      ...(r.diagnosticCode ? { diagnosticCode: r.diagnosticCode.slice(0, MAX_TEXT) } : {}),
      ...(r.status ? { status: r.status.slice(0, 40) } : {}),
      ...(r.action ? { action: r.action.slice(0, 40) } : {}),
    }));
  switch (type) {
    case 'Bounce':
      return clean(dsn(body.bounce?.bouncedRecipients ?? []));
    case 'Complaint':
      return clean((body.complaint?.complainedRecipients ?? []).map((r) => ({ address: r.emailAddress })));
    case 'DeliveryDelay':
      return clean(dsn(body.deliveryDelay?.delayedRecipients ?? []));
    case 'Delivery':
      return clean((body.delivery?.recipients ?? []).map((address) => ({ address })));
    default:
      return clean(body.mail.destination.map((address) => ({ address })));
  }
}

/** The detail object an event type requires; its absence makes the event invalid. */
function missingDetail(body: SesBody, type: SesEventType): string | undefined {
  const required: Partial<Record<SesEventType, unknown>> = {
    Bounce: body.bounce,
    Complaint: body.complaint,
    DeliveryDelay: body.deliveryDelay,
    RenderingFailure: body.failure,
  };
  return type in required && required[type] === undefined ? `${type} without its detail object` : undefined;
}

function contentDigest(body: SesBody, type: SesEventType, recipients: AffectedRecipient[]): string {
  const when = body.bounce?.timestamp ?? body.complaint?.timestamp ?? body.delivery?.timestamp ?? body.deliveryDelay?.timestamp ?? body.mail.timestamp ?? '';
  const hash = createHash('sha256').update(`${body.mail.messageId}\n${type}\n${when}\n${recipients.map((r) => r.address).join(',')}`).digest('hex');
  return `ses:${hash.slice(0, 40)}`;
}

function fromSesJson(value: unknown, snsMessageId: string | undefined): ParseOutcome {
  const parsed = sesBody.safeParse(value);
  const sns = snsMessageId ? { snsMessageId } : {};
  if (!parsed.success) {
    const looksSes = value !== null && typeof value === 'object' && ('notificationType' in value || 'eventType' in value);
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    if (!looksSes) return { ok: false, reason: snsMessageId ? 'sns-not-ses' : 'not-ses', detail: 'no notificationType or eventType', ...sns };
    return { ok: false, reason: 'invalid-event', detail: where.slice(0, 200), ...sns };
  }
  const body = parsed.data;
  const name = body.eventType ?? body.notificationType;
  if (name === undefined) return { ok: false, reason: snsMessageId ? 'sns-not-ses' : 'not-ses', detail: 'no notificationType or eventType', ...sns };
  const type = typeOf(name);
  if (!type) return { ok: false, reason: 'unknown-type', detail: `type '${name.slice(0, 40)}'`, ...sns };
  const missing = missingDetail(body, type);
  if (missing) return { ok: false, reason: 'invalid-event', detail: missing, ...sns };
  const recipients = recipientsOf(body, type);
  const fromArn = identityOfArn(body.mail.sourceArn);
  const source = bareAddress(body.mail.source) ?? body.mail.source.slice(0, 200).toLowerCase();
  const identity = fromArn.identity ?? domainOf(source);
  const configurationSet = body.mail.tags?.['ses:configuration-set']?.[0];
  const event: SesEvent = {
    type,
    format: body.eventType !== undefined ? 'event' : 'notification',
    dedupeId: snsMessageId ? `sns:${snsMessageId}` : contentDigest(body, type, recipients),
    dedupeBySns: snsMessageId !== undefined,
    timestamp: dateOf(body.bounce?.timestamp ?? body.complaint?.timestamp ?? body.deliveryDelay?.timestamp ?? body.delivery?.timestamp ?? body.mail.timestamp),
    mail: {
      messageId: body.mail.messageId,
      source,
      identity,
      region: fromArn.region,
      destination: body.mail.destination.slice(0, MAX_RECIPIENTS).flatMap((d) => bareAddress(d) ?? []),
      subject: body.mail.commonHeaders?.subject?.slice(0, 300),
      configurationSet,
    },
    recipients,
    ...(body.bounce
      ? {
          bounce: {
            bounceType: body.bounce.bounceType,
            bounceSubType: body.bounce.bounceSubType,
            ...(body.bounce.reportingMTA ? { reportingMta: body.bounce.reportingMTA } : {}),
            ...(body.bounce.remoteMtaIp ? { remoteMtaIp: body.bounce.remoteMtaIp } : {}),
          },
        }
      : {}),
    ...(body.complaint
      ? {
          complaint: {
            ...(body.complaint.complaintFeedbackType ? { feedbackType: body.complaint.complaintFeedbackType } : {}),
            ...(body.complaint.complaintSubType ? { subType: body.complaint.complaintSubType } : {}),
          },
        }
      : {}),
    ...(body.deliveryDelay
      ? {
          delay: {
            delayType: body.deliveryDelay.delayType,
            ...(body.deliveryDelay.expirationTime ? { expirationTime: body.deliveryDelay.expirationTime } : {}),
            ...(body.deliveryDelay.reportingMTA ? { reportingMta: body.deliveryDelay.reportingMTA } : {}),
          },
        }
      : {}),
    ...(type === 'Reject' ? { reject: { reason: body.reject?.reason ?? '' } } : {}),
    ...(body.failure ? { failure: { errorMessage: body.failure.errorMessage.slice(0, MAX_TEXT), ...(body.failure.templateName ? { templateName: body.failure.templateName } : {}) } } : {}),
  };
  return { ok: true, event };
}

function parseJson(textValue: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(textValue) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Parses one SQS message body. Never throws. */
export function parseSesMessage(rawBody: string): ParseOutcome {
  // Cheap bound first: UTF-16 length ≤ bytes, so a long string is checked exactly only when near the limit.
  if (rawBody.length > MAX_BODY_BYTES || (rawBody.length > MAX_BODY_BYTES / 4 && Buffer.byteLength(rawBody, 'utf8') > MAX_BODY_BYTES)) {
    return { ok: false, reason: 'too-large', detail: `${Buffer.byteLength(rawBody, 'utf8')} bytes (limit ${MAX_BODY_BYTES})` };
  }
  const outer = parseJson(rawBody);
  if (!outer.ok) return { ok: false, reason: 'not-json', detail: `${rawBody.length} characters that are not JSON` };
  // Only what looks like an envelope is validated as one (a failed zod parse builds an error: costly per event).
  const value = outer.value;
  const looksEnveloped = value !== null && typeof value === 'object' && 'Type' in value && 'Message' in value;
  const envelope = looksEnveloped ? snsEnvelope.safeParse(value) : undefined;
  if (envelope?.success) {
    const { Type: type, MessageId: snsMessageId, Message: message } = envelope.data;
    if (type !== 'Notification') return { ok: false, reason: 'sns-control', detail: `SNS ${type.slice(0, 40)}`, snsMessageId };
    const inner = parseJson(message);
    if (!inner.ok) return { ok: false, reason: 'sns-not-json', detail: 'the SNS Message is not JSON', snsMessageId };
    return fromSesJson(inner.value, snsMessageId);
  }
  return fromSesJson(outer.value, undefined);
}
