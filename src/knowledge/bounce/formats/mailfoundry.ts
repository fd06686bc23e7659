/** MailFoundry: `Unable to deliver message to: <a>`, `Delivery failed for the following reason:`. */
import type { FormatModule } from './types.js';

export const mailfoundry: FormatModule = {
  id: 'mailfoundry',
  name: 'MailFoundry',
  source: 'MailFoundry delivery failure notices',
  detect: { body: /Delivery failed for the following reason:/i },
  blocks: {
    recipient: /^Unable to deliver message to:\s?<?([^\s<>]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?\s*$/i,
    continuation: /^(?!This has been a permanent failure)\S/i,
  },
};
