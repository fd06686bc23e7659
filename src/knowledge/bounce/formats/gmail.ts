/** Gmail's own notice: `Delivery to the following recipient failed permanently:`, the address, `Technical details`. */
import type { FormatModule } from './types.js';

export const gmail: FormatModule = {
  id: 'gmail',
  name: 'Gmail',
  source: 'Gmail delivery status notifications; Google "SMTP error reference" (https://support.google.com/a/answer/3726730)',
  detect: { body: /Delivery to the following recipients? (?:failed|has been delayed|was aborted)/i },
  blocks: {
    start: /Delivery to the following recipients? (?:failed|has been delayed|was aborted)/i,
    recipient: /^\s{2,}([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])\s*$/,
    continuation: /^(?!-{3,})\S.{0,400}$|^\s{2,}\S/,
    end: /^-{3,}\s*Original message|^----- ?Original message/i,
  },
  notices: [
    { text: /Delivery to the following recipient has been delayed|Message will be retried for \d{1,3} more/i, action: 'delayed' },
    { text: /did not accept our requests to connect/i, reason: 'expired' },
  ],
};
