/** Exchange Online (Office 365) NDR: the Exchange layout sent from *.outlook.com / *.protection.outlook.com. */
import type { FormatModule } from './types.js';

export const office365: FormatModule = {
  id: 'office365',
  name: 'Office 365 / Exchange Online',
  source: 'Microsoft "Email non-delivery reports in Exchange Online" (https://learn.microsoft.com/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online)',
  detect: { headers: /X-MS-Exchange-|\.outlook\.com|\.office365\.com/i, body: /Diagnostic information for administrators|couldn't be delivered|Delivery has failed to these recipients/i },
};
