/** EZweb (au by KDDI) mobile mail notices from Postmaster@ezweb.ne.jp. */
import type { FormatModule } from './types.js';

export const ezweb: FormatModule = {
  id: 'ezweb',
  name: 'EZweb',
  source: 'au (KDDI) EZweb mail error notices ("The user(s) account is ...", "Your message was not delivered within N days")',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?ezweb\.ne\.jp\b/i },
  notices: [
    { text: /The user\(s\) account is temporarily over quota/i, reason: 'mailboxfull' },
    { text: /The user\(s\) account is (?:disabled|temporarily limited)/i, reason: 'suspend' },
    { text: /Your message was not delivered within \d{1,3} days/i, reason: 'expired' },
  ],
};
