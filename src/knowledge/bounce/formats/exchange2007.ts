/** Exchange 2007 and later NDR: `Diagnostic information for administrators:` with `Remote Server returned '...'`. */
import type { FormatModule } from './types.js';

export const exchange2007: FormatModule = {
  id: 'exchange2007',
  name: 'Microsoft Exchange 2007+',
  source: 'Microsoft "Non-delivery reports in Exchange Server" (https://learn.microsoft.com/exchange/mail-flow/non-delivery-reports-and-bounce-messages/non-delivery-reports-and-bounce-messages)',
  detect: { body: /Diagnostic information for administrators:|Generating server:|Delivery has failed to these recipients or (?:groups|distribution lists):/i },
};
