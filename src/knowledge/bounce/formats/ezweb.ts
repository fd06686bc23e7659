/** EZweb (au by KDDI) mobile mail notices from Postmaster@ezweb.ne.jp. */
import type { FormatModule } from './types.js';

export const ezweb: FormatModule = {
  id: 'ezweb',
  name: 'EZweb',
  source: 'au (KDDI) EZweb mail error notices',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?ezweb\.ne\.jp\b/i },
};
