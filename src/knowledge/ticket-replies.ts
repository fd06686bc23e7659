/**
 * Finds the SMTP replies in one message of a ticket thread as bounded fragments (the reply and
 * its continuation lines, never the prose around it), then has the bounce knowledge interpret
 * each fragment. Pure and linear: every pattern is anchored or bounded.
 *
 * How people paste replies, by the formats' own wording:
 * - client error boxes: Gmail's "Send mail as" (`Server returned error: "535 ..., code: 535"`),
 *   Outlook (`The server responded: 554 ...`), Thunderbird (`The mail server responded:` then
 *   the reply on its own line);
 * - relay logs: Postfix (`said: 535 ...`, `status=bounced (host X[ip] said: 554 ...)`,
 *   `from=<...>`/`to=<...>`), sendmail (`stat=Deferred: 454 ...`);
 * - library errors: PHPMailer (`SERVER -> CLIENT: 535 ...`, `SMTP ERROR: Password command
 *   failed: 535 ...`), nodemailer (`Error: Invalid login: 535 ...`, `response: '535 ...'`),
 *   Python smtplib (`SMTPAuthenticationError: (535, b'...')`), generic logs (`SMTP AUTH failed: 535 ...`);
 * - pasted bounces and NDRs (DSN fields, Exchange's "Remote Server returned", Gmail's "The
 *   response from the remote server was:"): read whole by the bounce knowledge, which knows
 *   their per-recipient structure, and kept only as bounded replies.
 * Prose that merely mentions a keyword (STARTTLS, "we sent 250 invoices") is not a reply.
 */
import type { InterpretedReply } from '../core/replies.js';
import { interpretReplies } from './bounce/classify.js';

/** A reply fragment is cut to this many characters. */
export const MAX_REPLY_FRAGMENT_CHARS = 500;
/** Continuation lines read after a reply line. */
const MAX_CONTINUATION_LINES = 6;
/** Lines of one message scanned for replies. */
const MAX_LINES = 5_000;
const MAX_LINE_CHARS = 4_000;

export interface LocatedReply {
  /** The reply from its code on, bounded. */
  text: string;
  /** The client or MTA whose wording surrounds it, when the wording says. */
  client?: string;
  /** The server that answered, when the line names it (`host X[ip] said`, `relay=X[ip]`). */
  remoteHost?: string;
  /** The recipient the line is about (`to=<...>`, `<addr>:` before the reply). */
  recipient?: string;
}

