/**
 * Bounce and SMTP reply interpretation rules, as data.
 *
 * How a reply is matched: the rows below are tried in order and the first row whose every
 * given condition holds wins. A condition that a row leaves out is not checked. Order is the
 * whole policy, so read the table top to bottom:
 *
 *   1. Provider rows: replies whose meaning depends on who sent them (Amazon SES, Exchange
 *      Online, Google, Yahoo). `535 Authentication Credentials Invalid` is an SES relay
 *      credential; `5.4.1 ... Access denied. AS(201806281)` at Exchange Online is an unknown
 *      recipient; Google's `5.7.27` is an SPF failure although RFC 7505 gives X.7.27 another meaning.
 *   2. Precise status rows: enhanced status codes (RFC 3463, RFC 7372, RFC 4954, RFC 7505) whose
 *      meaning does not depend on the text (X.1.1, X.2.2, X.3.4, X.7.26, ...).
 *   3. Text rows: what the reply says, for replies that carry only a vague code (5.0.0, 5.7.1,
 *      a bare 550) or none at all.
 *   4. Class rows: the meaning of a status class (X.2.x, X.4.x, X.7.x, ...) when nothing more
 *      specific matched, then bare reply-code rows (RFC 5321), with lower confidence.
 *
 * Every pattern is linear: no nested quantifiers, bounded repetitions only, so a hostile 1 MB
 * line cannot make matching slow. Text is matched case-insensitively against one reply
 * (already unfolded and capped in length by the parser).
 *
 * Categories are our own; each maps onto exactly one sisimai reason (the names the conformance
 * corpus uses) and one maildiag layer in CATEGORIES: that table is the one documented mapping.
 */
import type { Layer } from '../../core/finding.js';

/** Providers that rows can be keyed on; detection lives in classify.ts. */
export const PROVIDERS = [
  'Amazon SES',
  'Amazon WorkMail',
  'Exchange Online',
  'Outlook.com',
  'Google',
  'Google Groups',
  'Yahoo',
  'iCloud',
  'Zoho',
  'Tencent QQ',
  'Mail.ru',
  'SendGrid',
  'GoDaddy',
  'Cox',
  'unknown',
] as const;
export type Provider = (typeof PROVIDERS)[number];

/** sisimai's reason names (https://libsisimai.org/en/reason/), plus `delivered`. */
export const SISIMAI_REASONS = [
  'authfailure', 'badreputation', 'blocked', 'contenterror', 'delivered', 'exceedlimit', 'expired',
  'failedstarttls', 'feedback', 'filtered', 'hasmoved', 'hostunknown', 'mailboxfull', 'mailererror',
  'mesgtoobig', 'networkerror', 'norelaying', 'notaccept', 'notcompliantrfc', 'onhold', 'policyviolation',
  'rejected', 'requireptr', 'securityerror', 'spamdetected', 'speeding', 'suppressed', 'suspend',
  'syntaxerror', 'systemerror', 'systemfull', 'toomanyconn', 'undefined', 'userunknown', 'vacation',
  'virusdetected',
] as const;
export type SisimaiReason = (typeof SISIMAI_REASONS)[number];

export interface CategoryInfo {
  /** The sisimai reason this category is counted as in the conformance corpus. */
  reason: SisimaiReason;
  /** The maildiag layer the reply points to. */
  layer: Layer;
  /** One line: what the category means. */
  meaning: string;
}

/**
 * The one mapping from our categories to sisimai reasons and maildiag layers.
 * Where sisimai's name differs from what one might guess, the row says why.
 */
