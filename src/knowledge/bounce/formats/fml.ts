/** fml mailing list manager notices (not a member, loop alerts). */
import type { FormatModule } from './types.js';

export const fml: FormatModule = {
  id: 'fml',
  name: 'fml',
  source: 'fml mailing list manager (https://www.fml.org/) notices',
  detect: { body: /You are not a member of this mailing list|Duplicated Message-ID/i },
  notices: [
    { text: /You are not a member of this mailing list/i, reason: 'rejected' },
    { text: /Duplicated Message-ID/i, reason: 'systemerror' },
  ],
};
