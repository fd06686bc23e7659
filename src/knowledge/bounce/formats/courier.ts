/** Courier's DSN: `>>> RCPT TO:<a>` / `<<< 550 ...` per recipient. */
import type { FormatModule } from './types.js';

export const courier: FormatModule = {
  id: 'courier',
  name: 'Courier',
  source: 'Courier mail server delivery status notifications (https://www.courier-mta.org/)',
  detect: { body: /running the Courier mail server|This is a delivery status notification from/i },
};
