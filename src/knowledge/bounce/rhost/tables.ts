/**
 * Provider code tables (KNOWLEDGE.md section 7, "Provider code tables"). Each table is chosen by
 * the remote host (`hosts`), the detected provider, or a mark only that provider's replies
 * carry (`textMarks`, e.g. Orange's `OFR_` / `LPN` codes); then the first code entry that
 * matches the reply decides. Entries are the providers' published code meanings.
 */
import type { Provider, SisimaiReason } from '../rules.js';

export interface CodeEntry {
  /** The provider's code, e.g. `IB506`. */
  id: string;
  /** Matched against the reply text (case-insensitive, linear). */
  text: RegExp;
  /** Optional condition on the enhanced status. */
  status?: RegExp;
  /** Optional condition on the SMTP command the reply answered. */
  command?: RegExp;
  reason: SisimaiReason;
}

export interface RemoteHostTable {
  name: string;
  hosts: RegExp;
  providers?: readonly Provider[];
  textMarks?: RegExp;
  /** The table also applies when the reporting MTA (not only the remote host) is the provider's gateway. */
  byReporter?: boolean;
  /** Where the code meanings are published. */
  source: string;
  codes: readonly CodeEntry[];
}

/** Entries for numbered codes: `{ '506': 'spamdetected' }` with the code's own pattern. */
function numbered(codes: Readonly<Record<string, SisimaiReason>>, pattern: (code: string) => RegExp): CodeEntry[] {
  return Object.entries(codes).map(([code, reason]) => ({ id: code, text: pattern(code), reason }));
}