export const CATEGORIES = {
  // ---- relay: the SMTP client's own credentials or permissions ----
  'relay-credentials-invalid': { reason: 'securityerror', layer: 'relay', meaning: 'SES SMTP rejected the username/password (rotated or deleted key, wrong region, secret key used as password)' },
  'relay-auth-required': { reason: 'securityerror', layer: 'relay', meaning: 'the server requires SMTP AUTH and the client did not authenticate' },
  'relay-login-failed': { reason: 'securityerror', layer: 'relay', meaning: 'a (non-SES) SMTP server refused the login' },
  'relay-not-authorized': { reason: 'securityerror', layer: 'relay', meaning: 'the IAM user behind the SMTP credentials may not send (ses:SendRawEmail denied)' },
  'relay-sigv2-credentials': { reason: 'securityerror', layer: 'relay', meaning: 'SMTP credentials made with the retired SigV2 algorithm' },
  // ---- ses: the SES account and identities ----
  'ses-throttled': { reason: 'toomanyconn', layer: 'ses', meaning: 'SES sending quota or maximum send rate exceeded' },
  'ses-temporary-failure': { reason: 'systemerror', layer: 'ses', meaning: 'a temporary failure on the SES side' },
  // sisimai counts SES's "Email address is not verified" as norelaying: SES refuses to relay for it.
  'ses-identity-not-verified': { reason: 'norelaying', layer: 'ses', meaning: 'the sending identity (or, in the sandbox, the recipient) is not verified in that SES region' },
  'ses-mail-from-not-verified': { reason: 'rejected', layer: 'ses', meaning: 'the custom MAIL FROM domain is not verified and SES is set to reject' },
  // ---- suppression ----
  suppressed: { reason: 'suppressed', layer: 'suppression', meaning: 'SES did not send because the address is on a suppression list' },
  complaint: { reason: 'feedback', layer: 'suppression', meaning: 'the recipient reported the message as spam (a complaint, not a bounce)' },
  // ---- dns: the sender's authentication records ----
  'sender-authentication-failed': { reason: 'authfailure', layer: 'dns', meaning: 'SPF, DKIM or DMARC failed at the receiver' },
  'sender-rejected': { reason: 'rejected', layer: 'dns', meaning: 'the envelope sender (MAIL FROM) address or domain was refused' },
  // ---- ses: the sending IP (SES shared or dedicated IPs) ----
  'ptr-required': { reason: 'requireptr', layer: 'ses', meaning: 'the receiver requires a matching reverse DNS (PTR) for the sending IP' },
  'sending-ip-blocked': { reason: 'blocked', layer: 'ses', meaning: 'the sending IP or host is on a block list or banned by the receiver' },
  'low-reputation': { reason: 'badreputation', layer: 'ses', meaning: 'the receiver rates the sending IP or domain reputation too low' },
  'rate-limited': { reason: 'toomanyconn', layer: 'ses', meaning: 'the receiver throttles the sender (too many connections or messages)' },
  // ---- recipient side ----
  'recipient-unknown': { reason: 'userunknown', layer: 'recipient', meaning: 'the recipient address does not exist at the receiving server' },
  'recipient-domain-not-hosted': { reason: 'norelaying', layer: 'recipient', meaning: 'the receiving server does not accept mail for that domain (relay denied)' },
  'recipient-host-unknown': { reason: 'hostunknown', layer: 'recipient', meaning: 'the recipient domain or host does not exist' },
  'recipient-domain-no-mail': { reason: 'notaccept', layer: 'recipient', meaning: 'the recipient domain accepts no mail (null MX or no SMTP service)' },
  'recipient-moved': { reason: 'hasmoved', layer: 'recipient', meaning: 'the mailbox has moved to another address' },
  'mailbox-full': { reason: 'mailboxfull', layer: 'recipient', meaning: 'the recipient mailbox is over quota' },
  'mailbox-disabled': { reason: 'suspend', layer: 'recipient', meaning: 'the recipient account is disabled or suspended' },
  // RFC 3463 X.2.1 "mailbox disabled, not accepting messages" with no more detail: sisimai says filtered.
  'mailbox-not-accepting': { reason: 'filtered', layer: 'recipient', meaning: 'the mailbox does not accept messages (no further detail)' },
  'recipient-restricted': { reason: 'securityerror', layer: 'recipient', meaning: 'the recipient accepts mail only from permitted or authenticated senders' },
  'security-policy': { reason: 'securityerror', layer: 'recipient', meaning: 'delivery not authorised by the receiver\'s security policy' },
  'content-filtered': { reason: 'filtered', layer: 'recipient', meaning: 'a content or header filter at the receiver refused the message' },
  'spam-detected': { reason: 'spamdetected', layer: 'recipient', meaning: 'the receiver classified the message as spam' },
  'policy-violation': { reason: 'policyviolation', layer: 'recipient', meaning: 'the message violates the receiver\'s mail policy' },
  'content-error': { reason: 'contenterror', layer: 'recipient', meaning: 'the message format or encoding was refused' },
  'message-too-big': { reason: 'mesgtoobig', layer: 'recipient', meaning: 'the message is larger than the receiver accepts' },
  'exceeds-limit': { reason: 'exceedlimit', layer: 'recipient', meaning: 'the message exceeds a limit set by the recipient' },
  'tls-required': { reason: 'failedstarttls', layer: 'recipient', meaning: 'TLS (STARTTLS) was required or failed' },
  'delivery-expired': { reason: 'expired', layer: 'recipient', meaning: 'delivery was delayed or given up after retries (timeouts, no answer)' },
  'network-error': { reason: 'networkerror', layer: 'recipient', meaning: 'DNS lookup or routing to the recipient\'s server failed' },
  'remote-system-error': { reason: 'systemerror', layer: 'recipient', meaning: 'the receiving mail system had an internal error' },
  'remote-system-full': { reason: 'systemfull', layer: 'recipient', meaning: 'the receiving mail system is out of storage' },
  'mailer-error': { reason: 'mailererror', layer: 'recipient', meaning: 'a local delivery program at the receiver failed' },
  // Protocol errors are the sending client's doing.
  'syntax-error': { reason: 'syntaxerror', layer: 'relay', meaning: 'the receiver did not understand the SMTP dialogue (command or sequence error)' },
  'group-post-rejected': { reason: 'rejected', layer: 'recipient', meaning: 'a mailing list or group refused the post (no such group or no permission to post)' },
  'temporary-unspecified': { reason: 'onhold', layer: 'recipient', meaning: 'a temporary failure with no further detail' },
  // Added with the format-aware extraction (issue 10): reasons the first version could not reach.
  // "User unknown" refused after DATA is a filter refusing this message, not a missing mailbox.
  'recipient-refused-after-data': { reason: 'filtered', layer: 'recipient', meaning: 'the receiver refused the message for this recipient after reading it (a recipient filter or preference; an "unknown user" said after DATA)' },
  'message-not-rfc-compliant': { reason: 'notcompliantrfc', layer: 'relay', meaning: 'the message headers break RFC 5322 (duplicate or missing headers, several From addresses); the sending application builds them' },
  'virus-detected': { reason: 'virusdetected', layer: 'recipient', meaning: 'the receiver found a virus or malware in the message' },
  'sending-too-fast': { reason: 'speeding', layer: 'ses', meaning: 'the receiver refused because mail arrives faster than it accepts for that recipient or sender' },
  'auto-reply': { reason: 'vacation', layer: 'recipient', meaning: 'an automatic reply (out of office, RFC 3834); the message was delivered' },
  'sender-null-mx': { reason: 'notaccept', layer: 'dns', meaning: 'the envelope sender\'s domain publishes a null MX (RFC 7505 X.7.27), so it cannot receive bounces' },
  'onhold-unmatched': { reason: 'onhold', layer: 'recipient', meaning: 'a reply whose text names no reason maildiag knows; held for a person to read' },
  delivered: { reason: 'delivered', layer: 'recipient', meaning: 'the message was delivered or relayed' },
  unrecognised: { reason: 'undefined', layer: 'recipient', meaning: 'a reply no rule recognised' },
} as const satisfies Record<string, CategoryInfo>;
export type Category = keyof typeof CATEGORIES;

/** One row of the table as written. */
export interface BounceRuleRow {
  /** Stable id, quoted in evidence: `<group>.<what>`. */
  id: string;
  /** Only replies from one of these providers match. */
  provider?: readonly Provider[];
  /** Basic reply code, e.g. /^535$/. */
  replyCode?: RegExp;
  /** Enhanced status code, e.g. /^5\.4\.1$/. */
  status?: RegExp;
  /** Matched against the reply text. */
  text?: RegExp;
  /** SMTP stage (`RCPT`, `DATA`, `MAIL`, ...; empty when the bounce does not say). */
  command?: RegExp;
  /** When the row matches and the provider was not detected, the reply's wording identifies it. */
  impliesProvider?: Provider;
  category: Category;
  /** 0..1 */
  confidence: number;
  explanation: string;
  fix: string;
  /** Where the meaning comes from (URL or document section). */
  source: string;
}

/** A row with its category resolved, as the classifier uses it. */
export interface BounceRule extends BounceRuleRow {
  reason: SisimaiReason;
  layer: Layer;
}

const SES_SMTP_DOC = 'https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-smtp.html';
const SES_CREDS_DOC = 'https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html';
const EXO_NDR_DOC = 'https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online';
const EXO_DBEB_DOC = 'https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/use-directory-based-edge-blocking';
const GOOGLE_SMTP_DOC = 'https://support.google.com/a/answer/3726730';
const GOOGLE_SENDER_DOC = 'https://support.google.com/mail/answer/81126';
const RFC3463 = 'RFC 3463 (enhanced mail system status codes)';
const RFC5321 = 'RFC 5321 section 4.2 (reply codes)';
const RFC7372 = 'RFC 7372 (email authentication status codes)';
const YAHOO_DOC = 'https://senders.yahooinc.com/smtp-error-codes/';

const MICROSOFT: readonly Provider[] = ['Exchange Online', 'Outlook.com'];
const GOOGLE: readonly Provider[] = ['Google'];

const FIX_ROTATE = 'Create new SMTP credentials for the IAM user (or rotate its access key), derive the SMTP password for the region of the endpoint in use, and paste both into the sending client (for Gmail: Settings > Accounts > "Send mail as" > edit info).';
const FIX_AUTH_RECORDS = 'Publish SPF with include:amazonses.com on the MAIL FROM domain, enable Easy DKIM for the From domain in SES (three CNAMEs), and keep DMARC aligned (custom MAIL FROM or DKIM on the From domain).';
const FIX_RECIPIENT_ADDRESS = 'Check the address for typos with the recipient; if it is right, the recipient\'s administrator must create the mailbox. Then remove it from the SES suppression list.';
const FIX_SES_IP = 'On SES shared IPs the sender cannot delist the IP: open an AWS support case with the reply text; with dedicated IPs, request delisting at the listed block list.';

