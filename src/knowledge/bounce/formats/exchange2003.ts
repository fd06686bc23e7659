/** Exchange 2000/2003 NDR: `did not reach the following recipient(s):`, `<a> on <date>`, then the reason and an MSEXCH code. */
import type { FormatModule } from './types.js';

export const exchange2003: FormatModule = {
  id: 'exchange2003',
  name: 'Microsoft Exchange 2000/2003',
  source: 'Microsoft Exchange Server 2003 NDR format and status codes (Microsoft KB 284204)',
  detect: { body: /did not reach the following recipient\(s\)/i },
  blocks: {
    start: /did not reach the following recipient/i,
    recipient: /^\s{0,8}([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z]) on .{5,80}$/,
    continuation: /^\s{2,}\S/,
  },
  notices: [
    { text: /The recipient name is not recognized|\(000C05A6\)|\(000B099C\)|Unknown Recipient/i, reason: 'userunknown' },
    { text: /could not deliver the message in the time limit specified|\(000B09AA\)/i, reason: 'expired' },
    { text: /the recipient's e-mail system is full|\(0005010F\)/i, reason: 'mailboxfull' },
  ],
};
