/** Google Groups' post rejection: from googlegroups.com, no SMTP code. */
import type { FormatModule } from './types.js';

export const googlegroups: FormatModule = {
  id: 'googlegroups',
  name: 'Google Groups',
  source: 'Google Groups help: "Messages are bouncing" (https://support.google.com/groups/answer/2464926)',
  detect: { from: /googlegroups\.com/i },
};
