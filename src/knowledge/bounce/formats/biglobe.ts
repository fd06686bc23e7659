/** BIGLOBE: `----- The following addresses had delivery problems -----` then `----- Non-delivered information -----`. */
import type { FormatModule } from './types.js';

export const biglobe: FormatModule = {
  id: 'biglobe',
  name: 'BIGLOBE',
  source: 'BIGLOBE mail error notices',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?biglobe\.ne\.jp\b/i },
  blocks: {
    start: /The following addresses had delivery problems/i,
    recipient: /^\s{0,4}<?([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?\s*$/,
    continuation: /^(?!\s{0,4}-{3,} ?Non-delivered information)\S|^\s{2,}\S/i,
  },
  notices: [{ text: /number of messages in recipient's mailbox exceeded the local limit|mailbox (?:is )?full/i, reason: 'mailboxfull' }],
};
