/**
 * For a decided sisimai reason, the category, explanation and fix we show when no more precise
 * rule row (rules.ts) of that reason matched the reply. Every reason decide.ts can produce has
 * a row, so every reply gets a layer and a fix.
 */
import { type BounceRule, CATEGORIES, type Category, type SisimaiReason } from './rules.js';

interface ReasonDefault {
  category: Category;
  explanation: string;
  fix: string;
}

const FIX_ADDRESS = 'Check the address for typos with the recipient; if it is right, the recipient\'s administrator must create the mailbox. Then remove it from the SES suppression list.';
const FIX_SES_IP = 'On SES shared IPs the sender cannot delist the IP: open an AWS support case with the reply text; with dedicated IPs, request delisting at the listed block list.';
const FIX_AUTH = 'Publish SPF with include:amazonses.com on the MAIL FROM domain, enable Easy DKIM for the From domain in SES (three CNAMEs), and keep DMARC aligned (custom MAIL FROM or DKIM on the From domain).';

export const REASON_DEFAULTS: Readonly<Record<SisimaiReason, ReasonDefault>> = {
  userunknown: { category: 'recipient-unknown', explanation: 'The receiving server refused the recipient at RCPT TO (or with X.1.1): the address does not exist there.', fix: FIX_ADDRESS },
  filtered: { category: 'recipient-refused-after-data', explanation: 'The receiving server refused the message for this recipient after reading it, or with an X.2.0/X.2.1 status: a recipient-side filter or preference (an "unknown user" said after DATA is counted here, as sisimai documents).', fix: 'Ask the recipient whether the address is active and whether a filter or preference refuses this sender.' },
  hostunknown: { category: 'recipient-host-unknown', explanation: 'The recipient\'s domain or mail host could not be found.', fix: 'Check the domain part of the address for typos; the domain needs MX (or A) records.' },
  mailboxfull: { category: 'mailbox-full', explanation: 'The recipient\'s mailbox is full.', fix: 'The recipient must free space; SES retries soft bounces, so nothing to change on the sending side.' },
  mesgtoobig: { category: 'message-too-big', explanation: 'The message is larger than the receiving system accepts.', fix: 'Send a smaller message (link large attachments instead).' },
  exceedlimit: { category: 'exceeds-limit', explanation: 'The message exceeds a limit the recipient\'s system sets (size or header length).', fix: 'Send a smaller message (link large attachments instead).' },
  suspend: { category: 'mailbox-disabled', explanation: 'The recipient\'s account is disabled, suspended or inactive.', fix: 'Ask the recipient for a working address; remove this one from the list.' },
  hasmoved: { category: 'recipient-moved', explanation: 'The mailbox has moved to another address.', fix: 'Ask the recipient for the new address.' },
  norelaying: { category: 'recipient-domain-not-hosted', explanation: 'The server that answered does not accept mail for the recipient\'s domain (relaying denied): the MX may point to the wrong server.', fix: 'The recipient\'s administrator must check the MX records and accepted domains.' },
  authfailure: { category: 'sender-authentication-failed', explanation: 'The receiver says SPF, DKIM or DMARC did not pass for the sender.', fix: FIX_AUTH },
  requireptr: { category: 'ptr-required', explanation: 'The receiver requires a matching reverse DNS (PTR) name for the sending IP.', fix: 'Relay through SES (its IPs have matching PTRs) or give the sending IP a forward-confirmed reverse DNS name.' },
  notcompliantrfc: { category: 'message-not-rfc-compliant', explanation: 'The receiver refused a message whose headers break RFC 5322 (several From addresses, duplicate or missing headers).', fix: 'Fix the headers the sending application writes (one From, one Date, one Message-ID, no duplicated DKIM-Signature).' },
  badreputation: { category: 'low-reputation', explanation: 'The receiver rates the reputation of the sending IP or domain too low.', fix: 'Check the IP and domain reputation (Google Postmaster Tools, Microsoft SNDS) and reduce complaint rates; on SES shared IPs contact AWS support.' },
  contenterror: { category: 'content-error', explanation: 'The message format or encoding was refused (an X.6 media status).', fix: 'Check the message encoding produced by the sending application.' },
  rejected: { category: 'sender-rejected', explanation: 'The receiver refused the envelope sender (MAIL FROM) address or its domain.', fix: 'Make sure the MAIL FROM domain resolves (MX or A) and is not blocked by the receiver; with a custom MAIL FROM in SES, its MX must point to feedback-smtp.<region>.amazonses.com.' },
  spamdetected: { category: 'spam-detected', explanation: 'The receiver classified the message as spam.', fix: 'Review the content and list hygiene; make sure SPF, DKIM and DMARC pass.' },
  speeding: { category: 'sending-too-fast', explanation: 'The receiver refused because mail arrives too fast for that recipient or from that sender.', fix: 'Slow down sending to that domain; deferred messages are retried.' },
  toomanyconn: { category: 'rate-limited', explanation: 'The receiver limits connections or recipients per message from the sender.', fix: 'Reduce the sending rate and the recipients per message to that domain; deferred messages are retried.' },
  blocked: { category: 'sending-ip-blocked', explanation: 'The receiver refused the sending IP or host (a block list, or a policy against the client host).', fix: FIX_SES_IP },
  virusdetected: { category: 'virus-detected', explanation: 'The receiver found a virus or malware in the message.', fix: 'Scan the attachments the sending application adds; send without the flagged content.' },
  policyviolation: { category: 'policy-violation', explanation: 'The receiver refused the message under its mail policy.', fix: 'Read the provider\'s linked policy page; usually authentication (SPF, DKIM, DMARC) or content.' },
  systemerror: { category: 'remote-system-error', explanation: 'The receiving mail system had an internal error.', fix: 'Nothing to change on the sending side; the recipient\'s administrator must look at their server. Temporary errors are retried.' },
  networkerror: { category: 'network-error', explanation: 'DNS lookup, routing or the connection to the recipient\'s server failed.', fix: 'Check the recipient domain\'s MX records and the reachability of its servers.' },
  systemfull: { category: 'remote-system-full', explanation: 'The receiving mail system is out of storage.', fix: 'Nothing to change on the sending side; the recipient\'s administrator must free space.' },
  notaccept: { category: 'recipient-domain-no-mail', explanation: 'The recipient domain or host accepts no mail (null MX, or no SMTP service).', fix: 'The address cannot receive mail; ask the recipient for another address.' },
  expired: { category: 'delivery-expired', explanation: 'Delivery was delayed, or given up after retries (no answer, timeouts).', fix: 'The recipient\'s mail server is unreachable or too slow: its administrator must check it and its MX records. SES retries soft failures on its own.' },
  failedstarttls: { category: 'tls-required', explanation: 'TLS (STARTTLS) was required for the connection and could not be set up.', fix: 'The recipient\'s server must offer working STARTTLS, or the sender must allow it (SES TlsPolicy REQUIRE needs it).' },
  securityerror: { category: 'security-policy', explanation: 'Delivery was not authorised by a security policy (an X.7 status with no more detail).', fix: 'Ask the recipient\'s administrator which policy blocked the sender.' },
  suppressed: { category: 'suppressed', explanation: 'SES did not send because the address is on a suppression list.', fix: 'Fix the recipient-side cause first, then remove the address from the account suppression list (SESv2 DeleteSuppressedDestination).' },
  mailererror: { category: 'mailer-error', explanation: 'A local delivery program at the receiver failed.', fix: 'The recipient\'s administrator must fix the local delivery program.' },
  syntaxerror: { category: 'syntax-error', explanation: 'The receiver did not understand the SMTP dialogue (a 50x reply).', fix: 'Check the sending client or relay; SES itself speaks correct SMTP.' },
  vacation: { category: 'auto-reply', explanation: 'An automatic reply (out of office): the message was delivered; no action on the sending side.', fix: 'Nothing to fix; auto-replies are not bounces.' },
  feedback: { category: 'complaint', explanation: 'A complaint (feedback report): the recipient marked the message as spam. It was delivered; it is not a bounce.', fix: 'Stop sending to this recipient; SES adds complained addresses to the suppression list when COMPLAINT suppression is on.' },
  delivered: { category: 'delivered', explanation: 'The message was delivered or relayed.', fix: '' },
  onhold: { category: 'onhold-unmatched', explanation: 'The reply names no reason maildiag knows; read the quoted text.', fix: 'Read the reply text; if it names a reason, add its general phrase to src/knowledge/bounce/reason-text.ts with its source.' },
  undefined: { category: 'unrecognised', explanation: 'No reply text or code was found for this recipient.', fix: 'Look at the bounce message itself; the reporting server gave no reason.' },
};

/** A rule built from the reason's default, for replies no precise row of that reason matched. */
export function defaultRuleFor(reason: SisimaiReason, via: string): BounceRule {
  const row = REASON_DEFAULTS[reason];
  const info = CATEGORIES[row.category];
  return {
    id: `reason.${reason}`,
    category: row.category,
    reason,
    layer: info.layer,
    confidence: via.startsWith('fallback') ? 0.4 : via === 'status' ? 0.7 : 0.6,
    explanation: row.explanation,
    fix: row.fix,
    source: `KNOWLEDGE.md section 7 (sisimai's documented reason "${reason}"), decided by ${via}`,
  };
}
