/**
 * Ticket threads as people paste them, written from the formats of the clients and MTAs that
 * produce them (Gmail's "Send mail as" error box, Outlook's send/receive error, Thunderbird's
 * sending dialog, Postfix and sendmail relay logs, PHPMailer's debug output, nodemailer's
 * error object, Python's smtplib, quoted e-mail replies, forwarded bounces, prose).
 *
 * Each row states what the text says, from the format's own semantics:
 * - the sender is the address mail is sent as/from (From:, from=<...>, "sent as", setFrom);
 *   a bounce notice is addressed To the original sender;
 * - recipients are what mail goes to (To:, to=<...>, "never arrived at", a reply naming them);
 * - every SMTP reply is a bounded fragment (the reply line and its continuation), never the
 *   prose around it; prose that merely mentions a keyword (STARTTLS, 535) is not a reply.
 */
import { describe, expect, it } from 'vitest';
import { extractFromThread } from '../../src/knowledge/ticket-text.js';

interface Row {
  name: string;
  thread: string[];
  sender: string;
  recipients: string[];
  /** Each expected reply: its basic code and the layer it points to. */
  replies: Array<{ code: string; layer: string; status?: string }>;
  regions?: string[];
  smtpUsers?: string[];
  /** The client or relay whose wording shows a relay reply (the relay hop). */
  client?: string;
}

/** A reply is one bounded fragment: the reply itself, not the message around it. */
const MAX_REPLY_FRAGMENT = 600;

