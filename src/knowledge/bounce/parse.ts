/**
 * Turns a bounce (.eml bytes or pasted text) into reply fragments: one per recipient or per
 * SMTP reply found, each with the reply text, codes and hosts as the message states them.
 * Interpretation (what a reply means) is classify.ts's job.
 *
 * Everything is bounded: input size, number of fragments, length of each reply, and every
 * regular expression is linear (no nested quantifiers).
 */
import { readBlocks, type RecipientBlock } from './blocks.js';
import type { SmtpCommand } from './decide.js';
import { identifyFormat } from './formats/index.js';
import { AUTO_REPLY_SUBJECT, rfc3834 } from './formats/rfc.js';
import type { FormatModule, MessageHead } from './formats/types.js';
import type { SisimaiReason } from './rules.js';

/** Inputs above this are cut before parsing; the rest is reported in a note. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** At most this many recipient fragments are returned; the rest are counted. */
export const MAX_FRAGMENTS = 100;
/** A reply's text is cut to this many characters. */
export const MAX_REPLY_CHARS = 1200;

export type FragmentOrigin = 'delivery-status' | 'transcript' | 'summary' | 'ses-notification' | 'feedback-report';

export interface ReplyFragment {
  /** The reply text, unfolded (continuation lines joined), at most MAX_REPLY_CHARS. */
  text: string;
  recipient?: string;
  /** Basic reply code found in the text, e.g. `550`. */
  replyCode?: string;
  /** Enhanced status code: from the reply text when it has one, else the DSN Status field. */
  status?: string;
  /** SMTP command the reply answered, when the bounce says: `CONN`, `EHLO`, `HELO`, `MAIL`, `RCPT` or `DATA`. */
  command?: SmtpCommand;
  /** The `Diagnostic-Code` type (`SMTP`, `X-UNIX`, ...), when a DSN gives one. */
  diagnosticType?: string;
  /** A reason the report format states itself (an auto-reply, a feedback report, an SES suppression). */
  formatReason?: SisimaiReason;
  /** Which format module read this recipient (formats/). */
  format?: string;
  /** DSN `Action:` (failed, delayed, delivered, relayed, expanded). */
  action?: string;
  remoteHost?: string;
  reportingHost?: string;
  origin: FragmentOrigin;
}

export interface ParsedBounce {
  fragments: ReplyFragment[];
  /** Id of the format module (formats/index.ts) that read the message. */
  format?: string;
  /** Sender of the bounce (From header), used for provider detection. */
  from?: string;
  reportingHost?: string;
  /** The human-readable part, capped; used for provider hints. */
  summary: string;
  notes: string[];
}

