/**
 * The reason decision: from one recipient's extracted facts to a sisimai reason name, following
 * the documented semantics in ../shared/KNOWLEDGE.md section 7 (our own code):
 *
 *   1. a reason the report format states itself (auto-reply → vacation, ARF → feedback, ...);
 *   2. delivered (2.x.x status or Action: delivered);
 *   3. the first priority order: each reason's probe looks at the enhanced status (status-table.ts),
 *      the SMTP command phase and the text (reason-text.ts);
 *   4. when that gives nothing, or only a reason the status table merely guesses, the second
 *      priority order over the text;
 *   5. the fallbacks: delayed → expired, X.6 → contenterror, X.7 → securityerror,
 *      X-UNIX → mailererror, EHLO/HELO → blocked, the status's own reason, 50x → syntaxerror,
 *      text that matched nothing → onhold, no text → undefined.
 *
 * The remote-host code tables (rhost/) run before this, in classify.ts, because they need the
 * provider. Pure and synchronous.
 */
import { textSays } from './reason-text.js';
import type { SisimaiReason } from './rules.js';
import { reasonOfStatus } from './status-table.js';

/** The SMTP command at which delivery failed; CONN is the greeting (connection). */
export type SmtpCommand = 'CONN' | 'EHLO' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA';
export const SMTP_COMMANDS: readonly SmtpCommand[] = ['CONN', 'EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA'];

/** What decide() reads: one failed (or delayed, or delivered) recipient. */
export interface DecisionFacts {
  /** The diagnostic text (the remote reply or the reporter's own words). */
  text: string;
  status?: string;
  replyCode?: string;
  command?: SmtpCommand;
  /** DSN `Action:` (failed, delayed, delivered, relayed, expanded). */
  action?: string;
  /** `Diagnostic-Code` type: `SMTP`, `X-UNIX`, `X-POSTFIX`, ... */
  diagnosticType?: string;
  /** A reason the report's format itself states (its module's documented notice wording); it decides. */
  formatReason?: SisimaiReason;
}

export interface Decision {
  reason: SisimaiReason;
  /** How it was decided, for evidence: `format`, `first-order`, `second-order`, `status`, `fallback:...`. */
  via: string;
}

/** Reasons that a status code or a format only guesses: the text is asked again (KNOWLEDGE.md section 7). */
export const GUESSED_REASONS: ReadonlySet<SisimaiReason> = new Set<SisimaiReason>([
  'undefined', 'onhold', 'systemerror', 'securityerror', 'expired', 'networkerror', 'hostunknown', 'userunknown',
]);

export const FIRST_ORDER: readonly SisimaiReason[] = [
  'mailboxfull', 'mesgtoobig', 'exceedlimit', 'suspend', 'hasmoved', 'norelaying', 'authfailure', 'userunknown', 'filtered',
  'requireptr', 'notcompliantrfc', 'badreputation', 'contenterror', 'rejected', 'hostunknown', 'spamdetected', 'speeding',
  'toomanyconn', 'blocked',
];

export const SECOND_ORDER: readonly SisimaiReason[] = [
  'mailboxfull', 'authfailure', 'badreputation', 'speeding', 'spamdetected', 'virusdetected', 'policyviolation', 'norelaying',
  'systemerror', 'networkerror', 'suspend', 'contenterror', 'systemfull', 'notaccept', 'expired', 'failedstarttls',
  'securityerror', 'suppressed', 'mailererror',
];

/** Commands answered before the message (headers and body) was sent. */
const BEFORE_DATA: ReadonlySet<SmtpCommand> = new Set<SmtpCommand>(['CONN', 'EHLO', 'HELO', 'MAIL', 'RCPT']);

/** Texts that, beside an X.1.1 status, show the refusal was about something other than the mailbox. */
const NOT_THE_MAILBOX: readonly SisimaiReason[] = ['norelaying', 'blocked', 'mailboxfull', 'hasmoved', 'rejected', 'notaccept'];

/** A refusal in any words, for the MAIL FROM phase (RFC 5321 section 3.3: MAIL names the sender). */
const REFUSAL = /\b(?:denied|refused|rejected|not allowed|not accepted|blocked)\b/i;

interface ProbeInput {
  text: string;
  /** The reason the status table gives, if any. */
  byStatus: SisimaiReason | undefined;
  command: SmtpCommand | undefined;
}

type Probe = (input: ProbeInput) => boolean;

const plain =
  (reason: SisimaiReason): Probe =>
  ({ text, byStatus }) =>
    byStatus === reason || textSays(reason, text);

