/** Sendmail version 5's notice: the transcript, then `----- Unsent message follows -----`. */
import type { FormatModule } from './types.js';

export const v5sendmail: FormatModule = {
  id: 'v5sendmail',
  name: 'Sendmail V5',
  source: 'Sendmail V5 return-mail format (transcript and "Unsent message follows")',
  detect: { body: /-{3,} ?Unsent message follows ?-{3,}/i },
};