/** Words right before a reply code that introduce it (checked on the text before the code). */
const STRONG_LEAD_IN =
  /(?:\bsaid|\bresponded|\breturned(?: error)?|\breply|\bresponse|\banswered|\bfailed|\berror|\bstat=(?:Deferred)?|\bSERVER -> CLIENT|\bInvalid login|\bMessage failed|\bexception|<<<|\bwas)\s{0,3}[:=]?\s{0,3}['"(]?\s{0,2}$/i;
/** Weaker verbs: the reply must then look like one (a capitalised word or an enhanced code follows). */
const WEAK_LEAD_IN = /\b(?:get|gets|got|getting|with|gives|gave|says|saying|shows|showing|reads|returns|bounced|rejected)\s{1,3}['"(]?$/i;
/** A 4xx/5xx reply code where a reply may start (followed by a space or a dash and text). */
const CODE = /(?<![\w.:/-])([45]\d\d)([ -])(?=\S)/g;
const ENHANCED_AFTER = /^[ -]'?[245]\.\d{1,3}\.\d{1,3}(?![\d.])/;
/** After the code: a word that replies start with (capitalised, or a known reply word). */
const REPLY_WORD_AFTER = /^[ -](?:[A-Z#<(]|(?:authentication|message|throttling|access|temporary|service|mailbox|recipient|user|requested|relay|sender|transaction|email|rejected|denied|unavailable|invalid|too|daily|maximum|local|insufficient|syntax|must|this|the)\b)/i;
/** Python smtplib: `(535, b'Authentication Credentials Invalid')`. */
const PYTHON_TUPLE = /\((\d{3}), b(['"])([^'"\n]{1,500})\2\)/;

/** Wording that names who showed the reply (the relay hop). Checked on the message. */
const CLIENT_WORDING: ReadonlyArray<readonly [string, RegExp]> = [
  ['Gmail', /Please check your username\/password\.?\s{0,5}Server returned error/i],
  ['Outlook', /reported error \(0x[0-9A-F]{8}\)|The server responded:/i],
  ['Thunderbird', /The mail server responded:|Sending of the message failed/i],
  ['Postfix', /\bpostfix\/(?:smtp|lmtp|qmgr|cleanup)\[\d{1,10}\]/i],
  ['sendmail', /\bsendmail\[\d{1,10}\]/i],
  ['PHPMailer', /SERVER -> CLIENT:|SMTP ERROR:|SMTP Error: Could not authenticate/],
  ['nodemailer', /nodemailer|SMTPConnection\._formatError|code: 'E(?:AUTH|ENVELOPE|MESSAGE|CONNECTION)'/],
  ['Python smtplib', /smtplib\.SMTP\w{0,40}Error/],
];

/** A pasted bounce or NDR: its structure (per-recipient fields) is the bounce knowledge's to read. */
const BOUNCE_SHAPE =
  /^(?:Final-Recipient|Original-Recipient|Diagnostic-Code|Action|Reporting-MTA):|Remote Server returned|Delivery has failed to these recipients|couldn't be delivered|could not be delivered|wasn't delivered to|The response from the remote server was|Delivery Status Notification|Mail Delivery (?:Subsystem|System)|Undeliverable:|Undelivered Mail Returned to Sender|This is the mail system at host|I'm sorry to have to inform you|Returned mail:|MAILER-DAEMON|Message not delivered|Address not found/im;

export function looksLikeBounce(text: string): boolean {
  return BOUNCE_SHAPE.test(text.slice(0, 200_000));
}

/** Finds the replies of one message (already normalised from Slack markup). */
export function locateReplies(text: string): LocatedReply[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n', MAX_LINES);
  const client = CLIENT_WORDING.find(([, wording]) => wording.test(text.slice(0, 200_000)))?.[0];
  const found: LocatedReply[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').slice(0, MAX_LINE_CHARS);
    const start = replyStart(line, previousLine(lines, index));
    if (start === undefined) continue;
    let reply = start.text;
    let next = index + 1;
    // Continuation: `550-5.7.1 ...` multi-line replies, or indented wrapped lines.
    while (next < lines.length && next <= index + MAX_CONTINUATION_LINES && reply.length < MAX_REPLY_FRAGMENT_CHARS) {
      const following = (lines[next] ?? '').slice(0, MAX_LINE_CHARS);
      const sameCode = new RegExp(String.raw`^\s{0,4}${start.code}[ -]`).test(following) && reply.includes(`${start.code}-`);
      const wrapped = /^\s{2,}\S/.test(following) && !/^\s{0,12}(?:at |[\w$.]+:\s)/.test(following);
      if (!sameCode && !wrapped) break;
      reply += ` ${following.trim().replace(new RegExp(String.raw`^${start.code}[ -]`), '')}`;
      next++;
    }
    index = next - 1;
    const located: LocatedReply = { text: cleanReply(reply) };
    if (client) located.client = client;
    const host = /\b(?:host|server)\s([a-z0-9.-]{3,253})\[|\brelay=([a-z0-9.-]{3,253}?)\.?\s?\[/i.exec(line);
    const hostName = host?.[1] ?? host?.[2];
    if (hostName) located.remoteHost = hostName.toLowerCase();
    const recipient = /\bto=<([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253})>/.exec(line)?.[1] ?? /<([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253})>:/.exec(line)?.[1];
    if (recipient) located.recipient = recipient;
    if (!found.some((seen) => sameReply(seen.text, located.text))) found.push(located);
  }
  return found;
}

function previousLine(lines: readonly string[], index: number): string {
  for (let back = index - 1; back >= 0 && back >= index - 3; back--) {
    const line = (lines[back] ?? '').trim();
    if (line !== '') return line;
  }
  return '';
}

/** Where a reply starts in a line, if one does. */
function replyStart(line: string, previous: string): { code: string; text: string } | undefined {
  const tuple = PYTHON_TUPLE.exec(line);
  if (tuple?.[1] && /^[45]/.test(tuple[1])) return { code: tuple[1], text: `${tuple[1]} ${tuple[3] ?? ''}` };
  for (const match of line.matchAll(CODE)) {
    const code = match[1] ?? '';
    const at = match.index ?? 0;
    const before = line.slice(Math.max(0, at - 60), at);
    const after = line.slice(at + 3);
    const enhanced = ENHANCED_AFTER.test(after);
    const lineStart = before.trim() === '' || /^\s{0,8}(?:<<<|>>>|S:)\s?$/.test(before);
    const accepted =
      enhanced ||
      STRONG_LEAD_IN.test(before) ||
      (WEAK_LEAD_IN.test(before) && REPLY_WORD_AFTER.test(after)) ||
      // A reply on its own line, introduced by the line before ("The mail server responded:").
      (lineStart && (REPLY_WORD_AFTER.test(after) || /:\s*$/.test(previous)));
    if (accepted) return { code, text: line.slice(at) };
  }
  return undefined;
}

/** Removes the wrapping the client or log put around the reply. */
function cleanReply(reply: string): string {
  let text = reply.replace(/\s{2,}/g, ' ').trim();
  text = text.replace(/,\s?code:\s?\d{3}["']?\s*$/i, ''); // Gmail: `..., code: 535"`
  // A closing quote or parenthesis that the reply did not open.
  for (let round = 0; round < 3; round++) {
    const last = text.at(-1);
    if ((last === '"' || last === "'") && count(text, last) % 2 === 1) text = text.slice(0, -1).trimEnd();
    else if (last === ')' && count(text, ')') > count(text, '(')) text = text.slice(0, -1).trimEnd();
    else if (last === ',') text = text.slice(0, -1).trimEnd();
  }
  return text.length > MAX_REPLY_FRAGMENT_CHARS ? `${text.slice(0, MAX_REPLY_FRAGMENT_CHARS - 1)}…` : text;
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

function replyKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, ' ').trim().slice(0, 60);
}

function sameReply(a: string, b: string): boolean {
  const ka = replyKey(a);
  const kb = replyKey(b);
  return ka === kb || ka.startsWith(kb) || kb.startsWith(ka);
}

/** Bounds a reply the bounce knowledge found in a pasted bounce. */
function bounded(reply: InterpretedReply): InterpretedReply {
  return reply.raw.length > MAX_REPLY_FRAGMENT_CHARS ? { ...reply, raw: `${reply.raw.slice(0, MAX_REPLY_FRAGMENT_CHARS - 1)}…` } : reply;
}

/**
 * Every reply in one message, interpreted: a pasted bounce is read whole by the bounce
 * knowledge (per-recipient structure), and the reply lines it did not cover are added; any
 * other message yields only the reply lines located in it. Replies without a code count only
 * inside a pasted bounce (e.g. Gmail's "DNS Error"), bounded like the others.
 */
export function readReplies(text: string): InterpretedReply[] {
  const replies: InterpretedReply[] = [];
  const bounce = looksLikeBounce(text);
  if (bounce) {
    for (const reply of interpretReplies(text)) {
      if (!reply.replyCode && !reply.status && reply.raw.length > MAX_REPLY_FRAGMENT_CHARS) continue;
      replies.push(bounded(reply));
    }
  }
  for (const located of locateReplies(text)) {
    if (replies.some((seen) => sameReply(seen.raw.replace(/^.*?(?=[45]\d\d[ -])/, ''), located.text))) continue;
    const [reply] = interpretReplies(located.text, {
      ...(located.remoteHost ? { remoteHost: located.remoteHost } : {}),
      ...(located.recipient ? { recipient: located.recipient } : {}),
    });
    if (!reply) continue;
    replies.push({
      ...bounded({ ...reply, raw: located.text }),
      ...(located.client && reply.layer === 'relay' && !reply.reportedBy ? { reportedBy: located.client } : {}),
    });
  }
  return replies;
}
