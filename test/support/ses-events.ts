/**
 * Real-looking SES notifications for tests, the demo and the benchmark, in the shapes SES
 * documents: identity notifications (`notificationType`) and event publishing (`eventType`),
 * bare (raw message delivery) or inside the SNS envelope.
 */
import { randomUUID } from 'node:crypto';

export const ACCOUNT = '111122223333';
export const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:ses-events`;

export interface EventOptions {
  format?: 'notification' | 'event';
  source?: string;
  /** Identity that authorised the send (defaults to the source's domain). */
  identity?: string;
  region?: string;
  messageId?: string;
  timestamp?: string;
  destination?: string[];
  subject?: string;
  configurationSet?: string;
}

type Json = Record<string, unknown>;

function mail(options: EventOptions, recipients: string[]): Json {
  const source = options.source ?? 'admin@customer.example';
  const identity = options.identity ?? source.split('@')[1] ?? source;
  const region = options.region ?? 'us-east-1';
  const timestamp = options.timestamp ?? '2026-03-02T11:59:58.000Z';
  return {
    timestamp,
    source,
    sourceArn: `arn:aws:ses:${region}:${ACCOUNT}:identity/${identity}`,
    sourceIp: '192.0.2.10',
    callerIdentity: 'ses-smtp-user.gmail',
    sendingAccountId: ACCOUNT,
    messageId: options.messageId ?? `0100018f${randomUUID().replace(/-/g, '').slice(0, 8)}-${randomUUID()}-000000`,
    destination: options.destination ?? recipients,
    headersTruncated: false,
    headers: [
      { name: 'From', value: source },
      { name: 'To', value: (options.destination ?? recipients).join(', ') },
      { name: 'Subject', value: options.subject ?? 'Invoice 2026-02' },
    ],
    commonHeaders: { from: [source], to: options.destination ?? recipients, subject: options.subject ?? 'Invoice 2026-02' },
    ...(options.configurationSet ? { tags: { 'ses:configuration-set': [options.configurationSet], 'ses:source-ip': ['192.0.2.10'] } } : {}),
  };
}

function typed(options: EventOptions, type: string): Json {
  return (options.format ?? 'notification') === 'event' ? { eventType: type } : { notificationType: type };
}

export interface BouncedRecipient {
  emailAddress: string;
  diagnosticCode?: string;
  status?: string;
  action?: string;
}

export function bounceEvent(recipients: BouncedRecipient[], options: EventOptions & { bounceType?: string; bounceSubType?: string; reportingMTA?: string } = {}): Json {
  return {
    ...typed(options, 'Bounce'),
    bounce: {
      feedbackId: `0100018f-${randomUUID()}-000000`,
      bounceType: options.bounceType ?? 'Permanent',
      bounceSubType: options.bounceSubType ?? 'General',
      bouncedRecipients: recipients.map((r) => ({ action: 'failed', status: '5.0.0', ...r })),
      timestamp: options.timestamp ?? '2026-03-02T12:00:01.000Z',
      remoteMtaIp: '198.51.100.25',
      reportingMTA: options.reportingMTA ?? 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: mail(options, recipients.map((r) => r.emailAddress)),
  };
}

export function complaintEvent(recipients: string[], options: EventOptions & { feedbackType?: string } = {}): Json {
  return {
    ...typed(options, 'Complaint'),
    complaint: {
      feedbackId: `0100018f-${randomUUID()}-000000`,
      complaintSubType: null,
      complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
      timestamp: options.timestamp ?? '2026-03-02T12:00:05.000Z',
      userAgent: 'Yahoo!-Mail-Feedback/2.0',
      complaintFeedbackType: options.feedbackType ?? 'abuse',
      arrivalDate: '2026-03-02T11:59:59.000Z',
    },
    mail: mail(options, recipients),
  };
}

export function deliveryEvent(recipients: string[], options: EventOptions = {}): Json {
  return {
    ...typed(options, 'Delivery'),
    delivery: {
      timestamp: options.timestamp ?? '2026-03-02T12:00:01.000Z',
      processingTimeMillis: 546,
      recipients,
      smtpResponse: '250 2.6.0 Message received',
      remoteMtaIp: '198.51.100.40',
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
    },
    mail: mail(options, recipients),
  };
}

export function sendEvent(recipients: string[], options: EventOptions = {}): Json {
  return { eventType: 'Send', send: {}, mail: mail(options, recipients) };
}

export function rejectEvent(recipients: string[], options: EventOptions = {}): Json {
  return { eventType: 'Reject', reject: { reason: 'Bad content' }, mail: mail(options, recipients) };
}

export function deliveryDelayEvent(recipients: BouncedRecipient[], options: EventOptions & { delayType?: string } = {}): Json {
  return {
    eventType: 'DeliveryDelay',
    deliveryDelay: {
      timestamp: options.timestamp ?? '2026-03-02T12:05:00.000Z',
      delayType: options.delayType ?? 'TransientCommunicationFailure',
      expirationTime: '2026-03-03T12:00:00.000Z',
      delayedRecipients: recipients.map((r) => ({ status: '4.4.7', ...r })),
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
    },
    mail: mail(options, recipients.map((r) => r.emailAddress)),
  };
}

export function renderingFailureEvent(options: EventOptions & { templateName?: string } = {}): Json {
  return {
    eventType: 'Rendering Failure',
    failure: { errorMessage: 'Attribute \'favoritecolor\' is not present in the rendering data.', templateName: options.templateName ?? 'MyTemplate' },
    mail: mail(options, options.destination ?? ['someone@recipient.example']),
  };
}

export function subscriptionEvent(recipient: string, options: EventOptions = {}): Json {
  return {
    eventType: 'Subscription',
    subscription: {
      contactList: 'SystemMonitor-Canary',
      timestamp: '2026-03-02T12:01:00.000Z',
      source: 'UnsubscribeHeader',
      newTopicPreferences: { unsubscribeAll: true, topicSubscriptionStatus: [] },
      oldTopicPreferences: { unsubscribeAll: false, topicSubscriptionStatus: [] },
    },
    mail: mail(options, [recipient]),
  };
}

/** The SNS envelope around an SES notification (raw message delivery off). */
export function snsEnvelope(message: Json | string, messageId: string = randomUUID()): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: TOPIC_ARN,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-03-02T12:00:02.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:00000000-0000-0000-0000-000000000000`,
  });
}

