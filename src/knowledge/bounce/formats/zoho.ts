/** Zoho Mail: `[Status: Error, Address: <a>, ResponseCode 421, , reason]`. */
import type { FormatModule } from './types.js';

export const zoho: FormatModule = {
  id: 'zoho',
  name: 'Zoho Mail',
  source: 'Zoho Mail delivery status notifications (https://www.zoho.com/mail/help/)',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?zoho(?:mail)?\.(?:com|eu|in)\b/i },
  blocks: {
    recipient: /^\[Status: [^,]{1,30}, Address: <?([^\s<>,]{1,254}@[^\s<>,]{1,253})>?, (.*)$/i,
    continuation: /^\s{2,}\S/,
  },
  notices: [{ text: /THIS IS A WARNING MESSAGE ONLY|Message will be retried for \d{1,3} more/i, action: 'delayed' }],
};
