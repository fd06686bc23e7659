/** Amazon WorkMail's DSN (X-Mailer: Amazon WorkMail). */
import type { FormatModule } from './types.js';

export const amazonworkmail: FormatModule = {
  id: 'amazonworkmail',
  name: 'Amazon WorkMail',
  source: 'Amazon WorkMail (https://docs.aws.amazon.com/workmail/)',
  detect: { headers: /X-Mailer:\s{0,4}Amazon WorkMail|\.awsapps\.com/i },
};
