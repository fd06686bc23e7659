/** McAfee Email Gateway: `--- The following addresses had delivery problems ---`, `<a>   (reason)`. */
import type { FormatModule } from './types.js';

export const mcafee: FormatModule = {
  id: 'mcafee',
  name: 'McAfee Email Gateway',
  source: 'McAfee Email Gateway delivery status notices',
  detect: { body: /-{3} The following addresses had delivery problems -{3}/i, subject: /^Delivery Status$/i },
  blocks: {
    start: /The following addresses had delivery problems/i,
    recipient: /^<([^>\s]{1,254}@[^>\s]{1,254})>\s{1,8}\((.{1,400})\)\s*$/,
  },
};
