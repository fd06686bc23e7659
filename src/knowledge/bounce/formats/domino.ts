/** IBM/HCL Domino: `was not delivered to:`, the address, `because:` and the reason. */
import type { FormatModule } from './types.js';

export const domino: FormatModule = {
  id: 'domino',
  name: 'Domino',
  source: 'HCL Domino delivery failure reports ("not listed in Domino Directory")',
  detect: { body: /was not delivered to:/i },
  blocks: {
    start: /was not delivered to:/i,
    recipient: /^\s{1,8}([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])\s*$/,
    continuation: /^(?:because:|\s{1,}\S)/i,
  },
  notices: [{ text: /not listed in (?:the )?Domino Directory/i, reason: 'userunknown' }],
};
