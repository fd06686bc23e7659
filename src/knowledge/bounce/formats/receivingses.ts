/** Amazon SES receiving (inbound) rejections: `The following message to <a> was undeliverable.` */
import type { FormatModule } from './types.js';

export const receivingses: FormatModule = {
  id: 'receivingses',
  name: 'Amazon SES (receiving)',
  source: 'Amazon SES email receiving (https://docs.aws.amazon.com/ses/latest/dg/receiving-email.html)',
  detect: { body: /The following message to <[^>\s]{1,254}> was undeliverable/i },
};
