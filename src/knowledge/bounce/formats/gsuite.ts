/** Google Workspace / newer Gmail notices: `** Address not found **`, `** Message not delivered **`. */
import type { FormatModule } from './types.js';

export const gsuite: FormatModule = {
  id: 'gsuite',
  name: 'Google Workspace',
  source: 'Gmail and Google Workspace bounce notices (https://support.google.com/mail/answer/6596)',
  detect: { body: /\*\* (?:Address not found|Message not delivered|Message blocked|Delivery incomplete) \*\*/i },
  notices: [
    { text: /because the address couldn't be found|address couldn't be found, or is unable to receive mail/i, reason: 'userunknown' },
    { text: /The domain .{1,255} couldn't be found|domain name (?:wasn't|was not) found/i, reason: 'hostunknown' },
    { text: /There was a temporary problem delivering your message|will retry for \d{1,3} more/i, action: 'delayed' },
  ],
};
