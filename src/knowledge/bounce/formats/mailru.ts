/** Mail.Ru: an Exim-based notice with a Russian preface. */
import { EXIM_BLOCKS } from './exim.js';
import type { FormatModule } from './types.js';

export const mailru: FormatModule = {
  id: 'mailru',
  name: 'Mail.Ru',
  source: 'Mail.Ru postmaster (https://postmaster.mail.ru/); Exim bounce layout',
  detect: { from: /@(?:[a-z0-9-]{1,40}\.)?(?:mail\.ru|inbox\.ru|list\.ru|bk\.ru)\b/i },
  blocks: EXIM_BLOCKS,
};
