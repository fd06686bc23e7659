/** Lotus Notes SMTP MTA: `------- Failure Reasons --------`, the reason, then the address. */
import type { FormatModule } from './types.js';

export const notes: FormatModule = {
  id: 'notes',
  name: 'Lotus Notes',
  source: 'Lotus Notes SMTP MTA delivery failure reports',
  detect: { body: /-{3,}\s{0,4}Failure Reasons\s{0,4}-{3,}/i },
  blocks: {
    start: /-{3,}\s{0,4}Failure Reasons\s{0,4}-{3,}/i,
    leadIsReason: true,
    recipient: /^\s{0,4}<?([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?\s*$/,
    end: /-{3,}\s{0,4}Returned Message\s{0,4}-{3,}/i,
  },
  notices: [{ text: /not listed in public Name (?:&|and) Address Book/i, reason: 'userunknown' }],
};
