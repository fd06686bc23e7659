/** m-FILTER (Digital Arts): the address, the reply, then the SMTP command on its own line. */
import type { FormatModule } from './types.js';

export const mfilter: FormatModule = {
  id: 'mfilter',
  name: 'm-FILTER',
  source: 'Digital Arts m-FILTER delivery failure notices',
  detect: { body: /m-FILTER/i },
  blocks: {
    recipient: /^([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])\s*$/,
    continuation: /^(?:[245]\d\d[ -]|(?:EHLO|HELO|MAIL FROM|RCPT TO|DATA)\b)/i,
  },
  commands: [['DATA', /[245]\d\d .{1,300}\sDATA\b/], ['RCPT', /[245]\d\d .{1,300}\sRCPT TO\b/], ['MAIL', /[245]\d\d .{1,300}\sMAIL FROM\b/]],
};