export const REMOTE_HOST_TABLES: readonly RemoteHostTable[] = [
  {
    name: 'Orange/La Poste',
    hosts: /(?:^|\.)(?:orange|wanadoo|laposte)\.(?:fr|net)$/,
    textMarks: /\b(?:OFR|LPN|OUK)\d{0,3}_\d{3}\b/i,
    source: 'Orange postmaster SMTP error codes (https://www.postmastery.com/orange-postmaster-smtp-error-codes-ofr/)',
    codes: numbered(
      {
        '101': 'blocked', '102': 'blocked', '103': 'blocked', '104': 'toomanyconn', '305': 'securityerror', '401': 'authfailure',
        '402': 'securityerror', '403': 'rejected', '405': 'rejected', '415': 'rejected', '416': 'userunknown', '417': 'mailboxfull',
        '418': 'userunknown', '420': 'suspend', '421': 'rejected', '426': 'suspend', '505': 'systemerror', '506': 'spamdetected',
        '510': 'blocked', '514': 'mesgtoobig', '517': 'authfailure', '630': 'policyviolation', '999': 'blocked',
      },
      (code) => new RegExp(String.raw`\b(?:OFR|LPN|OUK)\d{0,3}_${code}\b|\[${code}\]`, 'i'),
    ),
  },
  {
    name: 'GoDaddy',
    hosts: /(?:^|\.)secureserver\.net$/,
    textMarks: /\bIB\d{3}\b/,
    source: 'GoDaddy Help "Fix rejected email with a bounce error" (https://www.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685)',
    codes: numbered(
      { IB212: 'spamdetected', IB401: 'securityerror', IB501: 'notcompliantrfc', IB502: 'notcompliantrfc', IB506: 'rejected' },
      (code) => new RegExp(String.raw`\b${code}\b`),
    ),
  },
  {
    name: 'Microsoft',
    hosts: /(?:^|\.)(?:hotmail|outlook|live|msn)\.com$/,
    providers: ['Outlook.com'],
    textMarks: /\b(?:SC|DY|OU)-00\d\b|\bS3150\b/,
    source: 'Outlook.com postmaster error codes (https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx)',
    codes: [
      { id: 'SC/DY/OU', text: /\b(?:SC|DY|OU)-00\d\b|\bS3150\b/, reason: 'blocked' },
      { id: 'mailbox-unavailable', text: /Requested action not taken: mailbox unavailable/i, reason: 'userunknown' },
    ],
  },
  {
    name: 'Yahoo',
    hosts: /(?:^|\.)(?:yahoo(?:dns)?\.(?:com|net|co\.jp)|yahooinc\.com)$/,
    textMarks: /\bdd This user doesn't have\b/i,
    source: 'Yahoo sender hub, SMTP error codes (https://senders.yahooinc.com/smtp-error-codes/)',
    codes: [{ id: 'dd-no-account', text: /This user doesn't have an? .{1,60} account|dd Requested mailbox not found/i, reason: 'userunknown' }],
  },
  {
    name: 'AOL',
    hosts: /(?:^|\.)aol\.com$/,
    source: 'AOL postmaster error codes (CON, RLY, HVU, DYN, RTR: connection refusals)',
    codes: [{ id: 'connection-codes', text: /\b(?:CON|RLY|HVU|DYN|RTR):[A-Z]{1,2}\d\b/, reason: 'blocked' }],
  },
  {
    name: 'Tencent',
    hosts: /(?:^|\.)qq\.com$/,
    source: 'Tencent QQ Mail postmaster help (https://service.mail.qq.com/)',
    codes: [{ id: 'frequency', text: /frequency limited/i, reason: 'toomanyconn' }],
  },
  {
    name: 'NTT docomo',
    hosts: /(?:^|\.)docomo\.ne\.jp$/,
    source: 'NTT docomo mail filter behaviour (refusal of the sender after DATA)',
    // An X.2 status names the mailbox refusing (filtered); otherwise docomo's DATA-phase "unknown user" refuses the sender.
    codes: [{ id: 'unknown-user-after-data', command: /^DATA$/, status: /^(?![45]\.2\.)/, text: /unknown user/i, reason: 'rejected' }],
  },
  {
    name: 'Facebook',
    hosts: /(?:^|\.)facebook\.com$/,
    textMarks: /postmaster\.facebook\.com\/response_codes/i,
    source: 'Facebook postmaster response codes (http://postmaster.facebook.com/response_codes)',
    codes: [
      { id: 'RCP-P1', text: /\bRCP-P1\b/, reason: 'userunknown' },
      { id: 'RCP-P2', text: /\bRCP-P2\b|Refused due to recipient preferences/i, reason: 'filtered' },
    ],
  },
  {
    name: 'Mimecast',
    hosts: /(?:^|\.)mimecast(?:-offshore)?\.com$/,
    textMarks: /community\.mimecast\.com/i,
    source: 'Mimecast SMTP error codes (https://community.mimecast.com/docs/DOC-1369)',
    codes: [{ id: 'host-network-not-allowed', text: /Host network not allowed/i, reason: 'policyviolation' }],
  },
  {
    name: 'MessageLabs',
    hosts: /(?:^|\.)messagelabs\.com$/,
    byReporter: true,
    source: 'Symantec MessageLabs Email Security.cloud error codes',
    codes: [{ id: 'no-such-user', text: /no such user|user unknown/i, reason: 'userunknown' }],
  },
  {
    name: 'Cox',
    hosts: /(?:^|\.)(?:cox\.net|cloudfilter\.net)$/,
    textMarks: /cox\.com\/.{0,80}error-codes/i,
    source: 'Cox email error codes (https://www.cox.com/residential/support/email-error-codes.html)',
    codes: [{ id: 'sender-rejected', text: /sender rejected|\bCX(?:BL|THRT|MJ|DNS)\b/i, reason: 'blocked' }],
  },
  {
    name: 'Spectrum',
    hosts: /(?:^|\.)(?:charter\.net|rr\.com|spectrum\.net|twc\.com)$/,
    textMarks: /\bAUP#/,
    source: 'Spectrum (Charter) AUP# error codes (https://www.spectrum.net/support/internet/understanding-email-error-codes)',
    codes: [{ id: 'AUP#I-1xxx', text: /AUP#(?:I-)?1\d{3}/, reason: 'blocked' }],
  },
  {
    name: 'Apple iCloud',
    hosts: /(?:^|\.)(?:icloud|me|mac|apple)\.com$/,
    providers: ['iCloud'],
    source: 'Apple iCloud Mail postmaster information (https://support.apple.com/en-us/102322)',
    codes: [
      { id: 'HME1/DMARC', text: /\[HME1\]|failing both spf and dkim|rejected due to [^ ]{1,253} dmarc policy/i, reason: 'authfailure' },
      { id: 'CS01', text: /\[CS01\]|due to local policy/i, reason: 'policyviolation' },
      { id: 'excessive-volume', text: /deferred due to excessive volume/i, reason: 'speeding' },
      { id: 'no-longer-on-server', text: /recipient no longer on server/i, reason: 'hasmoved' },
      { id: 'over-quota', text: /user is over quota/i, reason: 'mailboxfull' },
      { id: 'unknown-address', text: /inactive email address|user does not exist|unknown or illegal alias/i, reason: 'userunknown' },
      { id: 'relay-denied', text: /relay access denied/i, reason: 'norelaying' },
      { id: 'sender-rejected', text: /sender address rejected/i, reason: 'rejected' },
      { id: 'dnsbl', text: /spamhaus|dnsbl-lookup|not accepting connections/i, reason: 'blocked' },
    ],
  },
  {
    name: 'I.UA',
    hosts: /(?:^|\.)i\.ua$/,
    textMarks: /\bi\.ua\/err\/\d/i,
    source: 'I.UA mail error pages (https://mail.i.ua/err/N: 1 SMTP gate forbidden, 2 user not found, 3 unused 3 months, 4 mailbox full, 5 sending limit, 6 use your provider\'s SMTP, 7 bad HELO, 8 sender unverifiable, 9 IP blacklisted, 10 not in the address list)',
    codes: numbered(
      { '1': 'norelaying', '2': 'userunknown', '3': 'suspend', '4': 'mailboxfull', '5': 'toomanyconn', '6': 'norelaying', '7': 'blocked', '8': 'rejected', '9': 'blocked', '10': 'filtered' },
      (code) => new RegExp(String.raw`\bi\.ua\/err\/${code}(?!\d)`, 'i'),
    ),
  },
  {
    name: 'KDDI (au, EZweb)',
    hosts: /(?:^|\.)(?:ezweb\.ne\.jp|au\.com)$/,
    source: 'KDDI au mail: a reply naming no address ("550 : User unknown") is the receiving filter; one naming the address is an unknown user',
    codes: [
      { id: 'filter-no-address', text: /\b550 : user unknown/i, reason: 'filtered' },
      { id: 'unknown-address', text: />: user unknown/i, reason: 'userunknown' },
    ],
  },
];
