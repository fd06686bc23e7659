/** OpenSMTPD's MAILER-DAEMON notice: `list of recipients:` then `rcpt: reason` lines. */
import type { FormatModule } from './types.js';

export const opensmtpd: FormatModule = {
  id: 'opensmtpd',
  name: 'OpenSMTPD',
  source: 'OpenSMTPD bounce.c notice texts (https://www.opensmtpd.org/)',
  detect: { body: /This is the MAILER-DAEMON, please DO NOT REPLY/i },
  blocks: {
    start: /list of recipients:/i,
    recipient: /^\s{0,4}([^\s<>:@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z]):\s?(.*)$/,
    continuation: /^\s{0,4}(?:[245]\d\d[ -]|\S.{0,10}error)/i,
    end: /Below is a copy of the original message|Please note that this is only a temporary failure/i,
  },
  notices: [{ text: /A message is delayed for more than/i, action: 'delayed' }],
};