const ROWS: readonly BounceRuleRow[] = [
  // ======================= 1. Provider rows =======================
  // ---- Amazon SES SMTP interface (the relay) ----
  {
    id: 'ses.smtp-credentials-invalid', replyCode: /^535$/, text: /Authentication Credentials Invalid/i, impliesProvider: 'Amazon SES',
    category: 'relay-credentials-invalid', confidence: 0.95,
    explanation: 'SES SMTP refused the username/password. SES answers this bare 535 (no enhanced code) when the access key was rotated or deleted, when the password was derived for another region than the endpoint, or when the secret key was pasted instead of the derived SMTP password.',
    fix: FIX_ROTATE, source: SES_SMTP_DOC,
  },
  {
    id: 'ses.sigv2-credentials', text: /Maximum SigV2 SMTP sending rate exceeded/i, impliesProvider: 'Amazon SES',
    category: 'relay-sigv2-credentials', confidence: 0.95,
    explanation: 'The SMTP credentials were made with the SigV2 algorithm (before 2019-01-10), which SES throttles and is retiring.',
    fix: FIX_ROTATE, source: SES_CREDS_DOC,
  },
  {
    id: 'ses.throttling', replyCode: /^454$/, text: /Throttling failure|Maximum sending rate exceeded|Daily message quota exceeded/i, impliesProvider: 'Amazon SES',
    category: 'ses-throttled', confidence: 0.95,
    explanation: 'SES refused because the account\'s 24-hour quota or maximum send rate is used up (sandbox: 200 messages a day, 1 a second).',
    fix: 'Slow the sender down, or request a higher quota (or production access) in the SES console for that region.',
    source: SES_SMTP_DOC,
  },
  {
    id: 'ses.temporary-auth-failure', replyCode: /^454$/, text: /Temporary (?:authentication|service) failure/i, impliesProvider: 'Amazon SES',
    category: 'ses-temporary-failure', confidence: 0.8,
    explanation: 'A temporary failure inside SES; the client should retry.',
    fix: 'Retry later; if it persists, check the AWS Health Dashboard for SES in that region.',
    source: SES_SMTP_DOC,
  },
  {
    id: 'ses.access-denied-sendrawemail', text: /not authorized to perform:? ?ses:Send(?:Raw)?Email/i, impliesProvider: 'Amazon SES',
    category: 'relay-not-authorized', confidence: 0.95,
    explanation: 'The IAM user behind the SMTP credentials lacks ses:SendRawEmail on the identity, or a sending-authorization policy or SCP denies it.',
    fix: 'Attach a policy allowing ses:SendRawEmail on the identity ARN to the SMTP IAM user (check with IAM SimulatePrincipalPolicy).',
    source: SES_SMTP_DOC,
  },
  {
    id: 'ses.identity-not-verified', text: /Email address is not verified|identities failed the check in region/i, impliesProvider: 'Amazon SES',
    category: 'ses-identity-not-verified', confidence: 0.95,
    explanation: 'SES accepts mail only from identities verified in the region of the endpoint; in the sandbox every recipient must be verified too.',
    fix: 'Verify the sending domain (or address) in this SES region, or send through the region where it is verified; leave the sandbox to send to unverified recipients.',
    source: SES_SMTP_DOC,
  },
  {
    id: 'ses.mail-from-not-verified', text: /MailFromDomainNotVerified|MAIL FROM domain (?:is )?not verified/i, impliesProvider: 'Amazon SES',
    category: 'ses-mail-from-not-verified', confidence: 0.9,
    explanation: 'The identity uses a custom MAIL FROM domain whose MX is missing or wrong, and its behaviour on MX failure is REJECT_MESSAGE.',
    fix: 'Publish exactly one MX `10 feedback-smtp.<region>.amazonses.com` and `v=spf1 include:amazonses.com ~all` on the MAIL FROM domain, or set the behaviour to USE_DEFAULT_VALUE.',
    source: 'https://docs.aws.amazon.com/ses/latest/dg/mail-from.html',
  },
  {
    id: 'ses.suppressed', text: /suppressed sending to this address|OnAccountSuppressionList|on the (?:account-level |global )?suppression list|^Address blacklisted/i, impliesProvider: 'Amazon SES',
    category: 'suppressed', confidence: 0.95,
    explanation: 'SES did not attempt delivery: the address is on the account-level or global suppression list after earlier bounces or complaints.',
    fix: 'Fix the recipient-side cause first, then remove the address from the account suppression list (SESv2 DeleteSuppressedDestination).',
    source: 'https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html',
  },
  // ---- Exchange Online / Outlook.com ----
  {
    id: 'exo.5.4.1-dbeb-access-denied', provider: MICROSOFT, status: /^5\.4\.1$/, text: /Recipient address rejected: Access denied|AS\(201806281\)/i,
    category: 'recipient-unknown', confidence: 0.95,
    explanation: 'Exchange Online\'s Directory-Based Edge Blocking rejected the address: it does not exist in the recipient\'s tenant (AS(201806281)). Removing the address from a suppression list alone will not help.',
    fix: FIX_RECIPIENT_ADDRESS, source: EXO_DBEB_DOC,
  },
  {
    id: 'exo.5.4.1-relay-access-denied', provider: MICROSOFT, status: /^5\.4\.1$/, text: /Relay Access Denied/i,
    category: 'recipient-domain-not-hosted', confidence: 0.9,
    explanation: 'The Exchange Online tenant the MX points to does not accept the recipient\'s domain (not an accepted domain there, or MX points to the wrong tenant).',
    fix: 'The recipient\'s administrator must add the domain as an accepted domain in the tenant or correct the MX record.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.recipient-not-found', provider: MICROSOFT, text: /RESOLVER\.ADR\.Recip(?:ient)?NotFound|unknown recipient or mailbox unavailable/i,
    category: 'recipient-unknown', confidence: 0.9,
    explanation: 'Exchange could not find the recipient in its directory.',
    fix: FIX_RECIPIENT_ADDRESS, source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.1.10-recipient-not-found', provider: MICROSOFT, status: /^5\.1\.10$/,
    category: 'recipient-unknown', confidence: 0.9,
    explanation: 'Exchange Online: recipient not found (5.1.10 is Microsoft\'s code for a missing address, not RFC 7505\'s null MX).',
    fix: FIX_RECIPIENT_ADDRESS, source: EXO_NDR_DOC,
  },
  {
    id: 'exo.auth-required', provider: MICROSOFT, text: /RESOLVER\.RST\.(?:AuthRequired|NotAuthorized|RestrictedToRecipientsPermission|SenderNotAuthenticated)/i,
    category: 'recipient-restricted', confidence: 0.85,
    explanation: 'The recipient (often a group or distribution list) accepts mail only from authenticated or permitted senders.',
    fix: 'The recipient\'s administrator must allow external senders for that recipient, or add the sender to its permitted list.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.12-restricted', provider: MICROSOFT, status: /^5\.7\.(?:12|124|13[3-6])$/,
    category: 'recipient-restricted', confidence: 0.9,
    explanation: 'Exchange Online: the recipient accepts mail only from internal or specifically permitted senders.',
    fix: 'The recipient\'s administrator must allow external senders (or this sender) for that mailbox or group.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.23-spf', provider: MICROSOFT, status: /^5\.7\.23$/,
    category: 'sender-authentication-failed', confidence: 0.9,
    explanation: 'Exchange Online rejected the message for an SPF violation.',
    fix: FIX_AUTH_RECORDS, source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.57-unauthenticated-submission', provider: MICROSOFT, status: /^5\.7\.57$/,
    category: 'relay-auth-required', confidence: 0.9,
    explanation: 'The client tried to send through Exchange Online without authenticating.',
    fix: 'Configure the client to authenticate (SMTP AUTH) before sending.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.139-smtp-auth-disabled', provider: MICROSOFT, status: /^5\.7\.139$/,
    category: 'relay-login-failed', confidence: 0.9,
    explanation: 'SMTP AUTH is disabled for the tenant or mailbox, so the login fails whatever the password.',
    fix: 'Enable SMTP AUTH for the mailbox or tenant, or relay through SES instead.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.509-dmarc-reject', status: /^5\.7\.509$/, text: /DMARC/i, impliesProvider: 'Exchange Online',
    category: 'sender-authentication-failed', confidence: 0.95,
    explanation: 'Microsoft rejected the message: the sending domain fails DMARC and publishes p=reject.',
    fix: FIX_AUTH_RECORDS, source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.515-auth-level', status: /^5\.7\.515$/, impliesProvider: 'Outlook.com',
    category: 'sender-authentication-failed', confidence: 0.95,
    explanation: 'Outlook.com requires SPF, DKIM and DMARC alignment from bulk senders; the From domain does not meet it.',
    fix: FIX_AUTH_RECORDS, source: 'https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/strengthening-email-ecosystem-outlook%E2%80%99s-new-requirements-for-high%E2%80%90volume-senders/4399730',
  },
  {
    id: 'exo.5.7.6xx-banned-ip', status: /^5\.7\.6(?:0[6-9]|[1-4]\d)$/, impliesProvider: 'Exchange Online',
    category: 'sending-ip-blocked', confidence: 0.9,
    explanation: 'Microsoft has banned the sending IP (5.7.606-5.7.649).',
    fix: `Request delisting at https://sender.office.com/. ${FIX_SES_IP}`, source: EXO_NDR_DOC,
  },
  {
    id: 'exo.5.7.7xx-tenant-blocked', provider: MICROSOFT, status: /^5\.7\.7(?:[0-4]\d|50)$/,
    category: 'sending-ip-blocked', confidence: 0.85,
    explanation: 'Exchange Online does not accept traffic from that tenant, IP or unregistered domain (5.7.700-5.7.750).',
    // Who can act (issue 11): the recipient's administrator, AWS for shared SES IPs; never "open a Microsoft case" for another tenant.
    fix: 'The block is on the sending IP or tenant, and only others can lift it: ask the recipient\'s Exchange Online administrator to check their Tenant Allow/Block List and connectors (only they can open a Microsoft case for their tenant); from SES\'s shared IPs, also open an AWS Support case with the NDR. If you send through your own Microsoft 365 tenant, 5.7.705/5.7.708 mean it or its IP exceeded Microsoft\'s threshold (look for compromised accounts) and 5.7.750 that the sending domain is not an accepted domain of it.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.4.7.5xx-throttled', provider: MICROSOFT, status: /^4\.7\.(?:[5-6]\d\d)$/,
    category: 'rate-limited', confidence: 0.85,
    explanation: 'Exchange Online is temporarily throttling the sender (4.7.500-4.7.699).',
    fix: 'Nothing to change at once: SES retries. If it persists, reduce the sending rate to that domain and check the IP\'s reputation.',
    source: EXO_NDR_DOC,
  },
  {
    id: 'exo.4.4.3xx-dns-failure', provider: MICROSOFT, status: /^[45]\.4\.3\d\d$/,
    category: 'network-error', confidence: 0.85,
    explanation: 'Exchange could not route to the recipient\'s domain: the DNS query for it failed or gave no usable record (4.4.3xx/5.4.3xx).',
    fix: 'Check the recipient domain\'s MX and A records with the recipient\'s DNS administrator.',
    source: EXO_NDR_DOC,
  },
  // ---- Google (Gmail, Workspace) ----
  {
    id: 'google.5.7.26-unauthenticated', provider: GOOGLE, status: /^5\.7\.26$/,
    category: 'sender-authentication-failed', confidence: 0.95,
    explanation: 'Gmail rejected the message as unauthenticated or failing the From domain\'s DMARC policy.',
    fix: FIX_AUTH_RECORDS, source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.5.7.27-spf', provider: GOOGLE, status: /^5\.7\.27$/,
    category: 'sender-authentication-failed', confidence: 0.95,
    explanation: 'Gmail: SPF failed for the MAIL FROM domain (Google uses 5.7.27 for SPF, not RFC 7505\'s null MX sender).',
    fix: FIX_AUTH_RECORDS, source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.5.7.30-dkim', provider: GOOGLE, status: /^5\.7\.30$/,
    category: 'sender-authentication-failed', confidence: 0.95,
    explanation: 'Gmail: DKIM did not pass for the message.',
    fix: FIX_AUTH_RECORDS, source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.x.7.32-alignment', provider: GOOGLE, status: /^[45]\.7\.32$/,
    category: 'sender-authentication-failed', confidence: 0.9,
    explanation: 'Gmail: the From domain is not aligned with the SPF or DKIM domain.',
    fix: FIX_AUTH_RECORDS, source: GOOGLE_SENDER_DOC,
  },
  {
    id: 'google.5.7.25-ptr', provider: GOOGLE, status: /^[45]\.7\.25$/,
    category: 'ptr-required', confidence: 0.9,
    explanation: 'Gmail: the sending IP has no PTR record or it does not match.',
    fix: 'Relay through SES (its IPs have matching PTRs) or give the sending IP a forward-confirmed reverse DNS name.',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.x.7.28-rate', provider: GOOGLE, status: /^[45]\.7\.28$/,
    category: 'rate-limited', confidence: 0.9,
    explanation: 'Gmail saw an unusual rate of mail from the IP or domain and is limiting it.',
    fix: 'Slow down sending to Gmail and check complaint rates (Postmaster Tools).',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.4.7.0-unusual-rate', provider: GOOGLE, status: /^4\.7\.0$/, text: /unusual rate|rate limit/i,
    category: 'rate-limited', confidence: 0.85,
    explanation: 'Gmail is temporarily rate-limiting the sender.',
    fix: 'Slow down sending to Gmail and check complaint rates (Postmaster Tools).',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.5.7.1-reputation', provider: GOOGLE, status: /^[45]\.7\.1$/, text: /low reputation/i,
    category: 'low-reputation', confidence: 0.9,
    explanation: 'Gmail blocked the message because of the very low reputation of the sending IP or domain.',
    fix: 'Check the domain and IP reputation in Google Postmaster Tools; on SES shared IPs contact AWS support, and reduce complaint rates.',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.5.7.1-unsolicited', provider: GOOGLE, status: /^[45]\.7\.1$/, text: /unsolicited|spam/i,
    category: 'spam-detected', confidence: 0.85,
    explanation: 'Gmail judged the message likely unsolicited.',
    fix: 'Review the content and the list hygiene; make sure SPF, DKIM and DMARC pass.',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.5.7.1-not-rfc5322', provider: GOOGLE, status: /^5\.7\.1$/, text: /RFC 5322/i,
    category: 'content-error', confidence: 0.85,
    explanation: 'Gmail refused a message that is not RFC 5322 compliant (for example duplicate or missing headers).',
    fix: 'Fix the message headers generated by the sending application (one From, one Date, one Message-ID...).',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.5.2.1-disabled', provider: GOOGLE, status: /^5\.2\.1$/, text: /disabled|inactive|suspended/i,
    category: 'mailbox-disabled', confidence: 0.9,
    explanation: 'Google: the recipient\'s account is disabled or inactive.',
    fix: 'Ask the recipient for a working address; remove the address from the mailing list.',
    source: GOOGLE_SMTP_DOC,
  },
  {
    id: 'google.535-5.7.8-login', provider: GOOGLE, replyCode: /^535$/, status: /^5\.7\.8$/,
    category: 'relay-login-failed', confidence: 0.9,
    explanation: 'Google refused a login: this is a Gmail/Workspace account\'s own username and password failing, not an SES credential.',
    fix: 'Use the right Google account password or an app password (or OAuth); for SES relaying, check the SMTP server setting points at email-smtp.<region>.amazonaws.com.',
    source: 'https://support.google.com/mail/?p=BadCredentials',
  },
  {
    id: 'google.534-5.7.9-app-password', provider: GOOGLE, replyCode: /^534$/, status: /^5\.7\.9$/,
    category: 'relay-login-failed', confidence: 0.9,
    explanation: 'Google requires an application-specific password or OAuth for this login.',
    fix: 'Create an app password for the Google account or use OAuth.',
    source: 'https://support.google.com/mail/?p=InvalidSecondFactor',
  },
  {
    id: 'google.null-mx', provider: GOOGLE, text: /doesn't receive email according to the administrator|null MX/i,
    category: 'recipient-domain-no-mail', confidence: 0.85,
    explanation: 'Google found that the recipient domain publishes a null MX (RFC 7505): it receives no email.',
    fix: 'The address cannot receive mail; ask the recipient for another address.',
    source: 'https://support.google.com/mail/answer/7720; RFC 7505',
  },
  {
    id: 'google.dns-error', provider: GOOGLE, text: /DNS Error:|DNS type 'mx' lookup/i,
    category: 'network-error', confidence: 0.8,
    explanation: 'Google could not resolve the recipient domain\'s mail servers (a DNS error, which Google treats as temporary and retries).',
    fix: 'Check the recipient domain name for typos and its DNS (NS and MX records) with the recipient.',
    source: 'https://support.google.com/mail/answer/7720',
  },
  {
    id: 'google.connect-refused', provider: GOOGLE, text: /did not accept our requests to connect/i,
    category: 'delivery-expired', confidence: 0.85,
    explanation: 'Google could not connect to the recipient\'s mail server (timeouts or refused connections) and kept retrying.',
    fix: 'The recipient\'s mail server is unreachable: the recipient\'s administrator must check it and its MX records.',
    source: 'https://support.google.com/mail/answer/7720',
  },
  // ---- Yahoo / AOL ----
  {
    id: 'yahoo.5.7.9-policy', provider: ['Yahoo'], status: /^5\.7\.9$/,
    category: 'policy-violation', confidence: 0.85,
    explanation: 'Yahoo did not accept the message for policy reasons (often authentication or content).',
    fix: `${FIX_AUTH_RECORDS} Then review the content against Yahoo's sender requirements.`, source: YAHOO_DOC,
  },
  {
    // Yahoo's TSS04 names user complaints (reputation); TS01-TS03 are connection deferrals.
    id: 'yahoo.tss04-deferred', provider: ['Yahoo'], text: /\[TSS04\]|temporarily deferred due to unexpected volume or user complaints/i,
    category: 'low-reputation', confidence: 0.85,
    explanation: 'Yahoo is deferring mail from the sender because of unexpected volume or user complaints: the sender\'s reputation with Yahoo is low.',
    fix: 'Lower the complaint rate (list hygiene, easy unsubscribe) and the sending rate to Yahoo; messages are retried. Check the sending IP and domain in Yahoo\'s Sender Hub.',
    source: YAHOO_DOC,
  },
  {
    id: 'yahoo.ts0x-deferred', provider: ['Yahoo'], text: /\[TS0[1-3]\]/i,
    category: 'rate-limited', confidence: 0.85,
    explanation: 'Yahoo is deferring connections from the sender.',
    fix: 'Reduce the sending rate to Yahoo; messages are retried.',
    source: YAHOO_DOC,
  },
  {
    id: 'yahoo.tss09-blocked', provider: ['Yahoo'], text: /\[TSS09\]|permanently deferred/i,
    category: 'sending-ip-blocked', confidence: 0.85,
    explanation: 'Yahoo permanently defers mail from the sending IP.',
    fix: FIX_SES_IP, source: YAHOO_DOC,
  },
  // ---- Google Groups (a provider fallback: the group page gives no code) ----
  {
    id: 'googlegroups.spam', provider: ['Google Groups'], text: /spam/i,
    category: 'spam-detected', confidence: 0.85,
    explanation: 'The Google Group classified the post as spam.',
    fix: 'Ask the group owner to approve the sender, and make sure SPF, DKIM and DMARC pass.',
    source: 'https://support.google.com/groups/answer/2464926',
  },
  {
    id: 'googlegroups.post-rejected', provider: ['Google Groups'], replyCode: /^$/,
    category: 'group-post-rejected', confidence: 0.7,
    explanation: 'The Google Group refused the post: the group does not exist, or the sender may not post to it.',
    fix: 'Check the group address, and ask its owner to let this sender (or external senders) post.',
    source: 'https://support.google.com/groups/answer/2464926',
  },

  // ======================= 2. Precise status rows =======================
  {
    id: 'status.5.2.1-unknown-after-rcpt', status: /^5\.2\.1$/, command: /^(?!RCPT)/, text: /unknown|not found|does not exist|no such/i,
    category: 'mailbox-not-accepting', confidence: 0.6,
    explanation: 'The server said "unknown" but with X.2.1 (mailbox disabled, not accepting messages) and not in answer to RCPT TO: the mailbox was accepted, then refused this message (a filter or a disabled mailbox). A definitive unknown user is refused at RCPT TO.',
    fix: 'Ask the recipient whether the mailbox is active and whether a filter refuses the sender.', source: 'RFC 3463 X.2.1; sisimai reason "filtered"',
  },
  { id: 'status.x.1.1-bad-mailbox', status: /^[45]\.1\.1$/, category: 'recipient-unknown', confidence: 0.9, explanation: 'X.1.1: the mailbox does not exist at the receiving server.', fix: FIX_RECIPIENT_ADDRESS, source: RFC3463 },
  { id: 'status.x.1.2-bad-system', status: /^[45]\.1\.2$/, category: 'recipient-host-unknown', confidence: 0.85, explanation: 'X.1.2: the recipient\'s domain or host does not exist or cannot take mail.', fix: 'Check the domain part of the address for typos; the domain needs MX (or A) records.', source: RFC3463 },
  { id: 'status.x.1.6-moved', status: /^[45]\.1\.6$/, category: 'recipient-moved', confidence: 0.85, explanation: 'X.1.6: the mailbox has moved and no forwarding address is known.', fix: 'Ask the recipient for the new address.', source: RFC3463 },
  { id: 'status.x.1.7-bad-sender', status: /^[45]\.1\.[78]$/, category: 'sender-rejected', confidence: 0.85, explanation: 'X.1.7/X.1.8: the receiver refused the envelope sender address or its domain (for example the MAIL FROM domain does not resolve).', fix: 'Make sure the MAIL FROM domain resolves (MX or A); with a custom MAIL FROM in SES, its MX must point to feedback-smtp.<region>.amazonses.com.', source: RFC3463 },
  { id: 'status.x.1.10-null-mx', status: /^[45]\.1\.10$/, category: 'recipient-domain-no-mail', confidence: 0.8, explanation: 'X.1.10 (RFC 7505): the recipient domain publishes a null MX: it accepts no mail.', fix: 'The address cannot receive mail; ask the recipient for another address.', source: 'RFC 7505 section 4.2' },
  { id: 'status.x.2.2-mailbox-full', status: /^[45]\.2\.2$/, category: 'mailbox-full', confidence: 0.9, explanation: 'X.2.2: the recipient\'s mailbox is full.', fix: 'The recipient must free space; SES retries soft bounces, so nothing to change on the sending side.', source: RFC3463 },
  { id: 'status.x.2.3-too-long', status: /^[45]\.2\.3$/, category: 'exceeds-limit', confidence: 0.85, explanation: 'X.2.3: the message is longer than the recipient\'s per-message limit.', fix: 'Send a smaller message (link large attachments instead).', source: RFC3463 },
  { id: 'status.x.3.1-system-full', status: /^[45]\.3\.1$/, category: 'remote-system-full', confidence: 0.85, explanation: 'X.3.1: the receiving mail system is out of storage.', fix: 'Nothing to change on the sending side: the recipient\'s administrator must free space; retries will follow.', source: RFC3463 },
  { id: 'status.x.3.4-too-big', status: /^[45]\.3\.4$/, category: 'message-too-big', confidence: 0.9, explanation: 'X.3.4: the message is larger than the receiving system accepts.', fix: 'Send a smaller message (link large attachments instead).', source: RFC3463 },
  { id: 'status.x.4.4-unable-to-route', status: /^[45]\.4\.4$/, category: 'recipient-host-unknown', confidence: 0.8, explanation: 'X.4.4: no route to the recipient\'s domain (no MX or A record).', fix: 'Check the recipient domain\'s MX records and the domain for typos.', source: RFC3463 },
  { id: 'status.x.4.1-no-answer', status: /^[45]\.4\.[127]$/, category: 'delivery-expired', confidence: 0.8, explanation: 'X.4.1/X.4.2/X.4.7: the recipient\'s server did not answer or dropped the connection until the delivery time expired.', fix: 'The recipient\'s mail server is unreachable or too slow: its administrator must check it; retries are automatic.', source: RFC3463 },
  { id: 'status.x.7.8-auth-invalid', replyCode: /^53[45]$/, status: /^5\.7\.[89]$/, category: 'relay-login-failed', confidence: 0.85, explanation: 'X.7.8/X.7.9 on a 53x reply (RFC 4954): the SMTP login was refused (bad credentials or too weak a mechanism).', fix: 'Check the SMTP username and password configured in the sending client.', source: 'RFC 4954 section 6' },
  { id: 'status.x.7.13-account-disabled', status: /^[45]\.7\.13$/, category: 'mailbox-disabled', confidence: 0.8, explanation: 'X.7.13: the recipient\'s account is disabled.', fix: 'Ask the recipient for a working address.', source: 'RFC 3463 (IANA registry additions)' },
  { id: 'status.x.7.25-ptr', status: /^[45]\.7\.25$/, category: 'ptr-required', confidence: 0.9, explanation: 'X.7.25: reverse DNS validation of the sending IP failed.', fix: 'Relay through SES (its IPs have matching PTRs) or give the sending IP a forward-confirmed reverse DNS name.', source: RFC7372 },
  { id: 'status.x.7.27-null-mx-sender', status: /^[45]\.7\.27$/, category: 'sender-null-mx', confidence: 0.7, explanation: 'X.7.27 (RFC 7505): the sender\'s domain publishes a null MX, so it cannot receive bounces.', fix: 'Use a MAIL FROM domain that can receive mail (SES custom MAIL FROM with its feedback MX).', source: 'RFC 7505 section 4.3' },
  { id: 'status.x.7.28-flood', status: /^[45]\.7\.28$/, category: 'rate-limited', confidence: 0.8, explanation: 'X.7.28: the receiver detected a mail flood from the sender.', fix: 'Reduce the sending rate and check the complaint rate.', source: RFC7372 },
  { id: 'status.x.7.2x-authentication', status: /^[45]\.7\.(?:2[0-46-9]|30)$/, category: 'sender-authentication-failed', confidence: 0.9, explanation: 'X.7.20-X.7.29: SPF, DKIM, DMARC or ARC checks failed at the receiver.', fix: FIX_AUTH_RECORDS, source: RFC7372 },

  // ======================= 3. Text rows =======================
  { id: 'text.complaint', text: /^Complaint:/, category: 'complaint', confidence: 0.9, explanation: 'A complaint (feedback report): the recipient marked the message as spam. It was delivered; it is not a bounce.', fix: 'Stop sending to this recipient; SES adds complained addresses to the suppression list when COMPLAINT suppression is on.', source: 'RFC 5965 (ARF); https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html' },
  { id: 'text.delivered', text: /^Delivered:/, category: 'delivered', confidence: 0.9, explanation: 'A delivery notification: the receiving server accepted the message.', fix: '', source: 'RFC 3464 (Action: delivered); SES delivery notifications' },
  { id: 'text.sender-authentication', text: /DMARC|fails? to pass SPF|SPF (?:check|validation|record)[^\n]{0,40}fail|DKIM[^\n]{0,30}(?:fail|invalid|missing)|authentication checks failed|not pass[^\n]{0,60}authentication|required authentication level|Unauthenticated email/i, category: 'sender-authentication-failed', confidence: 0.8, explanation: 'The receiver says SPF, DKIM or DMARC did not pass for the sender.', fix: FIX_AUTH_RECORDS, source: RFC7372 },
  { id: 'text.ptr', text: /reverse DNS|\bPTR\b|\brDNS\b|reverse (?:lookup|hostname)/i, category: 'ptr-required', confidence: 0.75, explanation: 'The receiver requires a matching reverse DNS name for the sending IP.', fix: 'Relay through SES (its IPs have matching PTRs) or give the sending IP a forward-confirmed reverse DNS name.', source: RFC7372 },
  { id: 'text.account-disabled', text: /account (?:has been |is )?(?:disabled|discontinued|suspended|inactive|deactivated|locked)|mailbox (?:is |has been )?(?:disabled|inactive|suspended|frozen)|user (?:account )?(?:is )?(?:disabled|suspended|inactive)/i, category: 'mailbox-disabled', confidence: 0.8, explanation: 'The recipient\'s account is disabled or suspended.', fix: 'Ask the recipient for a working address; remove this one from the list.', source: 'sisimai reason "suspend" (https://libsisimai.org/en/reason/#suspend)' },
  { id: 'text.user-unknown', text: /no such (?:user|mailbox|recipient|account|address)|(?:user|recipient|mailbox|address|account) (?:name )?(?:is )?(?:unknown|not found|not recognized|invalid|does not exist|doesn't exist)|unknown (?:user|recipient|mailbox|address)|recipient name is not recognized|RecipNotFound|RecipientNotFound|email address you entered couldn't be found|wasn't found at the destination|does not exist here|mailbox unavailable|invalid (?:recipient|mailbox)|user doesn't have a|address rejected: (?:user|recipient) unknown/i, category: 'recipient-unknown', confidence: 0.8, explanation: 'The receiving server says the recipient address does not exist.', fix: FIX_RECIPIENT_ADDRESS, source: 'sisimai reason "userunknown" (https://libsisimai.org/en/reason/#userunknown); RFC 5321 550' },
  { id: 'text.mailbox-full', text: /mailbox (?:is )?full|over (?:the )?quota|quota exceeded|exceeded (?:the |their |storage )?(?:storage|quota)|mailbox size limit|insufficient (?:storage|space) (?:for|in) (?:the )?(?:user|mailbox)|full mailbox/i, category: 'mailbox-full', confidence: 0.8, explanation: 'The recipient\'s mailbox is full.', fix: 'The recipient must free space; nothing to change on the sending side.', source: 'sisimai reason "mailboxfull"' },
  { id: 'text.too-big', text: /message (?:size |length )?(?:is )?too (?:big|large)|size limit exceeded|exceeds (?:the )?(?:maximum |max )?(?:message |allowed )?size|message size exceeds|mail size limit/i, category: 'message-too-big', confidence: 0.8, explanation: 'The message is larger than the receiver accepts.', fix: 'Send a smaller message (link large attachments instead).', source: 'sisimai reason "mesgtoobig"' },
  { id: 'text.system-full', text: /insufficient (?:disk|system) (?:space|storage)|disk (?:is )?full|out of (?:disk )?space/i, category: 'remote-system-full', confidence: 0.8, explanation: 'The receiving mail system is out of storage.', fix: 'Nothing to change on the sending side; the recipient\'s administrator must free space.', source: 'sisimai reason "systemfull"' },
  { id: 'text.relay-denied', text: /relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)|unable to relay|we do not relay|not permitted to relay|relay not permitted/i, category: 'recipient-domain-not-hosted', confidence: 0.8, explanation: 'The server that answered does not accept mail for the recipient\'s domain (relaying denied): the MX may point to the wrong server.', fix: 'The recipient\'s administrator must check the MX records and accepted domains.', source: 'sisimai reason "norelaying"' },
  { id: 'text.null-mx', text: /no SMTP service|null MX|does not accept (?:e-?)?mail|domain does not receive mail/i, category: 'recipient-domain-no-mail', confidence: 0.8, explanation: 'The recipient domain says it accepts no mail (null MX or no SMTP service).', fix: 'The address cannot receive mail; ask the recipient for another address.', source: 'RFC 7505' },
  { id: 'text.host-unknown', text: /domain (?:is )?not (?:reachable|found)|host(?:name)? (?:not found|unknown)|unknown host|no such domain|domain (?:does not|doesn't) exist|unrouteable (?:mail )?domain|Host or domain name not found|NXDOMAIN/i, category: 'recipient-host-unknown', confidence: 0.75, explanation: 'The recipient\'s domain or mail host could not be found.', fix: 'Check the domain part of the address for typos; the domain needs MX (or A) records.', source: 'sisimai reason "hostunknown"' },
  { id: 'text.blocklisted', text: /blocked using|listed (?:in|on|at|by) |block ?list|black ?list|spamhaus|spamcop|barracuda|\bRBL\b|\bDNSBL\b|banned sending IP|client host rejected|smtp server of your ISP|dynamic(?:ally assigned)? IP|dial-?up|residential IP|IP (?:address )?(?:is )?blocked|blocked by/i, category: 'sending-ip-blocked', confidence: 0.8, explanation: 'The receiver refused the sending IP or host (a block list, or a policy against the client host).', fix: FIX_SES_IP, source: 'sisimai reason "blocked"' },
  { id: 'text.low-reputation', text: /(?:low|poor|bad) reputation|reputation of the sending/i, category: 'low-reputation', confidence: 0.8, explanation: 'The receiver rates the sender\'s reputation too low.', fix: 'Check the IP and domain reputation (Google Postmaster Tools, Microsoft SNDS) and reduce complaint rates.', source: 'sisimai reason "badreputation"' },
  { id: 'text.rate-limited', text: /too many (?:connections|concurrent|messages|emails|mails|recipients per)|rate limit|frequency limit|throttl|connection limit|exceeded the (?:rate|sending) limit/i, category: 'rate-limited', confidence: 0.75, explanation: 'The receiver is limiting how fast the sender may deliver.', fix: 'Reduce the sending rate to that domain; deferred messages are retried.', source: 'sisimai reason "toomanyconn"' },
  { id: 'text.spam', text: /\bspam\b|unsolicited|junk mail|bulk mail/i, category: 'spam-detected', confidence: 0.75, explanation: 'The receiver classified the message as spam.', fix: 'Review the content and list hygiene; make sure SPF, DKIM and DMARC pass.', source: 'sisimai reason "spamdetected"' },
  { id: 'text.policy', text: /policy (?:reasons|violation)|violat\w{0,10} (?:our|the|local|site) (?:\w+ )?polic|against (?:our|the) polic/i, category: 'policy-violation', confidence: 0.75, explanation: 'The receiver refused the message under its mail policy.', fix: 'Read the provider\'s linked policy page; usually authentication (SPF, DKIM, DMARC) or content.', source: 'sisimai reason "policyviolation"' },
  { id: 'text.content-filter', text: /header error|content (?:filter|rejected)|filtered|message (?:content )?(?:was )?(?:rejected|refused) (?:by|due to) (?:a |the )?(?:content|filter)/i, category: 'content-filtered', confidence: 0.7, explanation: 'A content or header filter at the receiver refused the message.', fix: 'Review the message headers and content produced by the sending application.', source: 'sisimai reason "filtered"' },
  { id: 'text.starttls', text: /STARTTLS|does not support TLS|TLS (?:is )?required|TLS negotiation failed|encryption required|must use TLS/i, category: 'tls-required', confidence: 0.8, explanation: 'TLS was required for the connection and could not be set up.', fix: 'The recipient\'s server must offer working STARTTLS, or the sender must allow it (SES TlsPolicy REQUIRE needs it).', source: 'sisimai reason "failedstarttls"' },
  { id: 'text.auth-required', text: /authentication required|must authenticate|unauthenticated senders? not allowed|sender is not authenticated|client was not authenticated|SMTP AUTH(?:entication)? (?:is )?required/i, category: 'relay-auth-required', confidence: 0.8, explanation: 'The server requires SMTP authentication before it accepts mail.', fix: 'Configure the client to log in (for SES: the SMTP username AKIA... and the derived password).', source: 'RFC 4954 (530 5.7.0)' },
  { id: 'text.sender-rejected', text: /sender (?:address )?(?:rejected|refused|denied|invalid|verify failed)|sender domain (?:does not exist|not found|must resolve)|domain of sender address[^\n]{0,80}does not exist/i, category: 'sender-rejected', confidence: 0.75, explanation: 'The receiver refused the envelope sender address or its domain.', fix: 'Make sure the MAIL FROM domain resolves (MX or A) and is not blocked by the receiver.', source: 'sisimai reason "rejected"' },
  { id: 'text.dns-failure', text: /DNS (?:query|lookup) failed|DNS Error|temporary DNS|SERVFAIL/i, category: 'network-error', confidence: 0.75, explanation: 'A DNS lookup for the recipient\'s domain failed.', fix: 'Check the recipient domain\'s DNS (NS, MX) with the recipient.', source: 'sisimai reason "networkerror"' },
  { id: 'text.expired', text: /timed? ?out|connection (?:refused|reset|closed|lost)|could not connect|unable to connect|no route to host|message expired|has expired|expired|unable to deliver in|retry time(?:out)? (?:not reached|exceeded)|gave up|too long in (?:the )?queue|has been delayed|have been delayed|will be retried|delivery (?:is |was )?delayed/i, category: 'delivery-expired', confidence: 0.7, explanation: 'The recipient\'s server could not be reached or answered too slowly; delivery was delayed or given up.', fix: 'The recipient\'s mail server is unreachable: its administrator must check it and its MX records. SES retries soft failures on its own.', source: 'sisimai reason "expired"' },
  { id: 'text.mailer-error', text: /mailer error|command (?:died|failed) with|pipe to \|/i, category: 'mailer-error', confidence: 0.7, explanation: 'A delivery program at the receiver failed.', fix: 'The recipient\'s administrator must fix the local delivery program.', source: 'sisimai reason "mailererror"' },
  { id: 'text.syntax', text: /syntax error|improper sequence|bad sequence|command not recognized|unrecognized command/i, category: 'syntax-error', confidence: 0.75, explanation: 'The receiver did not understand the SMTP dialogue.', fix: 'Check the sending client or relay; SES itself speaks correct SMTP.', source: 'sisimai reason "syntaxerror"' },
  { id: 'text.access-denied', text: /access denied|not authori[sz]ed|permission denied|not permitted/i, category: 'security-policy', confidence: 0.6, explanation: 'The receiver refused delivery for a security or access reason it does not detail.', fix: 'Ask the recipient\'s administrator which policy blocked the sender.', source: 'sisimai reason "securityerror"' },

  // ======================= 4. Class and reply-code rows =======================
  { id: 'class.2.x.x-success', status: /^2\.\d{1,3}\.\d{1,3}$/, category: 'delivered', confidence: 0.8, explanation: 'A 2.x.x status: the message was delivered or relayed.', fix: '', source: RFC3463 },
  { id: 'class.x.1.x-address', status: /^5\.1\.\d{1,3}$/, category: 'recipient-unknown', confidence: 0.5, explanation: 'An X.1.x address status with no more detail: the destination address was refused.', fix: FIX_RECIPIENT_ADDRESS, source: RFC3463 },
  { id: 'class.x.2.x-mailbox', status: /^[45]\.2\.\d{1,3}$/, category: 'mailbox-not-accepting', confidence: 0.55, explanation: 'An X.2.x mailbox status (X.2.1: mailbox disabled, not accepting messages): the mailbox refused the message.', fix: 'Ask the recipient whether the mailbox is active.', source: RFC3463 },
  { id: 'class.x.3.x-system', status: /^[45]\.3\.\d{1,3}$/, category: 'remote-system-error', confidence: 0.6, explanation: 'An X.3.x mail system status: the receiving system failed.', fix: 'Nothing to change on the sending side; the recipient\'s administrator must look at their server.', source: RFC3463 },
  { id: 'class.x.4.x-network', status: /^[45]\.4\.\d{1,3}$/, category: 'network-error', confidence: 0.6, explanation: 'An X.4.x network or routing status: the path to the recipient\'s server failed.', fix: 'Check the recipient domain\'s MX and the reachability of its servers.', source: RFC3463 },
  { id: 'class.x.5.x-protocol', status: /^[45]\.5\.\d{1,3}$/, category: 'syntax-error', confidence: 0.55, explanation: 'An X.5.x protocol status: the SMTP dialogue was refused.', fix: 'Check the sending client or relay.', source: RFC3463 },
  { id: 'class.x.6.x-content', status: /^[45]\.6\.\d{1,3}$/, category: 'content-error', confidence: 0.6, explanation: 'An X.6.x content status: the message format or encoding was refused.', fix: 'Check the message encoding produced by the sending application.', source: RFC3463 },
  { id: 'class.x.7.x-security', status: /^[45]\.7\.\d{1,3}$/, category: 'security-policy', confidence: 0.55, explanation: 'An X.7.x security or policy status: delivery not authorised.', fix: 'Ask the recipient\'s administrator which policy blocked the sender.', source: RFC3463 },
  { id: 'class.4.0.0-temporary', status: /^4\.0\.0$/, category: 'temporary-unspecified', confidence: 0.4, explanation: 'A temporary failure without detail; the sender retries.', fix: 'Wait for retries; if it repeats, ask the recipient\'s administrator.', source: RFC3463 },
  { id: 'code.530-auth-required', replyCode: /^530$/, category: 'relay-auth-required', confidence: 0.8, explanation: '530: authentication required; the client never logged in.', fix: 'Configure the client to log in (for SES: the SMTP username AKIA... and the derived password).', source: SES_SMTP_DOC },
  { id: 'code.535-auth-failed', replyCode: /^53[45]$/, category: 'relay-login-failed', confidence: 0.7, explanation: '535/534: the SMTP login was refused.', fix: 'Check the SMTP username and password configured in the sending client.', source: 'RFC 4954 section 6' },
  { id: 'code.552-storage', replyCode: /^552$/, category: 'mailbox-full', confidence: 0.45, explanation: '552: requested action aborted, exceeded storage allocation.', fix: 'The recipient must free space, or send a smaller message.', source: RFC5321 },
  { id: 'code.550-mailbox-unavailable', replyCode: /^55[03]$/, category: 'recipient-unknown', confidence: 0.4, explanation: '550/553: mailbox unavailable or name not allowed, with no more detail.', fix: FIX_RECIPIENT_ADDRESS, source: RFC5321 },
  { id: 'code.50x-syntax', replyCode: /^50[0-4]$/, category: 'syntax-error', confidence: 0.5, explanation: '50x: the receiver did not accept the SMTP command.', fix: 'Check the sending client or relay.', source: RFC5321 },
  { id: 'code.4xx-temporary', replyCode: /^4\d\d$/, category: 'temporary-unspecified', confidence: 0.35, explanation: 'A 4xx reply: a temporary failure; the sender retries.', fix: 'Wait for retries; if it repeats, ask the recipient\'s administrator.', source: RFC5321 },
];

export const BOUNCE_RULES: readonly BounceRule[] = ROWS.map((row) => ({
  ...row,
  reason: CATEGORIES[row.category].reason,
  layer: CATEGORIES[row.category].layer,
}));

/** Used when no row matches a reply that still looks like one. */
export const UNRECOGNISED_RULE: BounceRule = {
  id: 'fallback.unrecognised',
  category: 'unrecognised',
  reason: 'undefined',
  layer: 'recipient',
  confidence: 0.1,
  explanation: 'No rule recognised this reply; it is quoted as found.',
  fix: 'Read the reply text; if it names a reason, add a rule for it to src/knowledge/bounce/rules.ts.',
  source: 'maildiag',
};