/** One probe per reason of the first order: the status, the command phase and the text. */
const PROBES: Readonly<Partial<Record<SisimaiReason, Probe>>> = {
  mailboxfull: plain('mailboxfull'),
  mesgtoobig: ({ text, byStatus }) => byStatus === 'mesgtoobig' || (byStatus !== 'exceedlimit' && textSays('mesgtoobig', text)),
  exceedlimit: plain('exceedlimit'),
  suspend: plain('suspend'),
  hasmoved: plain('hasmoved'),
  norelaying: ({ text }) => textSays('norelaying', text),
  authfailure: plain('authfailure'),
  // X.1.1 is an unknown user unless the text names another refusal; otherwise only a
  // refusal at RCPT TO reads "user unknown" as an unknown user.
  userunknown: ({ text, byStatus, command }) => {
    if (byStatus === 'userunknown') return !NOT_THE_MAILBOX.some((other) => textSays(other, text));
    if (byStatus === 'suspend') return false;
    return command === 'RCPT' && textSays('userunknown', text);
  },
  // After DATA (or with no command known), "user unknown" is the recipient's filter refusing the message.
  filtered: ({ text, byStatus, command }) => {
    if (byStatus === 'suspend') return false;
    const says = (): boolean => textSays('userunknown', text) || textSays('filtered', text);
    if (byStatus === 'filtered') return says();
    return command !== 'RCPT' && command !== 'MAIL' && says();
  },
  requireptr: plain('requireptr'),
  notcompliantrfc: ({ text }) => textSays('notcompliantrfc', text),
  badreputation: ({ text }) => textSays('badreputation', text),
  // The X.6 status alone is a fallback (below), so that a text naming spam after DATA wins over it.
  contenterror: ({ text }) => textSays('contenterror', text),
  rejected: ({ text, byStatus, command }) => {
    if (byStatus === 'rejected') return true;
    // At MAIL FROM the refusal is about the envelope sender.
    if (command === 'MAIL') return textSays('rejected', text) || (REFUSAL.test(text) && !textSays('securityerror', text) && !textSays('policyviolation', text));
    if (command === 'DATA') return byStatus !== 'userunknown' && textSays('rejected', text);
    if (byStatus === undefined || byStatus === 'onhold' || byStatus === 'securityerror' || byStatus === 'systemerror') return textSays('rejected', text);
    return false;
  },
  hostunknown: ({ text, byStatus }) => (byStatus === 'hostunknown' ? !textSays('networkerror', text) : textSays('hostunknown', text)),
  // Headers and body are read only after DATA: a refusal before it is never spam detection.
  spamdetected: ({ text, byStatus, command }) => {
    if (byStatus === 'spamdetected') return true;
    if (command && BEFORE_DATA.has(command)) return false;
    return textSays('spamdetected', text);
  },
  speeding: ({ text }) => textSays('speeding', text),
  toomanyconn: plain('toomanyconn'),
  blocked: plain('blocked'),
};

/** The reason for one recipient's facts. */
export function decide(facts: DecisionFacts): Decision {
  const { formatReason } = facts;
  if (formatReason) return { reason: formatReason, via: 'format' };
  const action = facts.action?.toLowerCase();
  if (action === 'delivered' || action === 'relayed' || action === 'expanded') return { reason: 'delivered', via: 'action' };
  const byStatus = reasonOfStatus(facts.status);
  if (byStatus === 'delivered') return { reason: 'delivered', via: 'status' };

  const text = facts.text.slice(0, 4000);
  const input: ProbeInput = { text, byStatus, command: facts.command };
  // X-UNIX: a local delivery program failed; only a full mailbox it reports is more specific.
  if (/^X-UNIX$/i.test(facts.diagnosticType ?? '')) {
    return PROBES.mailboxfull?.(input) ? { reason: 'mailboxfull', via: 'first-order' } : { reason: 'mailererror', via: 'x-unix' };
  }
  const first = FIRST_ORDER.find((reason) => PROBES[reason]?.(input) === true);
  if (first) return { reason: first, via: 'first-order' };

  const other = anotherOne(facts, byStatus, text);
  if (other) return other;
  return text.trim() === '' && !facts.status ? { reason: 'undefined', via: 'fallback:nothing' } : { reason: 'onhold', via: 'fallback:unmatched' };
}

/** The second order and the documented fallbacks. */
function anotherOne(facts: DecisionFacts, byStatus: SisimaiReason | undefined, text: string): Decision | undefined {
  if (byStatus && !GUESSED_REASONS.has(byStatus)) return { reason: byStatus, via: 'status' };
  const second = SECOND_ORDER.find((reason) => textSays(reason, text));
  if (second) return { reason: second, via: 'second-order' };
  const subject = /^[45]\.(\d{1,3})\./.exec(facts.status ?? '')?.[1];
  if (subject === '6') return { reason: 'contenterror', via: 'fallback:x.6' };
  if (subject === '7') return { reason: 'securityerror', via: 'fallback:x.7' };
  if (/^X-(?:UNIX|POSTFIX)$/i.test(facts.diagnosticType ?? '')) return { reason: 'mailererror', via: 'fallback:x-unix' };
  if (/^[45]0[0-4]$/.test(facts.replyCode ?? '') && !byStatus) return { reason: 'syntaxerror', via: 'fallback:50x' };
  const action = facts.action?.toLowerCase() ?? '';
  if (action.startsWith('delayed') || action.startsWith('expired')) return { reason: 'expired', via: 'fallback:delayed' };
  // The status's own reason, although only a guess, is still better than the command.
  if (byStatus) return { reason: byStatus, via: 'status' };
  // Refused at the greeting or at EHLO/HELO: only the client host was known, so the client was blocked.
  if (facts.command === 'EHLO' || facts.command === 'HELO' || facts.command === 'CONN') return { reason: 'blocked', via: 'fallback:ehlo' };
  return undefined;
}
