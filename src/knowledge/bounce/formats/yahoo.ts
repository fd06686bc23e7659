/** Yahoo's notice: `Sorry, we were unable to deliver your message to the following address.` then `<a>: reason`. */
import type { FormatModule } from './types.js';

export const yahoo: FormatModule = {
  id: 'yahoo',
  name: 'Yahoo',
  source: 'Yahoo sender hub, SMTP error codes (https://senders.yahooinc.com/smtp-error-codes/)',
  detect: { body: /Sorry, we were unable to deliver your message to the following address/i },
  blocks: {
    start: /unable to deliver your message to the following address/i,
    recipient: /^<([^>\s]{1,254}@[^>\s]{1,254})>:\s?(.*)$/,
    continuation: /^(?!-{3})\S/,
    end: /^-{3}\s?Below this line/i,
  },
};
