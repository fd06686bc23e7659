/** KDDI (au one net, dion): `Could not be delivered to: <a>` then the reason. */
import type { FormatModule } from './types.js';

export const kddi: FormatModule = {
  id: 'kddi',
  name: 'KDDI',
  source: 'KDDI au one net mail error notices',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?(?:dion\.ne\.jp|auone-net\.jp|kddi\.com)\b/i },
  blocks: {
    recipient: /Could not be delivered to:\s?<?([^\s<>]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?/i,
    continuation: /^\s{2,}\S/,
  },
};
