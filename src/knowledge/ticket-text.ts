/**
 * Reads a support thread (several messages, in order) and extracts what a diagnosis needs:
 * the sending domain/address, recipients, SMTP usernames (AKIA...), SES regions, SES message
 * ids and every SMTP reply or NDR fragment (interpreted). Slack's formats are understood.
 *
 * Pure and bounded: nothing in the text is executed or followed as a link; the input, the
 * number of addresses and the replies are capped, and every cap that bites is named in `notes`.
 */
import { InputError } from '../core/errors.js';
import type { InterpretedReply } from '../core/replies.js';
import { isSesRegion } from '../core/regions.js';
import { emptyTarget, normalizeAddress, normalizeDomain, type Target } from '../core/target.js';
import { readReplies } from './ticket-replies.js';

/** Total characters read from a thread; the rest is reported. */
export const MAX_THREAD_CHARS = 1024 * 1024;
export const MAX_THREAD_MESSAGES = 500;
export const MAX_RECIPIENTS = 100;
const MAX_REPLIES = 100;

export interface SenderCandidate {
  domain: string;
  address?: string;
  /** Higher is more likely the sender. */
  score: number;
  /** Why it is a candidate, quoted from the thread. */
  reasons: string[];
}

export interface ThreadExtraction {
  /** False when nothing usable was found; `notes` then says so. */
  recognised: boolean;
  /** Present when a sending domain could be chosen. */
  target?: Target;
  /** Best first. */
  senderCandidates: SenderCandidate[];
  recipients: string[];
  smtpUsers: string[];
  regions: string[];
  messageIds: string[];
  replies: InterpretedReply[];
  /** Why the sender and recipients were chosen, and what was cut or ignored. */
  notes: string[];
}

