/** McAfee MXLogic: an Exim-style notice, `<a>: 550 ...` on the address line. */
import { EXIM_BLOCKS } from './exim.js';
import type { FormatModule } from './types.js';

export const mxlogic: FormatModule = {
  id: 'mxlogic',
  name: 'MXLogic',
  source: 'McAfee MXLogic (Exim-based) delivery failure notices',
  detect: { headers: /mxlogic|mxl_mta/i },
  blocks: { ...EXIM_BLOCKS, start: /following address(?:es)? failed:?/i },
};