const ROWS: Row[] = [
  {
    name: "Gmail's Send mail as error box, the username and endpoint in prose",
    thread: [
      'Hi team, since yesterday our emails sent as billing@acme-shop.example through Gmail stopped going out.',
      'Gmail shows:\nAuthentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"\nSMTP server: email-smtp.eu-west-1.amazonaws.com, port 587, username AKIAACMESHOP00000001',
    ],
    sender: 'billing@acme-shop.example',
    recipients: [],
    client: 'Gmail',
    replies: [{ code: '535', layer: 'relay' }],
    regions: ['eu-west-1'],
    smtpUsers: ['AKIAACMESHOP00000001'],
  },
  {
    name: 'a client log line: SMTP AUTH failed: 535',
    thread: ['Our app logs this for every mail from orders@contoso-shop.example:\n2026-11-30 10:01:22 ERROR mailer SMTP AUTH failed: 535 Authentication Credentials Invalid'],
    sender: 'orders@contoso-shop.example',
    recipients: [],
    replies: [{ code: '535', layer: 'relay' }],
  },
  {
    name: "Outlook's send/receive error, quoted in an e-mail ticket with its own From/To header",
    thread: [
      "From: Dana Ops <dana@northwind.example>\nSent: Monday, November 30, 2026 4:12 PM\nTo: helpdesk@vendor-support.example\nSubject: Emails not going out\n\nWhen I send as sales@northwind.example from Outlook I get:\nTask 'sales@northwind.example - Sending' reported error (0x800CCC78) : 'Cannot send the message. Verify the email address in your account properties.  The server responded: 554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: sales@northwind.example'",
    ],
    sender: 'sales@northwind.example',
    recipients: ['helpdesk@vendor-support.example'],
    replies: [{ code: '554', layer: 'ses' }],
  },
  {
    name: "Thunderbird's sending dialog, the reply on its own line",
    thread: [
      'Sending from info@fabrikam-travel.example in Thunderbird to guest@tailspin.example fails with:\nSending of the message failed.\nAn error occurred while sending mail. The mail server responded:\n535 Authentication Credentials Invalid.\nPlease verify that your email address is correct in your account settings and try again.',
    ],
    sender: 'info@fabrikam-travel.example',
    recipients: ['guest@tailspin.example'],
    client: 'Thunderbird',
    replies: [{ code: '535', layer: 'relay' }],
  },
  {
    name: 'Postfix relay log: qmgr from=, smtp to= with a SASL 535 from the SES endpoint',
    thread: [
      'Relay logs:\n```Dec  1 08:14:02 app1 postfix/qmgr[1123]: 3F1A2C0A1B: from=<noreply@fabrikam.example>, size=2314, nrcpt=1 (queue active)\nDec  1 08:14:03 app1 postfix/smtp[2231]: 3F1A2C0A1B: SASL authentication failed; server email-smtp.us-west-2.amazonaws.com[44.226.10.20] said: 535 Authentication Credentials Invalid\nDec  1 08:14:03 app1 postfix/smtp[2231]: 3F1A2C0A1B: to=<j.doe@contoso.example>, relay=email-smtp.us-west-2.amazonaws.com[44.226.10.20]:587, delay=1.2, delays=0.01/0.02/1.1/0, dsn=4.7.0, status=deferred (SASL authentication failed; server email-smtp.us-west-2.amazonaws.com[44.226.10.20] said: 535 Authentication Credentials Invalid)```',
    ],
    sender: 'noreply@fabrikam.example',
    recipients: ['j.doe@contoso.example'],
    client: 'Postfix',
    replies: [{ code: '535', layer: 'relay' }],
    regions: ['us-west-2'],
  },
  {
    name: 'Postfix relay log: bounced by the remote server after DATA',
    thread: [
      'Dec  1 09:20:41 mx2 postfix/qmgr[881]: 9B2E1C3D4E: from=<alerts@woodgrove.example>, size=4410, nrcpt=1 (queue active)\nDec  1 09:20:42 mx2 postfix/smtp[902]: 9B2E1C3D4E: to=<ops@litware.example>, relay=email-smtp.us-east-1.amazonaws.com[3.211.4.5]:587, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.0.0, status=bounced (host email-smtp.us-east-1.amazonaws.com[3.211.4.5] said: 554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: alerts@woodgrove.example (in reply to end of DATA command))',
    ],
    sender: 'alerts@woodgrove.example',
    recipients: ['ops@litware.example'],
    replies: [{ code: '554', layer: 'ses' }],
    regions: ['us-east-1'],
  },
  {
    name: 'sendmail relay log with a deferred 454 throttling reply',
    thread: [
      'Dec  1 11:02:10 web2 sendmail[4411]: 0B1B2C3D004411: from=<reports@adatum.example>, size=1024, class=0, nrcpts=1, msgid=<202612011102.0B1B2C3D004411@web2.adatum.example>, relay=www-data@localhost\nDec  1 11:02:11 web2 sendmail[4413]: 0B1B2C3D004411: to=<cfo@fourthcoffee.example>, ctladdr=<reports@adatum.example> (33/33), delay=00:00:01, xdelay=00:00:01, mailer=relay, pri=30024, relay=email-smtp.eu-central-1.amazonaws.com. [18.192.1.2], dsn=4.0.0, stat=Deferred: 454 Throttling failure: Maximum sending rate exceeded.',
    ],
    sender: 'reports@adatum.example',
    recipients: ['cfo@fourthcoffee.example'],
    replies: [{ code: '454', layer: 'ses' }],
    regions: ['eu-central-1'],
  },
  {
    name: 'PHPMailer debug output (SMTPDebug 2)',
    thread: [
      "The contact form on our site stopped sending. setFrom('webform@graphic-design.example'). Debug output:\n2026-12-01 10:02:11 SERVER -> CLIENT: 220 email-smtp.amazonaws.com ESMTP SimpleEmailService-d-ABCDEF123\n2026-12-01 10:02:11 CLIENT -> SERVER: AUTH LOGIN\n2026-12-01 10:02:11 SERVER -> CLIENT: 535 Authentication Credentials Invalid\n2026-12-01 10:02:11 SMTP ERROR: Password command failed: 535 Authentication Credentials Invalid\nSMTP Error: Could not authenticate.",
    ],
    sender: 'webform@graphic-design.example',
    recipients: [],
    client: 'PHPMailer',
    replies: [{ code: '535', layer: 'relay' }],
  },
  {
    name: "nodemailer's error object from a Node app",
    thread: [
      "transporter.sendMail({ from: 'hello@proseware.example', to: 'lee@margie-travel.example', ... }) throws:\nError: Invalid login: 535 Authentication Credentials Invalid\n    at SMTPConnection._formatError (/app/node_modules/nodemailer/lib/smtp-connection/index.js:798:19)\n  code: 'EAUTH',\n  response: '535 Authentication Credentials Invalid',\n  responseCode: 535,\n  command: 'AUTH PLAIN'",
    ],
    sender: 'hello@proseware.example',
    recipients: ['lee@margie-travel.example'],
    client: 'nodemailer',
    replies: [{ code: '535', layer: 'relay' }],
  },
  {
    name: "Python smtplib's exception tuple",
    thread: ["Django sends as DEFAULT_FROM_EMAIL = 'app@wingtip.example' and raises smtplib.SMTPAuthenticationError: (535, b'Authentication Credentials Invalid')"],
    sender: 'app@wingtip.example',
    recipients: [],
    client: 'Python smtplib',
    replies: [{ code: '535', layer: 'relay' }],
  },
  {
    name: 'a quoted e-mail reply (two quote levels) holding the bounce',
    thread: [
      "Forwarding the customer's reply.\n\nOn Mon, Nov 30, 2026 at 3:14 PM Priya Raman <priya@globex.example> wrote:\n> Hi, our newsletter sent from news@globex.example isn't reaching\n> mike@initech.example. We got this back:\n> > 550 5.1.1 <mike@initech.example>: Recipient address rejected: User unknown in virtual mailbox table",
    ],
    sender: 'news@globex.example',
    recipients: ['mike@initech.example'],
    replies: [{ code: '550', layer: 'recipient', status: '5.1.1' }],
  },
  {
    name: "a forwarded Gmail bounce: the notice's To is the original sender",
    thread: [
      "---------- Forwarded message ---------\nFrom: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nDate: Mon, Nov 30, 2026 at 10:02 AM\nSubject: Delivery Status Notification (Failure)\nTo: <hr@contoso.example>\n\nAddress not found\nYour message wasn't delivered to pat@fabrikam.example because the address couldn't be found, or is unable to receive mail.\nThe response from the remote server was:\n550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. 41be03b00d2f7-5e7ad0c8a6bsi1234567a12.133 - gsmtp",
    ],
    sender: 'hr@contoso.example',
    recipients: ['pat@fabrikam.example'],
    replies: [{ code: '550', layer: 'recipient', status: '5.1.1' }],
  },
  {
    name: 'prose with several addresses: contacts at the sender, recipients listed after "e.g."',
    thread: [
      'The customer (ops@litware.example) says mail from their app, sent as notifications@litware.example to their clients, e.g. bob@adatum.example and carol@adatum.example, never arrives. Their IT contact is it-admin@litware.example.',
    ],
    sender: 'notifications@litware.example',
    recipients: ['bob@adatum.example', 'carol@adatum.example'],
    replies: [],
  },
  {
    name: 'STARTTLS mentioned in passing is not a reply',
    thread: [
      'We switched the relay to port 587 with STARTTLS last week and since then customers at beta.example say they get nothing. Sender is billing@alpha.example. We sent 250 invoices that day; none arrived at finance@beta.example.',
    ],
    sender: 'billing@alpha.example',
    recipients: ['finance@beta.example'],
    replies: [],
  },
  {
    name: 'Slack bold markup around From: and To: lines',
    thread: ['*From:* Admin <admin@customer.example>\n*To:* alice@recipient.example\n*Subject:* Invoice 2026-11', 'It never arrived.'],
    sender: 'admin@customer.example',
    recipients: ['alice@recipient.example'],
    replies: [],
  },
  {
    name: 'an Exchange Online NDR pasted whole keeps its reply, and the NDR prose is not a second reply',
    thread: [
      "Customer sent as accounts@trey-research.example, this came back:\nYour message to kim@contoso.example couldn't be delivered.\nkim wasn't found at contoso.example.\naccounts Office 365 kim\nAction Required Recipient\nUnknown To address\n\nDiagnostic information for administrators:\nGenerating server: BN8NAM12HT123.mail.protection.outlook.com\nkim@contoso.example\nRemote server returned '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]'",
    ],
    sender: 'accounts@trey-research.example',
    recipients: ['kim@contoso.example'],
    replies: [{ code: '550', layer: 'recipient', status: '5.4.1' }],
  },
];

