/** Oracle/Sun Messaging Server (PMDF): `Recipient address:`, `Reason:`, `Diagnostic code:` per recipient. */
import type { FormatModule } from './types.js';

export const messagingserver: FormatModule = {
  id: 'messagingserver',
  name: 'Oracle Communications Messaging Server',
  source: 'Oracle Communications Messaging Server (iPlanet/PMDF) delivery notifications',
  detect: { body: /This report relates to a message you sent with the following header fields/i },
  blocks: {
    start: /(?:cannot|could not) be delivered to the following recipients|has (?:been )?delayed|following recipients/i,
    recipient: /^\s{2}Recipient address:\s?<?([^\s<>]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?/i,
    continuation: /^\s{2}(?:Original address|Reason|Diagnostic code|Remote system):/i,
  },
};
