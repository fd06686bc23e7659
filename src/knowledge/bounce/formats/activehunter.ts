/** ActiveHunter (TOKAI): Sendmail-like, `>>> a <a>` then the transcript. */
import type { FormatModule } from './types.js';

export const activehunter: FormatModule = {
  id: 'activehunter',
  name: 'ActiveHunter',
  source: 'ActiveHunter mail filter delivery failure notices',
  detect: { subject: /^FAILURE NOTICE :/i },
};