const EMAIL = /[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}/g;
const ACCESS_KEY = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g;
const SMTP_ENDPOINT = /email-smtp(?:-fips)?\.([a-z]{2}(?:-gov)?-[a-z]{4,9}-\d)\.amazonaws\.com/gi;
const REGION_NAME = /\b([a-z]{2}(?:-gov)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d)\b/g;
const SES_MESSAGE_ID = /\b[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0{6}\b/g;

/** Addresses that belong to mail infrastructure, never the customer's sender or recipient. */
const INFRASTRUCTURE_LOCAL = /^(?:mailer-daemon|postmaster|bounce[s]?|abuse)$/i;
const INFRASTRUCTURE_DOMAIN = /(?:^|\.)(?:amazonses\.com|amazonaws\.com|googlemail\.com|slack\.com|protection\.outlook\.com)$/i;

/** Words before an address that make it the sender (checked on the text just before the address). */
const SENDER_CUES: ReadonlyArray<readonly [RegExp, string, number]> = [
  [/send mail as[^\n]{0,40}$/i, 'Gmail "Send mail as" names it', 4],
  [/\b(?:sent|sending|send|emails?|mails?) (?:as|from)\s{0,3}$/i, 'the thread says mail is sent as/from it', 3],
  [/(?:^|\n)\s{0,4}(?:From|Sender|Return-Path|MAIL FROM|envelope-from)\s{0,2}:?\s{0,3}(?:[^\n<]{0,60}<)?$/i, 'a From/MAIL FROM line names it', 2],
  [/\b(?:our|the) (?:sender|sending address|address)\s{0,3}(?:is|:)?\s{0,3}$/i, 'the thread calls it the sender', 3],
  [/\bsend(?:er|ing)(?: address)?\s{0,3}(?:is|:|=)\s{0,3}$/i, 'the thread calls it the sender', 3],
  // Relay logs (Postfix qmgr, sendmail) and code that sets the From address.
  [/\bfrom=<$/i, 'a relay log line names it as the envelope sender (from=<...>)', 3],
  [/\b(?:setFrom\(|from:\s{0,3}|[A-Z_]{0,30}FROM(?:_EMAIL|_ADDRESS|_ADDR)?\s{0,3}=\s{0,3}|"?(?:From|Source|FromEmailAddress)"?\s{0,2}:\s{0,3})['"]?$/, 'the sending code sets it as the From address', 3],
];
/** Words before an address that make it a recipient. */
const RECIPIENT_CUES: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?:^|\n)\s{0,4}(?:To|Cc|Final-Recipient|Original-Recipient|RCPT TO)\s{0,2}:?\s{0,3}(?:rfc822;\s{0,2})?(?:[^\n<]{0,60}<)?$/i, 'a To/Final-Recipient line names it'],
  [/\b(?:to|recipient|recipients|delivered to|deliver to|reach|for|customer)\s{0,3}:?\s{0,3}<?$/i, 'the thread says mail goes to it'],
  [/\b(?:never arrived at|arrived? at|not received by|bounced? (?:from|at)|rejected for|reaching|reach|delivered to)\s{0,3}<?$/i, 'the thread says it did not receive the mail'],
  [/\bto=<$/i, 'a relay log line names it as the recipient (to=<...>)'],
  [/\b(?:to|addAddress\()\s{0,3}:?\s{0,3}['"]?$/, 'the sending code addresses it'],
  // "sent ... to their clients, e.g. bob@..." and "to customers such as bob@...".
  [/\bto\b[^.\n@]{0,40}(?:e\.g\.|such as|like|including|for example)[,:]?\s{0,3}$/i, 'the thread says mail goes to it'],
];

/** Between two addresses of one list ("bob@x and carol@y", "a@x, b@y"): the second takes the first's role. */
const LIST_SEPARATOR = /^[\s>]{0,3}(?:,|;|\/|and|or|&)\s{0,3}<?$|^>?\s{0,2}(?:,|;)?\s{0,3}(?:and|or)\s{1,3}<?$/i;

/** Turns Slack's message markup into plain text; never follows the links. */
export function normalizeSlackText(text: string): string {
  return (
    text
      // <mailto:a@b|label> and <http://host/path|label>: keep the target, not the label.
      .replace(/<mailto:([^|>\s]{1,320})(?:\|[^>]{0,320})?>/gi, '$1')
      .replace(/<(https?:\/\/[^|>\s]{1,2000})(?:\|[^>]{0,500})?>/gi, '$1')
      // User, channel and special mentions carry no mail facts.
      .replace(/<[@#!][^>]{0,200}>/g, ' ')
      .replace(/```/g, '\n')
      // Quote markers, nested ones too (`> > 550 ...`).
      .replace(/^(?:[ \t]{0,3}(?:&gt;|>)[ \t]?){1,10}/gm, '')
      // Bold markup around words (`*From:*`); addresses never contain spaces or stars here.
      .replace(/\*([^*\n@]{1,80})\*/g, '$1')
      .replace(/`/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
  );
}

/** Extracts a diagnosis target and the interpreted replies from the messages of a thread. */
export function extractFromThread(messages: readonly string[]): ThreadExtraction {
  const notes: string[] = [];
  const texts = boundMessages(messages, notes);

  const smtpUsers: string[] = [];
  const regions: string[] = [];
  const endpointRegions: string[] = [];
  const messageIds: string[] = [];
  const replies: InterpretedReply[] = [];
  const senders = new Map<string, SenderCandidate>();
  const recipientReasons = new Map<string, string>();
  const mentioned = new Map<string, number>();
  let recipientOverflow = 0;

  for (const raw of texts) {
    const text = normalizeSlackText(raw);
    for (const match of text.matchAll(ACCESS_KEY)) {
      if (match[1] === 'ASIA') notes.push(`${match[0]} is a temporary (STS) key id: SES SMTP credentials need a long-term IAM user key (AKIA...).`);
      else pushUnique(smtpUsers, match[0]);
    }
    for (const match of text.matchAll(SMTP_ENDPOINT)) {
      const region = (match[1] ?? '').toLowerCase();
      if (isSesRegion(region)) {
        pushUnique(regions, region);
        pushUnique(endpointRegions, region);
      }
    }
    for (const match of text.matchAll(REGION_NAME)) if (match[1] && isSesRegion(match[1])) pushUnique(regions, match[1]);
    for (const match of text.matchAll(SES_MESSAGE_ID)) pushUnique(messageIds, match[0]);

    if (replies.length < MAX_REPLIES) {
      for (const reply of readReplies(text)) {
        if (replies.some((seen) => seen.raw === reply.raw && seen.recipient === reply.recipient)) continue;
        if (replies.length >= MAX_REPLIES) break;
        replies.push(reply);
      }
    }

    // The previous address of the current line and the role the text gave it, for lists.
    let previous: { end: number; role: 'sender' | 'recipient' | undefined; why: string } | undefined;
    for (const match of text.matchAll(EMAIL)) {
      const at = match.index ?? 0;
      const address = validAddress(match[0]);
      if (!address || isInfrastructure(address)) continue;
      mentioned.set(address, (mentioned.get(address) ?? 0) + 1);
      const before = text.slice(Math.max(0, at - 80), at);
      let role: 'sender' | 'recipient' | undefined;
      let why = '';
      if (bounceNoticeRecipientLine(text, at)) {
        // A bounce notice goes back to the sender of the failed message: its To: is that sender.
        addSender(senders, address, 3, `a bounce notice (From: a mailer daemon) is addressed to it, and bounces go back to the sender: ${address}`);
        role = 'sender';
        why = 'a bounce notice is addressed to it';
      } else {
        for (const [cue, reason, weight] of SENDER_CUES) {
          if (cue.test(before)) {
            addSender(senders, address, weight, `${reason}: ${address}`);
            role = 'sender';
            why = reason;
          }
        }
        const cue = RECIPIENT_CUES.find(([pattern]) => pattern.test(before));
        if (cue && role === undefined) {
          role = 'recipient';
          why = cue[1];
        }
        // "bob@x and carol@y": the second address of a list takes the first's role.
        const between = previous ? text.slice(previous.end, at) : undefined;
        if (role === undefined && previous?.role && between !== undefined && LIST_SEPARATOR.test(between)) {
          role = previous.role;
          why = `${previous.why} (listed with the address before it)`;
          if (role === 'sender') addSender(senders, address, 1, `${why}: ${address}`);
        }
      }
      if (role === 'recipient' && !recipientReasons.has(address)) {
        if (recipientReasons.size < MAX_RECIPIENTS) recipientReasons.set(address, `${why}: ${address}`);
        else recipientOverflow++;
      }
      const lineBreak = text.indexOf('\n', at);
      previous = { end: at + match[0].length, role, why };
      if (lineBreak >= 0 && lineBreak < at + match[0].length + 1) previous = undefined;
    }
  }

  // A bounced reply names its recipient: the strongest recipient evidence there is.
  for (const reply of replies) {
    const address = reply.recipient ? validAddress(reply.recipient) : undefined;
    if (!address || isInfrastructure(address)) continue;
    if (recipientReasons.size < MAX_RECIPIENTS || recipientReasons.has(address)) {
      recipientReasons.set(address, `a pasted reply (${reply.status ?? reply.replyCode ?? 'no code'}, rule ${reply.ruleId}) is about ${address}`);
    } else recipientOverflow++;
  }
  // An address the reply text itself names ("<alice@x>: Recipient address rejected").
  for (const reply of replies) {
    if (reply.layer !== 'recipient' || reply.recipient) continue;
    for (const match of reply.raw.matchAll(EMAIL)) {
      const address = validAddress(match[0]);
      if (address && !isInfrastructure(address) && !recipientReasons.has(address) && recipientReasons.size < MAX_RECIPIENTS) {
        recipientReasons.set(address, `the reply "${reply.raw.slice(0, 80)}" names ${address}`);
      }
    }
  }

  // Senders are never also recipients: a sender cue outranks a recipient cue for the same address.
  const ranked = [...senders.values()].sort((a, b) => b.score - a.score);
  for (const candidate of ranked) if (candidate.address) recipientReasons.delete(candidate.address);
  if (ranked.length === 0) {
    // No cue: a single domain mentioned that is not a recipient is a weak sender candidate.
    const recipientDomains = new Set([...recipientReasons.keys()].map((address) => address.split('@')[1]));
    const others = [...mentioned.keys()].filter((address) => !recipientReasons.has(address) && !recipientDomains.has(address.split('@')[1]));
    const domains = [...new Set(others.map((address) => address.split('@')[1] ?? ''))];
    if (domains.length === 1 && domains[0]) {
      const address = others.length === 1 ? others[0] : undefined;
      ranked.push({ domain: domains[0], ...(address ? { address } : {}), score: 1, reasons: [`the only non-recipient domain in the thread: ${domains[0]}`] });
    }
  }
  if (recipientOverflow > 0) notes.push(`${recipientOverflow} more recipient addresses were found and left out (limit ${MAX_RECIPIENTS}).`);

  const recipients = [...recipientReasons.keys()];
  // A recipient-side reply pasted without its address is about the one recipient the thread names.
  const onlyRecipient = recipients.length === 1 ? recipients[0] : undefined;
  if (onlyRecipient) {
    for (const [index, reply] of replies.entries()) {
      if (reply.layer === 'recipient' && !reply.recipient) {
        replies[index] = { ...reply, recipient: onlyRecipient };
        notes.push(`The reply "${reply.raw.slice(0, 60)}" names no address; it is taken to be about ${onlyRecipient}, the only recipient in the thread.`);
      }
    }
  }
  const best = ranked[0];
  if (best) {
    notes.push(`Sender ${best.address ?? best.domain} chosen because ${best.reasons.join('; ')}.`);
    const runnerUp = ranked.find((candidate) => candidate.domain !== best.domain);
    if (runnerUp) notes.push(`Also possible as sender: ${runnerUp.address ?? runnerUp.domain} (${runnerUp.reasons.join('; ')}).`);
  } else if (mentioned.size > 0 || replies.length > 0) {
    notes.push('No sending domain could be told apart in the thread: give it explicitly (for example `/maildiag example.com`).');
  }
  for (const [, why] of recipientReasons) notes.push(`Recipient: ${why}.`);

  const recognised = ranked.length > 0 || recipients.length > 0 || replies.length > 0 || smtpUsers.length > 0 || messageIds.length > 0;
  if (!recognised) notes.push('Nothing recognised: no email address, SMTP reply, SMTP username, region or SES message id was found in the thread.');

  let target: Target | undefined;
  if (best) {
    target = {
      ...emptyTarget(best.domain),
      ...(best.address ? { senderAddress: best.address } : {}),
      recipients: [...recipients],
      regions: [...regions],
      smtpUsers: [...smtpUsers],
      ...(endpointRegions.length > 0 ? { relayEndpointRegions: [...endpointRegions] } : {}),
      messageIds: [...messageIds],
      replies: [...replies],
      notes: [...notes],
    };
  }
  return { recognised, ...(target ? { target } : {}), senderCandidates: ranked, recipients, smtpUsers, regions, messageIds, replies, notes };
}

function boundMessages(messages: readonly string[], notes: string[]): string[] {
  const texts: string[] = [];
  let budget = MAX_THREAD_CHARS;
  const list = messages.slice(0, MAX_THREAD_MESSAGES);
  if (messages.length > list.length) notes.push(`The thread has ${messages.length} messages; only the first ${MAX_THREAD_MESSAGES} were read.`);
  for (const message of list) {
    if (typeof message !== 'string' || budget <= 0) break;
    if (message.length > budget) {
      notes.push(`The thread is longer than ${MAX_THREAD_CHARS} characters; the rest was not read (truncated).`);
      texts.push(message.slice(0, budget));
      budget = 0;
      break;
    }
    texts.push(message);
    budget -= message.length;
  }
  return texts;
}

/** Per domain candidate: how strongly each of its addresses was named as the sender. */
const addressWeights = new WeakMap<SenderCandidate, Map<string, number>>();

function addSender(senders: Map<string, SenderCandidate>, address: string, weight: number, reason: string): void {
  const domain = address.split('@')[1] ?? '';
  let candidate = senders.get(domain);
  if (candidate) {
    candidate.score += weight;
    if (!candidate.reasons.includes(reason)) candidate.reasons.push(reason);
  } else {
    candidate = { domain, address, score: weight, reasons: [reason] };
    senders.set(domain, candidate);
  }
  // The domain's address is the one most strongly named as the sender ("sent as" over a From: line).
  const weights = addressWeights.get(candidate) ?? new Map<string, number>();
  addressWeights.set(candidate, weights);
  weights.set(address, (weights.get(address) ?? 0) + weight);
  const best = [...weights.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  candidate.address = best[0];
}

const HEADER_FIELD = /^[ \t]{0,4}(From|To|Cc|Subject|Date|Sent|Reply-To)[ \t]{0,2}:/i;
const BOUNCE_AUTHOR = /mailer-daemon|postmaster@|Mail Delivery (?:Subsystem|System)|Microsoft Outlook|MicrosoftExchange/i;

/**
 * True when the address at `at` sits on a To: line of a header block (From/To/Subject/Date
 * lines in a row) whose From: is a mailer daemon: the block heads a bounce notice.
 */
function bounceNoticeRecipientLine(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = text.indexOf('\n', at);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  if (!/^[ \t]{0,4}To[ \t]{0,2}:/i.test(line)) return false;
  // Walk the block up and down from this line.
  const lines = text.split('\n');
  const lineIndex = text.slice(0, lineStart).split('\n').length - 1;
  let from: string | undefined;
  for (const step of [-1, 1]) {
    for (let index = lineIndex + step; index >= 0 && index < lines.length && Math.abs(index - lineIndex) <= 8; index += step) {
      const candidate = lines[index] ?? '';
      if (!HEADER_FIELD.test(candidate)) break;
      if (/^[ \t]{0,4}From[ \t]{0,2}:/i.test(candidate)) from = candidate;
    }
  }
  return from !== undefined && BOUNCE_AUTHOR.test(from);
}

function validAddress(raw: string): string | undefined {
  try {
    const parsed = normalizeAddress(raw.replace(/^['.]+|['.]+$/g, ''));
    normalizeDomain(parsed.domain);
    return parsed.address.toLowerCase();
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
}

function isInfrastructure(address: string): boolean {
  const [local = '', domain = ''] = address.split('@');
  return INFRASTRUCTURE_LOCAL.test(local) || INFRASTRUCTURE_DOMAIN.test(domain);
}

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}
