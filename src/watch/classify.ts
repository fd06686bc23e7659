/**
 * Turns a parsed SES event into what the watch groups: one item per affected recipient
 * (or one per message for rejects and rendering failures), keyed by sender identity,
 * recipient domain and category. Bounce and delay replies are read by the bounce knowledge
 * (its public entry point, `interpretReplyText`), memoised because a burst repeats the same
 * few replies thousands of times.
 */
import type { InterpretedReply } from '../core/replies.js';
import { interpretReplyText } from '../knowledge/bounce/classify.js';
import { domainOf, type SesEvent, type SesEventType } from './ses-events.js';

/** Event types that can post to the channel; the rest are only counted. */
export type GroupKind = 'Bounce' | 'Complaint' | 'DeliveryDelay' | 'Reject' | 'RenderingFailure';
export const GROUP_KINDS: ReadonlySet<SesEventType> = new Set<SesEventType>(['Bounce', 'Complaint', 'DeliveryDelay', 'Reject', 'RenderingFailure']);

/** Recipient domain of items not about one recipient (rejects, rendering failures). */
export const ANY_DOMAIN = '*';

export interface WatchItem {
  kind: GroupKind;
  identity: string;
  recipientDomain: string;
  /** Our bounce category (`recipient-unknown`), a complaint feedback type, a delay type, a template. */
  category: string;
  /** The recipient this item is about (absent for rejects and rendering failures). */
  address?: string;
  /** The remote reply as SES reported it (bounces and delays). */
  diagnosticCode?: string;
  interpretation?: InterpretedReply;
  /** Permanent bounce or complaint: SES puts the address on the account suppression list (when enabled for that reason). */
  suppressedNow: boolean;
  /** SES did not send at all: the address was already suppressed. */
  alreadySuppressed: boolean;
  event: SesEvent;
}

/** SES bounce sub-types that mean SES itself did not send (its suppression lists). */
const SUPPRESSED_SUBTYPES = new Set(['Suppressed', 'OnAccountSuppressionList']);

/** Categories for bounces SES reports without a remote reply (by bounce type and sub-type). */
const SUBTYPE_CATEGORIES: Readonly<Record<string, string>> = {
  Suppressed: 'suppressed',
  OnAccountSuppressionList: 'suppressed',
  NoEmail: 'recipient-unknown',
  MailboxFull: 'mailbox-full',
  MessageTooLarge: 'message-too-big',
  ContentRejected: 'content-filtered',
  AttachmentRejected: 'content-filtered',
  UnsubscribedRecipient: 'suppressed',
};

const MEMO_LIMIT = 5_000;

export interface Classifier {
  classify(event: SesEvent): WatchItem[];
  /** Distinct replies interpreted so far (memo size). */
  readonly interpreted: number;
}

export function createClassifier(interpret: (text: string, recipient: string) => InterpretedReply | undefined = defaultInterpret): Classifier {
  // Keyed by the reply with the recipient's address blanked out, so one reply to many addresses is read once.
  const memo = new Map<string, InterpretedReply | null>();
  const read = (code: string, address: string): InterpretedReply | undefined => {
    const key = address === '' ? code : code.split(address).join('\u0000');
    const cached = memo.get(key);
    if (cached !== undefined) return cached === null ? undefined : { ...cached, ...(address ? { recipient: address } : {}) };
    const reply = interpret(code, address);
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
    memo.set(key, reply ?? null);
    return reply;
  };

  return {
    classify(event) {
      const base = { identity: event.mail.identity, event };
      switch (event.type) {
        case 'Bounce': {
          const bounce = event.bounce;
          const already = SUPPRESSED_SUBTYPES.has(bounce?.bounceSubType ?? '');
          return event.recipients.map((r): WatchItem => {
            const interpretation = r.diagnosticCode ? read(r.diagnosticCode, r.address) : undefined;
            const recognised = interpretation && interpretation.category !== 'unrecognised' ? interpretation.category : undefined;
            const category = already ? 'suppressed' : (recognised ?? SUBTYPE_CATEGORIES[bounce?.bounceSubType ?? ''] ?? interpretation?.category ?? `${(bounce?.bounceType ?? 'undetermined').toLowerCase()}-bounce`);
            return {
              ...base,
              kind: 'Bounce',
              recipientDomain: domainOf(r.address),
              category,
              address: r.address,
              ...(r.diagnosticCode ? { diagnosticCode: r.diagnosticCode } : {}),
              ...(interpretation ? { interpretation } : {}),
              suppressedNow: bounce?.bounceType === 'Permanent' && !already,
              alreadySuppressed: already,
            };
          });
        }
        case 'Complaint':
          return event.recipients.map((r) => ({
            ...base,
            kind: 'Complaint' as const,
            recipientDomain: domainOf(r.address),
            category: event.complaint?.feedbackType ?? 'complaint',
            address: r.address,
            suppressedNow: true,
            alreadySuppressed: false,
          }));
        case 'DeliveryDelay':
          return event.recipients.map((r): WatchItem => {
            const interpretation = r.diagnosticCode ? read(r.diagnosticCode, r.address) : undefined;
            return {
              ...base,
              kind: 'DeliveryDelay',
              recipientDomain: domainOf(r.address),
              category: event.delay?.delayType ?? 'Undetermined',
              address: r.address,
              ...(r.diagnosticCode ? { diagnosticCode: r.diagnosticCode } : {}),
              ...(interpretation ? { interpretation } : {}),
              suppressedNow: false,
              alreadySuppressed: false,
            };
          });
        case 'Reject':
          return [{ ...base, kind: 'Reject', recipientDomain: ANY_DOMAIN, category: (event.reject?.reason || 'rejected').slice(0, 80), suppressedNow: false, alreadySuppressed: false }];
        case 'RenderingFailure':
          return [
            { ...base, kind: 'RenderingFailure', recipientDomain: ANY_DOMAIN, category: (event.failure?.templateName ?? 'template').slice(0, 80), suppressedNow: false, alreadySuppressed: false },
          ];
        default:
          return [];
      }
    },
    get interpreted() {
      return memo.size;
    },
  };
}

function defaultInterpret(text: string, recipient: string): InterpretedReply | undefined {
  return interpretReplyText(text, recipient ? { recipient } : {});
}