export const EXO_UNKNOWN_RECIPIENT = 'smtp; 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]';
export const GMAIL_NO_SUCH_USER = "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-7391d1c5e0bsi1234567b3a.123 - gsmtp";
export const GMAIL_DMARC = 'smtp; 550-5.7.26 Unauthenticated email from customer.example is not accepted due to domain\'s DMARC policy. Please contact the administrator of customer.example domain. - gsmtp';
export const MAILBOX_FULL = 'smtp; 552 5.2.2 The email account that you tried to reach is over quota. - gsmtp';
export const YAHOO_DEFERRED = 'smtp; 421 4.7.0 [TSS04] Messages from 54.240.8.1 temporarily deferred due to unexpected volume or user complaints';

/**
 * A mixed, real-looking stream for the benchmark: mostly deliveries and sends, bounces of
 * several kinds at several providers, some complaints and delays, a few rejects; about half
 * in the SNS envelope, event publishing and identity notifications mixed. Deterministic.
 */
export function mixedEvents(count: number, options: { seed?: number } = {}): string[] {
  let state = options.seed ?? 1;
  const random = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const senders = ['admin@customer.example', 'billing@customer.example', 'news@shop.example', 'alerts@app.example'];
  const domains = ['gmail.com', 'outlook.com', 'yahoo.com', 'recipient.example', 'corp.example', 'mail.example.org'];
  const bounces: Array<[string, string, string]> = [
    ['Permanent', 'General', EXO_UNKNOWN_RECIPIENT],
    ['Permanent', 'General', GMAIL_NO_SUCH_USER],
    ['Permanent', 'General', GMAIL_DMARC],
    ['Transient', 'MailboxFull', MAILBOX_FULL],
    ['Permanent', 'OnAccountSuppressionList', ''],
  ];
  const bodies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const source = pick(senders);
    const recipient = `user${Math.floor(random() * 5000)}@${pick(domains)}`;
    const format = random() < 0.5 ? 'event' : 'notification';
    const base = { source, format, messageId: `0100018f${i.toString(16).padStart(8, '0')}-bench-${i}-000000` } as const;
    const roll = random();
    let event: Json;
    if (roll < 0.45) event = deliveryEvent([recipient], base);
    else if (roll < 0.6) event = sendEvent([recipient], base);
    else if (roll < 0.85) {
      const [bounceType, bounceSubType, code] = pick(bounces);
      event = bounceEvent([{ emailAddress: recipient, ...(code ? { diagnosticCode: code } : {}) }], { ...base, bounceType, bounceSubType });
    } else if (roll < 0.9) event = complaintEvent([recipient], base);
    else if (roll < 0.97) event = deliveryDelayEvent([{ emailAddress: recipient, diagnosticCode: YAHOO_DEFERRED }], base);
    else if (roll < 0.99) event = rejectEvent([recipient], base);
    else event = subscriptionEvent(recipient, base);
    bodies.push(random() < 0.5 ? snsEnvelope(event, `bench-sns-${i}`) : JSON.stringify(event));
  }
  return bodies;
}
