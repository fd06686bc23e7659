/** Ipswitch IMail: `Unknown user: a@b`, `Original message follows.` */
import type { FormatModule } from './types.js';

export const imailserver: FormatModule = {
  id: 'imailserver',
  name: 'IMail Server',
  source: 'Ipswitch IMail Server delivery failure notices',
  detect: { headers: /X-Mailer:\s{0,4}<SMTP32|SMTPD32/i },
  blocks: {
    textFirst: true,
    recipient: /^(.{1,200}?):\s{0,4}<?([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?\s*$/,
    continuation: /^\s{2,}\S/,
    end: /^Original message follows/i,
  },
  notices: [
    { text: /^Unknown user$|Invalid final delivery userid/i, reason: 'userunknown' },
    { text: /Delivery failed \d{1,4} attempts/i, reason: 'expired' },
    { text: /mailbox exceeds allowed size/i, reason: 'mailboxfull' },
  ],
};
