/** Sendmail's DSN notice: address list, then `----- Transcript of session follows -----` with `>>> RCPT To:` / `<<< 550`. */
import type { FormatModule } from './types.js';

export const sendmail: FormatModule = {
  id: 'sendmail',
  name: 'Sendmail',
  source: 'Sendmail Installation and Operation Guide, DSN and queue messages (https://www.sendmail.org/~ca/email/doc8.12/op-sh-4.html)',
  detect: { body: /The original message was received at|-{3,} ?Transcript of session follows ?-{3,}|-{3,} ?The following addresses had (?:permanent fatal|transient non-fatal) errors/i },
  blocks: {
    start: /-{3,} ?The following addresses had (?:permanent fatal|transient non-fatal) errors/i,
    recipient: /^\s{0,4}<?([^\s<>"]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?(?:\s{1,4}\(?(.{0,300}?)\)?)?\s*$/,
    continuation: /^\s{4,}\S/,
    end: /-{3,} ?Transcript of session follows|-{3,} ?(?:Original|Unsent) message follows/i,
  },
  notices: [
    // mail.local(8), the local delivery agent Sendmail runs, names an unknown local user in the transcript.
    { text: /mail\.local: unknown user/i, reason: 'userunknown', anywhere: true },
    { text: /Warning: could not send message for past \d{1,4}|could not be delivered for \d{1,4} (?:days|hours)|Cannot send message (?:within|for) \d{1,4}/i, action: 'delayed' },
    { text: /\bDeferred:/i, action: 'delayed' },
  ],
};
