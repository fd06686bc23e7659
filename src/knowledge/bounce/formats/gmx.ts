/** GMX / WEB.DE: an Exim-style notice from mailer-daemon@gmx.* or web.de. */
import { EXIM_BLOCKS } from './exim.js';
import type { FormatModule } from './types.js';

export const gmx: FormatModule = {
  id: 'gmx',
  name: 'GMX',
  source: 'GMX / WEB.DE delivery failure notices (Exim layout)',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?(?:gmx\.[a-z]{2,4}|web\.de)\b/i },
  blocks: EXIM_BLOCKS,
};