const ENHANCED = String.raw`[245]\.\d{1,3}\.\d{1,3}`;
/** A reply code followed by an enhanced status code: `550 5.1.1`, `550-5.7.26`, `550-'5.7.1`. */
const CODE_AND_STATUS = new RegExp(String.raw`(?<![\d.])([245]\d\d)[ -]{1,2}'?(${ENHANCED})(?![\d.])`);
/** A reply code at the start of a reply (after a known lead-in), e.g. `<<< 553 ...`, `said: 554 ...`. */
const LEAD_IN_CODE =
  /(?:^\s{0,8}(?:<<<\s?)?|\b(?:said|returned|was|error|reply|response|answered|Reported error|Status code|Remote host said):?\s{0,3}['"]?\s{0,2}(?:\d{3}\s)?)([245]\d\d)(?=[ -]\S)/i;
const BARE_STATUS = new RegExp(String.raw`(?<![\d.])(${ENHANCED})(?![\d.])`);
const EMAIL = /[A-Za-z0-9._%+=-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/;
const EMAIL_GLOBAL = /[A-Za-z0-9._%+=-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g;
const HEADER_LINE = /^[!-9;-~]{1,76}:/;
/** Where a copy of the original message starts in a bounce's body. */
const ORIGINAL_MESSAGE_MARKER =
  /^\s{0,8}(?:-{2,}\s{0,4}(?:Below this line is a copy|This is a copy of|Original message|The header of the original|Undelivered message|Message headers follow|Returned message|Original Message Headers|Forwarded message)|Original message headers:|-{2,} ?Original message ?-{2,}|--- Below this line)/im;
const DSN_FIELD =
  /^(Final-Recipient|Original-Recipient|Action|Status|Diagnostic-Code|Remote-MTA|Reporting-MTA|X-Postfix-Sender|Last-Attempt-Date|Will-Retry-Until|Arrival-Date|Received-From-MTA|X-Actual-Recipient):\s{0,8}(.*)$/i;

/** Parses a whole bounce (.eml) or bare text. Never throws on malformed input. */
export async function parseBounce(input: string | Buffer): Promise<ParsedBounce> {
  const notes: string[] = [];
  let bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length > MAX_INPUT_BYTES) {
    notes.push(`Input is ${bytes.length} bytes; only the first ${MAX_INPUT_BYTES} bytes were read.`);
    bytes = bytes.subarray(0, MAX_INPUT_BYTES);
  }
  if (looksBinary(bytes)) {
    notes.push('Input looks binary (not text or an email message); nothing was read from it.');
    return { fragments: [], summary: '', notes };
  }
  const raw = bytes.toString('utf8');
  if (!looksLikeMessage(raw)) {
    const parsed = parseBounceText(raw);
    return { ...parsed, notes: [...notes, ...parsed.notes] };
  }

  let body: string;
  let from: string | undefined;
  const head: MessageHead = { from: '', subject: '', headers: '', body: '' };
  const attachmentsText: string[] = [];
  try {
    // Loaded on first use: diagnoses that only interpret reply lines never load mailparser.
    const { simpleParser } = await import('mailparser');
    const mail = await simpleParser(bytes, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true, skipTextLinks: true, maxHtmlLengthToParse: MAX_INPUT_BYTES });
    from = mail.from?.value[0]?.address;
    head.from = mail.from?.text ?? '';
    head.subject = mail.subject ?? '';
    head.headers = mail.headerLines
      .slice(0, 200)
      .map((header) => header.line.slice(0, 1000))
      .join('\n');
    body = mail.text ?? '';
    for (const attachment of mail.attachments) {
      const type = attachment.contentType.toLowerCase();
      // Delivery reports and feedback reports carry the fields we read; original messages do not.
      if (type.includes('delivery-status') || type.includes('feedback-report')) {
        attachmentsText.push(attachment.content.toString('utf8'));
        head.headers += `\nX-Part-Type: ${type}`;
      }
    }
    if (body === '' && typeof mail.html === 'string') body = stripHtml(mail.html);
  } catch (error) {
    notes.push(`The message could not be parsed as MIME (${error instanceof Error ? error.message : String(error)}); it was read as plain text.`);
    body = raw;
  }
  head.body = body;
  let parsed = parseBounceText([body, ...attachmentsText].join('\n\n'), head);
  if (!parsed.fragments.some(usable)) {
    // Broken MIME (a boundary the header does not declare) hides the notice from the parser: read the raw body.
    const rawBody = raw.slice(raw.search(/\r?\n\r?\n/) + 1);
    const again = parseBounceText(rawBody, { ...head, body: rawBody });
    if (again.fragments.some(usable)) parsed = again;
  }
  // An automatic reply (RFC 3834) that carries no delivery report is a vacation notice, not a bounce.
  if (isAutoReply(head) && parsed.fragments.every((fragment) => fragment.origin === 'summary' && fragment.formatReason === undefined && fragment.replyCode === undefined)) {
    parsed.fragments = [{ text: `Automatic reply: ${head.subject}`.slice(0, MAX_REPLY_CHARS), origin: 'summary', formatReason: 'vacation', format: 'rfc3834', ...(from ? { recipient: from } : {}) }];
  }
  return {
    fragments: parsed.fragments,
    summary: parsed.summary,
    notes: [...notes, ...parsed.notes],
    ...(parsed.format ? { format: parsed.format } : {}),
    ...(from ? { from } : {}),
    ...(parsed.reportingHost ? { reportingHost: parsed.reportingHost } : {}),
  };
}

/** A fragment with a reply code, a status, a recipient block or a format-stated reason. */
function usable(fragment: ReplyFragment): boolean {
  return fragment.origin !== 'summary' || fragment.formatReason !== undefined || fragment.replyCode !== undefined;
}

/** RFC 3834 marks, from a person's address: delivery reports carry `Auto-Submitted` too, but come from the mail system. */
function isAutoReply(head: MessageHead): boolean {
  if (/mailer-daemon|postmaster|mail delivery|MAILER_DAEMON|no-?reply/i.test(head.from)) return false;
  return rfc3834.detect.headers?.test(head.headers) === true || AUTO_REPLY_SUBJECT.test(head.subject);
}

/**
 * Parses bare text: a pasted NDR, an SMTP transcript, a DSN's fields, an SES notification
 * (JSON) or a single reply line. Synchronous; the caller caps the size (parseBounce does).
 * `head`: the message's From, Subject and headers when the text came from an .eml, so that the
 * registry (formats/index.ts) can name the report format.
 */
export function parseBounceText(input: string, head?: MessageHead): ParsedBounce {
  const notes: string[] = [];
  let text = input.length > MAX_INPUT_BYTES ? input.slice(0, MAX_INPUT_BYTES) : input;
  if (text.length < input.length) notes.push(`Text is ${input.length} characters; only the first ${MAX_INPUT_BYTES} were read.`);
  text = text.replace(/\r\n?/g, '\n').replaceAll('\u0000', '');

  const sesFragments = parseSesNotification(text);
  if (sesFragments.length > 0) return capFragments({ fragments: sesFragments, summary: '', notes, format: 'amazonses' });

  // Postfix folds `host X said:` and its reply over lines; join them so the reply is read whole.
  text = text.replace(/(said:(?: [245]\d\d)?)\n[ \t]+/g, '$1 ');
  const marker = ORIGINAL_MESSAGE_MARKER.exec(text);
  const humanPart = marker ? text.slice(0, marker.index) : text;
  const module = identifyFormat(head ?? { from: '', subject: '', headers: '', body: humanPart });
  const dsn = parseDeliveryStatus(text);
  const feedback = parseFeedbackReport(text);
  const transcript = scanReplies(humanPart);
  const blocks = module?.blocks ? readBlocks(humanPart, module.blocks).map(blockFragment) : [];
  const summary = summarize(humanPart);

  let fragments: ReplyFragment[] = [...feedback];
  if (dsn.fragments.length > 0) {
    fragments.push(...dsn.fragments.map((fragment) => enrichFromTranscript(enrichFromBlocks(fragment, blocks), transcript, summary)));
    const covered = new Set(dsn.fragments.map((f) => f.recipient?.toLowerCase()).filter((r) => r !== undefined));
    // Transcript replies for recipients the report does not list (rare: partial reports).
    for (const reply of transcript) {
      if (reply.recipient && !covered.has(reply.recipient.toLowerCase())) fragments.push(reply);
    }
  } else if (blocks.length > 0) {
    // The format's own recipient blocks; a transcript reply for the same recipient adds its codes.
    const replies = mergeSameRecipient(transcript);
    for (const block of blocks) {
      const reply = replies.find((r) => r.recipient?.toLowerCase() === block.recipient?.toLowerCase()) ?? (blocks.length === 1 && replies.length === 1 ? replies[0] : undefined);
      if (block.replyCode === undefined && reply) {
        fragments.push({ ...reply, recipient: block.recipient ?? reply.recipient, text: `${reply.text} ${block.text}`.slice(0, MAX_REPLY_CHARS) });
      } else {
        const remoteHost = block.remoteHost ?? reply?.remoteHost;
        fragments.push({ ...block, ...(remoteHost ? { remoteHost } : {}), ...(reply?.command && !block.command ? { command: reply.command } : {}) });
      }
    }
  } else if (transcript.length > 0) {
    fragments.push(...mergeSameRecipient(transcript));
  }
  if (fragments.length === 0 && summary !== '') {
    // No reply line and no report: the human-readable text is the reply (Exchange 2003, Google Groups, delay notices).
    const recipients = uniqueAddresses(humanPart.slice(0, 4000));
    fragments = [{ text: summary, origin: 'summary', ...codesOf(summary), ...(recipients.length === 1 && recipients[0] ? { recipient: recipients[0] } : {}) }];
  }
  if (dsn.reportingHost) for (const fragment of fragments) fragment.reportingHost ??= dsn.reportingHost;
  // The command is often only in the human-readable part, near the recipient's address.
  const flat = fragments.some((fragment) => !fragment.command) ? humanPart.replace(/\s+/g, ' ').slice(0, 200_000) : '';
  for (const fragment of fragments) {
    if (module) fragment.format = module.id;
    if (fragment.origin === 'feedback-report') continue;
    applyNotices(fragment, module, fragments.length === 1 ? flat : '');
    if (fragment.command) continue;
    const command = commandNear(flat, fragment.recipient, fragments.length === 1, module?.commands) ?? quotesRecipient(fragment);
    if (command) fragment.command = command;
  }
  return capFragments({ fragments, summary, notes, ...(module ? { format: module.id } : {}), ...(dsn.reportingHost ? { reportingHost: dsn.reportingHost } : {}) });
}

/** A format's documented notice wordings: the reason, command or action they state. */
function applyNotices(fragment: ReplyFragment, module: FormatModule | undefined, wholeNotice: string): void {
  // The notice's wording around a remote server's coded reply must not override that reply's reason.
  const ownWords = fragment.replyCode === undefined && fragment.status === undefined;
  for (const notice of module?.notices ?? []) {
    const inReply = notice.text.test(fragment.text);
    if (!inReply && !(wholeNotice !== '' && notice.text.test(wholeNotice))) continue;
    if (notice.reason && !fragment.formatReason && (inReply || ownWords || notice.anywhere === true)) fragment.formatReason = notice.reason;
    if (notice.command && !fragment.command) fragment.command = notice.command;
    if (notice.action && (!fragment.action || fragment.action === 'failed')) fragment.action = notice.action;
  }
}

function blockFragment(block: RecipientBlock): ReplyFragment {
  const text = cleanReply(block.text);
  const codes = codesOf(text);
  const command = commandOf(text);
  const remoteHost = hostIn(block.text);
  return {
    text,
    origin: 'transcript',
    recipient: block.recipient,
    ...(remoteHost ? { remoteHost } : {}),
    ...(codes.replyCode ? { replyCode: codes.replyCode } : {}),
    ...(codes.status ? { status: codes.status } : {}),
    ...(command ? { command } : {}),
  };
}

/** A DSN entry without a usable diagnostic takes the reason its format's notice gives for that recipient. */
function enrichFromBlocks(fragment: ReplyFragment, blocks: ReplyFragment[]): ReplyFragment {
  if (blocks.length === 0) return fragment;
  const block = blocks.find((b) => b.recipient?.toLowerCase() === fragment.recipient?.toLowerCase()) ?? (blocks.length === 1 ? blocks[0] : undefined);
  if (!block || block.text === '' || fragment.text.includes(block.text)) return fragment;
  const hasCode = fragment.replyCode !== undefined || /\d\.\d{1,3}\.\d/.test(fragment.text);
  if (hasCode && fragment.text.length > 12) return { ...fragment, ...(block.command && !fragment.command ? { command: block.command } : {}) };
  return {
    ...fragment,
    text: `${fragment.text} ${block.text}`.trim().slice(0, MAX_REPLY_CHARS),
    ...(block.replyCode && !fragment.replyCode ? { replyCode: block.replyCode } : {}),
    ...(block.status ? { status: preferStatus(block.status, fragment.status) ?? block.status } : {}),
    ...(block.command && !fragment.command ? { command: block.command } : {}),
  };
}

function capFragments(parsed: ParsedBounce): ParsedBounce {
  if (parsed.fragments.length <= MAX_FRAGMENTS) return parsed;
  const rest = parsed.fragments.length - MAX_FRAGMENTS;
  return { ...parsed, fragments: parsed.fragments.slice(0, MAX_FRAGMENTS), notes: [...parsed.notes, `${rest} more replies were found and not interpreted (limit ${MAX_FRAGMENTS}).`] };
}

/** Extracts the reply code and enhanced status from one reply's text. */
export function codesOf(text: string): { replyCode?: string; status?: string } {
  const head = text.slice(0, MAX_REPLY_CHARS);
  const both = CODE_AND_STATUS.exec(head);
  if (both?.[1] && both[2]) return { replyCode: both[1], status: both[2] };
  const lead = LEAD_IN_CODE.exec(head);
  const bare = BARE_STATUS.exec(head);
  return { ...(lead?.[1] ? { replyCode: lead[1] } : {}), ...(bare?.[1] ? { status: bare[1] } : {}) };
}

// ---------------------------------------------------------------------------------------
// message/delivery-status (RFC 3464)

interface DsnResult {
  fragments: ReplyFragment[];
  reportingHost?: string;
}

function parseDeliveryStatus(text: string): DsnResult {
  const lines = unfoldFieldLines(text);
  const fragments: ReplyFragment[] = [];
  let reportingHost: string | undefined;
  let current: Record<string, string> = {};
  let fieldCount = 0;
  const flush = (): void => {
    if (current['final-recipient'] || current['original-recipient'] || current['diagnostic-code'] || current.status) {
      fragments.push(dsnFragment(current));
    }
    current = {};
  };
  for (const line of lines) {
    if (line.trim() === '') {
      if (Object.keys(current).length > 0) flush();
      continue;
    }
    const field = DSN_FIELD.exec(line);
    if (!field?.[1]) continue;
    fieldCount++;
    if (fieldCount > 20 * MAX_FRAGMENTS) break;
    const name = field[1].toLowerCase();
    const value = (field[2] ?? '').trim().slice(0, MAX_REPLY_CHARS * 2);
    if (name === 'reporting-mta') {
      reportingHost ??= stripType(value);
      continue;
    }
    // A repeated per-recipient field starts the next recipient even without a blank line.
    if (name in current && (name === 'final-recipient' || name === 'status' || name === 'diagnostic-code')) flush();
    current[name] = value;
  }
  flush();
  return { fragments, ...(reportingHost ? { reportingHost } : {}) };
}

function dsnFragment(fields: Record<string, string>): ReplyFragment {
  const diagnostic = stripType(fields['diagnostic-code'] ?? '');
  const { reply, prefixStatus } = stripGeneratorPrefix(diagnostic);
  const text = cleanReply(reply);
  const fromText = codesOf(text);
  const statusField = prefixStatus ?? /^([245]\.\d{1,3}\.\d{1,3})/.exec(fields.status ?? '')?.[1];
  const command = commandOf(text);
  const recipient = EMAIL.exec(fields['final-recipient'] ?? fields['original-recipient'] ?? fields['x-actual-recipient'] ?? '')?.[0];
  const remote = fields['remote-mta'] ? hostOf(stripType(fields['remote-mta'])) : undefined;
  const status = preferStatus(fromText.status, statusField);
  const diagnosticType = /^\s{0,4}([A-Za-z][A-Za-z0-9-]{0,20})\s{0,4};/.exec(fields['diagnostic-code'] ?? '')?.[1]?.toUpperCase();
  return {
    text,
    origin: 'delivery-status',
    ...(diagnosticType ? { diagnosticType } : {}),
    ...(command ? { command } : {}),
    ...(fromText.replyCode ? { replyCode: fromText.replyCode } : {}),
    ...(status ? { status } : {}),
    ...(recipient ? { recipient } : {}),
    ...(fields.action ? { action: fields.action.toLowerCase().split(/\s/)[0] ?? '' } : {}),
    ...(remote ? { remoteHost: remote } : {}),
  };
}

/** The reply's own enhanced code unless it is vaguer (X.0.0) than the report's Status field. */
function preferStatus(fromText: string | undefined, field: string | undefined): string | undefined {
  if (!fromText) return field;
  if (!field) return fromText;
  if (/^[45]\.0\.0$/.test(fromText) && !/^[45]\.0\.0$/.test(field)) return field;
  return fromText;
}

/** When the report's Diagnostic-Code is empty or has no code, take the body's reply for that recipient. */
function enrichFromTranscript(fragment: ReplyFragment, transcript: ReplyFragment[], summary: string): ReplyFragment {
  const hasCode = fragment.replyCode !== undefined || /\d\.\d{1,3}\.\d/.test(fragment.text);
  const match =
    transcript.find((reply) => reply.recipient && fragment.recipient && reply.recipient.toLowerCase() === fragment.recipient.toLowerCase()) ??
    (transcript.length === 1 ? transcript[0] : undefined);
  if (fragment.text.length > 12 && hasCode) {
    // The report's own text is the reply; the body may still say at which SMTP stage it came.
    return match?.command && !fragment.command ? { ...fragment, command: match.command } : fragment;
  }
  if (match) {
    const codes = codesOf(match.text);
    return {
      ...fragment,
      text: fragment.text.length > 12 ? `${fragment.text} ${match.text}`.slice(0, MAX_REPLY_CHARS) : match.text,
      ...(codes.replyCode ? { replyCode: codes.replyCode } : {}),
      ...(codes.status ? { status: codes.status } : {}),
      ...(match.remoteHost && !fragment.remoteHost ? { remoteHost: match.remoteHost } : {}),
      ...(match.command && !fragment.command ? { command: match.command } : {}),
    };
  }
  if (fragment.text.length > 12) return fragment;
  // Only the human-readable notice is left (for example a delay warning with Status 4.4.7).
  return { ...fragment, text: `${fragment.text} ${summary}`.trim().slice(0, MAX_REPLY_CHARS) };
}

// ---------------------------------------------------------------------------------------
// Replies in human-readable text (Postfix, Sendmail, Exim, qmail, Exchange, Gmail, ...)

/** Finds SMTP reply lines with their continuations, the recipient they belong to and the remote host. */
export function scanReplies(text: string): ReplyFragment[] {
  const lines = text.split('\n');
  const found: ReplyFragment[] = [];
  let lastRecipient: string | undefined;
  let lastHost: string | undefined;
  for (let index = 0; index < lines.length && found.length < MAX_FRAGMENTS * 2; index++) {
    const line = (lines[index] ?? '').slice(0, 4000);
    const recipientLead = /^\s{0,6}<?([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253})>?(?::|\.\.\.|\s+on\s)/.exec(line);
    if (recipientLead?.[1]) lastRecipient = recipientLead[1];
    else if (/^\s{2,12}[^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}\s*$/.test(line)) lastRecipient = line.trim();
    else {
      const deliverTo = /(?:delivering your mail to|deliver(?:y to|ed to)|to the following recipient[^:]{0,10}:?|message for)\s{0,3}<?([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?/i.exec(line);
      if (deliverTo?.[1]) lastRecipient = deliverTo[1];
    }
    const host = hostIn(line);
    if (host) lastHost = host;
    if (HEADER_LINE.test(line) && !/^(?:Diagnostic-Code|Remote host said|Reported error|Status code)/i.test(line) && !/said:|returned/i.test(line)) continue;
    const codes = codesOf(line);
    if (!codes.replyCode) continue;
    if (!CODE_AND_STATUS.test(line) && !LEAD_IN_CODE.test(line)) continue;
    // Collect the reply from its code to the end of its continuation lines.
    const start = line.search(new RegExp(String.raw`(?<!\d)${codes.replyCode}(?=[ -])`));
    let reply = line.slice(Math.max(0, start));
    let next = index + 1;
    while (next < lines.length && next <= index + 12 && reply.length < MAX_REPLY_CHARS) {
      const following = lines[next] ?? '';
      const continues =
        /^\s{2,}\S/.test(following) && !/^\s{0,12}<?[^\s<>@]{1,64}@[^\s<>]{1,253}>?:/.test(following) ||
        new RegExp(String.raw`^\s{0,4}(?:<<<\s?)?${codes.replyCode}[ -]`).test(following) && reply.includes(`${codes.replyCode}-`);
      if (!continues) break;
      reply += ` ${following.trim()}`;
      next++;
    }
    index = next - 1;
    const cleaned = cleanReply(reply);
    const command = commandOf(`${lines.slice(Math.max(0, index - 3), index + 1).join(' ')} ${reply}`);
    const inlineRecipient = /<([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253})>/.exec(cleaned)?.[1];
    const recipient = lastRecipient ?? inlineRecipient;
    const replyCodes = codesOf(cleaned);
    found.push({
      text: cleaned,
      origin: 'transcript',
      ...(command ? { command } : {}),
      ...(replyCodes.replyCode ? { replyCode: replyCodes.replyCode } : {}),
      ...(replyCodes.status ? { status: replyCodes.status } : {}),
      ...(recipient ? { recipient } : {}),
      ...(lastHost ? { remoteHost: lastHost } : {}),
    });
  }
  return found;
}

/** Sendmail prints both the remote reply and its own summary: keep the first reply per recipient. */
function mergeSameRecipient(replies: ReplyFragment[]): ReplyFragment[] {
  const seen = new Set<string>();
  const kept: ReplyFragment[] = [];
  for (const reply of replies) {
    const key = reply.recipient?.toLowerCase() ?? `#${kept.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(reply);
  }
  return kept;
}

/** The remote host named on a line: `host mx.example.com[192.0.2.1]`, `Server at X returned`, Gmail's `by mx.example.jp.`. */
function hostIn(line: string): string | undefined {
  const match =
    /\bhost\s{1,3}([A-Za-z0-9][A-Za-z0-9.-]{1,250}[A-Za-z])\.?\s{0,2}\[/i.exec(line) ??
    /\bServer at\s([A-Za-z0-9][A-Za-z0-9.-]{1,250}[A-Za-z])\s/i.exec(line) ??
    /while talking to\s([A-Za-z0-9][A-Za-z0-9.-]{1,250}[A-Za-z])\.?:/i.exec(line) ??
    /^([A-Za-z0-9][A-Za-z0-9.-]{1,250}\.[A-Za-z]{2,24})\s\[[0-9a-f.:]{3,45}\]\s(?:did not like|said)/i.exec(line) ??
    /for the recipient domain [^\s]{1,253} by ([A-Za-z0-9][A-Za-z0-9.-]{1,250}[A-Za-z])\./i.exec(line);
  return match?.[1]?.toLowerCase();
}

// ---------------------------------------------------------------------------------------
// SES notifications (SNS JSON) and ARF feedback reports

interface SesRecipient {
  emailAddress?: unknown;
  diagnosticCode?: unknown;
  status?: unknown;
  action?: unknown;
}

/** Reads an SES Bounce/Complaint/Delivery notification (JSON, as SNS or email delivers it). */
function parseSesNotification(text: string): ReplyFragment[] {
  const start = text.search(/\{\s{0,20}"(?:notificationType|eventType)"\s{0,5}:/);
  if (start < 0) return [];
  const end = text.lastIndexOf('}');
  if (end <= start) return [];
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1));
  } catch {
    // SNS e-mail notifications are often wrapped or cut; read the few fields we need directly.
    data = salvageSesNotification(text.slice(start, start + 64 * 1024));
  }
  if (typeof data !== 'object' || data === null) return [];
  const record = data as Record<string, unknown>;
  const type = String(record.notificationType ?? record.eventType ?? '');
  const fragments: ReplyFragment[] = [];
  const recipientsOf = (value: unknown): SesRecipient[] => (Array.isArray(value) ? (value as SesRecipient[]).slice(0, MAX_FRAGMENTS) : []);
  if (type === 'Bounce') {
    const bounce = (record.bounce ?? {}) as Record<string, unknown>;
    const subType = String(bounce.bounceSubType ?? '');
    const suppressed = subType === 'Suppressed' || subType === 'OnAccountSuppressionList';
    for (const recipient of recipientsOf(bounce.bouncedRecipients)) {
      const diagnostic = typeof recipient.diagnosticCode === 'string' ? stripType(recipient.diagnosticCode) : '';
      const reply = suppressed
        ? `Amazon SES has suppressed sending to this address (bounce subtype ${subType}). ${diagnostic}`.trim()
        : diagnostic || `SES bounce: ${String(bounce.bounceType ?? '')} ${subType}`;
      const codes = codesOf(reply);
      const status = codes.status ?? (typeof recipient.status === 'string' ? recipient.status : undefined);
      fragments.push({
        text: cleanReply(reply),
        origin: 'ses-notification',
        ...(suppressed ? { formatReason: 'suppressed' as const } : {}),
        ...(typeof recipient.emailAddress === 'string' ? { recipient: recipient.emailAddress } : {}),
        ...(codes.replyCode ? { replyCode: codes.replyCode } : {}),
        ...(status ? { status } : {}),
        ...(typeof bounce.reportingMTA === 'string' ? { reportingHost: stripType(bounce.reportingMTA) } : {}),
      });
    }
  } else if (type === 'Complaint') {
    const complaint = (record.complaint ?? {}) as Record<string, unknown>;
    const feedbackType = String(complaint.complaintFeedbackType ?? 'unspecified');
    for (const recipient of recipientsOf(complaint.complainedRecipients)) {
      fragments.push({
        text: `Complaint: the recipient reported the message as spam (feedback type ${feedbackType}).`,
        origin: 'ses-notification',
        formatReason: 'feedback',
        ...(typeof recipient.emailAddress === 'string' ? { recipient: recipient.emailAddress } : {}),
      });
    }
  } else if (type === 'Delivery') {
    const delivery = (record.delivery ?? {}) as Record<string, unknown>;
    const recipients = Array.isArray(delivery.recipients) ? delivery.recipients.slice(0, MAX_FRAGMENTS) : [];
    for (const recipient of recipients) {
      fragments.push({
        text: `Delivered: ${typeof delivery.smtpResponse === 'string' ? delivery.smtpResponse : 'accepted by the receiving server'}`,
        origin: 'ses-notification',
        formatReason: 'delivered',
        ...(typeof recipient === 'string' ? { recipient } : {}),
      });
    }
  }
  return fragments;
}

/** Best-effort read of a damaged SES notification: type, subtype, and each recipient's fields. */
function salvageSesNotification(text: string): Record<string, unknown> | undefined {
  const type = /"notificationType"\s{0,5}:\s{0,5}"(Bounce|Complaint|Delivery)"/.exec(text)?.[1];
  if (!type) return undefined;
  const field = (name: string): string | undefined => new RegExp(`"${name}"\\s{0,5}:\\s{0,5}"([^"\\n]{0,1000})"`).exec(text)?.[1];
  const addresses = [...text.matchAll(/"emailAddress"\s{0,5}:\s{0,5}"([^"\n]{1,254})"/g)].map((match) => ({ emailAddress: match[1] }));
  if (type === 'Complaint') {
    return { notificationType: type, complaint: { complaintFeedbackType: field('complaintFeedbackType'), complainedRecipients: addresses } };
  }
  if (type === 'Bounce') {
    const diagnosticCode = field('diagnosticCode');
    return {
      notificationType: type,
      bounce: {
        bounceType: field('bounceType'),
        bounceSubType: field('bounceSubType'),
        bouncedRecipients: addresses.map((recipient) => ({ ...recipient, ...(diagnosticCode ? { diagnosticCode } : {}) })),
      },
    };
  }
  return { notificationType: type, delivery: { recipients: [], smtpResponse: field('smtpResponse') } };
}

function parseFeedbackReport(text: string): ReplyFragment[] {
  const type = /^Feedback-Type:\s{0,4}([A-Za-z-]{1,40})/im.exec(text)?.[1];
  if (!type) return [];
  const recipient = /^Original-Rcpt-To:\s{0,4}<?([^\s<>]{1,254})>?/im.exec(text)?.[1];
  return [{ text: `Complaint: a feedback report (type ${type}) about the message.`, origin: 'feedback-report', formatReason: 'feedback', ...(recipient ? { recipient } : {}) }];
}

// ---------------------------------------------------------------------------------------
// helpers

/** Joins header-style continuation lines (`Diagnostic-Code:` folded over several lines). */
function unfoldFieldLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const previous = out.length - 1;
    if (/^[ \t]+\S/.test(line) && previous >= 0 && DSN_FIELD.test(out[previous] ?? '') && (out[previous] ?? '').length < MAX_REPLY_CHARS * 2) {
      out[previous] = `${out[previous]} ${line.trim()}`;
    } else {
      out.push(line);
    }
  }
  return out;
}

/**
 * Some reporters (Amazon SES among them) put their own RFC 3463 label before the remote reply:
 * `5.1.0 - Unknown address error 550-'5.7.1 ... Access denied'`. The label is generic; the
 * remote reply after it is what the receiver said, so it is the reply we interpret.
 */
function stripGeneratorPrefix(diagnostic: string): { reply: string; prefixStatus?: string } {
  const prefix = /^([245]\.\d{1,3}\.\d{1,3}) - [A-Za-z][A-Za-z ,'/-]{2,60}? (?=[245]\d\d[ -])/.exec(diagnostic);
  if (!prefix?.[1]) return { reply: diagnostic };
  return { reply: diagnostic.slice(prefix[0].length), prefixStatus: prefix[1] };
}

const COMMAND_PATTERNS: ReadonlyArray<readonly [SmtpCommand, RegExp]> = [
  ['DATA', /in reply to end of DATA|after end of data|did not like our (?:final )?DATA|\[DATA\]|after DATA|in reply to DATA|>>> DATA|after sending (?:the )?(?:message|data)|after the message was sent/i],
  ['RCPT', /in reply to RCPT TO|after RCPT TO|did not like our RCPT TO|\[RCPT_TO\]|>>> RCPT TO|RCPT TO:?\s?<[^>\s]{0,254}>\s{0,4}(?:<<<|:|\.{3})/i],
  ['MAIL', /in reply to MAIL FROM|after MAIL FROM|did not like our MAIL FROM|\[MAIL_FROM\]|>>> MAIL FROM|sender was rejected/i],
  ['EHLO', /in reply to EHLO|after EHLO|>>> EHLO/i],
  ['HELO', /in reply to HELO|after HELO|>>> HELO|my name was rejected|performing the (?:HELO|EHLO) handshake/i],
  ['CONN', /while connecting to|(?:upon|after) (?:initial )?connection|refused to talk to me|in the (?:server )?greeting|after connecting|on connect/i],
];

/**
 * A reply that opens with the recipient's own address (`550 <a@b>: ...`, `550 5.1.1 <a@b>... ...`)
 * answers RCPT TO: RFC 5321 servers name the address they refuse in the RCPT reply, while one
 * DATA reply covers every recipient and names none.
 */
function quotesRecipient(fragment: ReplyFragment): SmtpCommand | undefined {
  const quoted = /^[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?<([^<>\s]{1,254})>(?::|\.{3})/.exec(fragment.text)?.[1];
  return quoted !== undefined && fragment.recipient !== undefined && quoted.toLowerCase() === fragment.recipient.toLowerCase() ? 'RCPT' : undefined;
}

/**
 * The command named near a recipient's address in the notice (Sendmail's `>>> RCPT To:<a>`,
 * Postfix's `<a>: host ... (in reply to RCPT TO command)`), or anywhere when it has one recipient.
 */
function commandNear(flat: string, recipient: string | undefined, single: boolean, extra: FormatModule['commands']): SmtpCommand | undefined {
  if (flat === '') return undefined;
  const commandOf = (text: string): SmtpCommand | undefined => genericCommandOf(text) ?? extra?.find(([, pattern]) => pattern.test(text))?.[0];
  if (recipient) {
    const lower = flat.toLowerCase();
    const needle = recipient.toLowerCase();
    let from = 0;
    for (let count = 0; count < 20; count++) {
      const index = lower.indexOf(needle, from);
      if (index < 0) break;
      const command = commandOf(flat.slice(Math.max(0, index - 120), index + needle.length + 700));
      if (command) return command;
      from = index + needle.length;
    }
  }
  return single ? commandOf(flat.slice(0, 12_000)) : undefined;
}

/** The SMTP stage a reply answered, from Postfix/Exim/qmail/Yahoo wording. */
export function commandOf(text: string): SmtpCommand | undefined {
  return genericCommandOf(text);
}

function genericCommandOf(text: string): SmtpCommand | undefined {
  const sample = text.slice(0, 12_000);
  return COMMAND_PATTERNS.find(([, pattern]) => pattern.test(sample))?.[0];
}

/** Removes `smtp;` / `dns;` type prefixes. */
function stripType(value: string): string {
  return value.replace(/^\s{0,4}(?:smtp|dns|rfc822|x-unix|x-postfix|x-local-hostname)\s{0,4};\s{0,4}/i, '').trim();
}

function hostOf(value: string): string | undefined {
  const host = /^\[?([A-Za-z0-9.:-]{1,253})/.exec(value)?.[1]?.replace(/\.$/, '').toLowerCase();
  return host && host !== '' ? host : undefined;
}

/** Unfolds, drops repeated multi-line prefixes (`550-5.7.26 `) and caps the length. */
function cleanReply(reply: string): string {
  let text = reply.replace(/\s{1,}/g, ' ').trim();
  // Google-style wrapped replies repeat `550-5.7.26` inside the text; keep the first.
  const first = CODE_AND_STATUS.exec(text);
  if (first?.[1] && first[2]) {
    const repeated = new RegExp(String.raw`\s${first[1]}[ -]${first[2].replace(/\./g, '\\.')}\s`, 'g');
    text = text.slice(0, first.index + first[0].length) + text.slice(first.index + first[0].length).replace(repeated, ' ');
  }
  return text.replace(/^['"]|['"]$/g, '').slice(0, MAX_REPLY_CHARS);
}

/** The human-readable notice: first lines of the body, without boilerplate headers and blank runs. */
function summarize(text: string): string {
  const lines = text
    .slice(0, 8000)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !DSN_FIELD.test(line) && !/^Content-|^--/.test(line));
  return lines.join(' ').replace(/\s{2,}/g, ' ').slice(0, MAX_REPLY_CHARS);
}

function uniqueAddresses(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(EMAIL_GLOBAL)) {
    seen.add(match[0].toLowerCase());
    if (seen.size > MAX_FRAGMENTS) break;
  }
  return [...seen];
}

function stripHtml(html: string): string {
  return html
    .slice(0, MAX_INPUT_BYTES)
    .replace(/<(?:br|p|div|li|tr)[^>]{0,200}>/gi, '\n')
    .replace(/<[^>]{0,2000}>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** True when the text starts like an RFC 5322 message (a header block then a blank line). */
export function looksLikeMessage(text: string): boolean {
  const head = text.slice(0, 64 * 1024).replace(/\r\n/g, '\n');
  const end = head.indexOf('\n\n');
  if (end <= 0) return false;
  const headerLines = head.slice(0, end).split('\n');
  const first = headerLines[0] ?? '';
  if (!HEADER_LINE.test(first) && !/^From \S/.test(first)) return false;
  let fields = 0;
  for (const line of headerLines) {
    if (HEADER_LINE.test(line)) fields++;
    else if (!/^[ \t]/.test(line) && !/^From \S/.test(line)) return false;
  }
  return fields >= 2;
}

/** Several NUL bytes or many control characters in the first 8 KB: not text. */
function looksBinary(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 8192);
  if (sample.length === 0) return false;
  let control = 0;
  let nul = 0;
  for (const byte of sample) {
    if (byte === 0) nul++;
    if (byte < 9 || (byte > 13 && byte < 32)) control++;
  }
  // A stray NUL happens in real mail; binary data has many.
  return nul > 8 || control / sample.length > 0.1;
}
