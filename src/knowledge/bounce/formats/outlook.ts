/** Outlook.com / Hotmail: bounces from postmaster@hotmail.com, outlook.com, live.com, msn.com. */
import type { FormatModule } from './types.js';

export const outlook: FormatModule = {
  id: 'outlook',
  name: 'Outlook.com',
  source: 'Outlook.com postmaster (https://sendersupport.olc.protection.outlook.com/pm/)',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?(?:hotmail|outlook|live|msn)\.(?:com|co\.[a-z]{2}|[a-z]{2})\b/i },
};
