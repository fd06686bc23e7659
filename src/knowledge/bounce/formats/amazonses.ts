/** Amazon SES as the reporting MTA: a DSN from MAILER-DAEMON@*.amazonses.com. */
import type { FormatModule } from './types.js';

export const amazonses: FormatModule = {
  id: 'amazonses',
  name: 'Amazon SES',
  source: 'Amazon SES bounce notifications (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html)',
  detect: { from: /amazonses\.com/i },
};