describe('reading pasted tickets', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const result = extractFromThread(row.thread);
    expect(result.target?.senderAddress, result.notes.join(' | ')).toBe(row.sender);
    expect([...result.recipients].sort()).toEqual([...row.recipients].sort());
    expect(result.replies.map((r) => ({ code: r.replyCode, layer: r.layer, ...(r.status ? { status: r.status } : {}) }))).toEqual(
      row.replies.map((r) => ({ code: r.code, layer: r.layer, ...(r.status ? { status: r.status } : {}) })),
    );
    for (const reply of result.replies) {
      expect(reply.raw.length).toBeLessThanOrEqual(MAX_REPLY_FRAGMENT);
      expect(reply.raw).toContain(reply.replyCode ?? '');
    }
    if (row.regions) expect(result.regions).toEqual(row.regions);
    if (row.smtpUsers) expect(result.smtpUsers).toEqual(row.smtpUsers);
    if (row.client) expect(result.replies.find((r) => r.layer === 'relay')?.reportedBy).toBe(row.client);
    // The choice is explained, from what the text says (never the weak "only other domain" guess).
    const why = result.notes.find((note) => note.startsWith(`Sender ${row.sender} chosen because`));
    expect(why).toBeDefined();
    expect(why).not.toContain('the only non-recipient domain');
  });
});
