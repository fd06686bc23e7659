/** qmail-send's notice: `<rcpt>:` then qmail-remote's lines (`Remote host said:`, `Giving up on ...`). */
import type { FormatModule } from './types.js';

export const qmail: FormatModule = {
  id: 'qmail',
  name: 'qmail',
  source: 'qmail-send(8) and qmail-remote(8) messages (https://cr.yp.to/qmail.html)',
  detect: { body: /This is the qmail-send program|I'm afraid I wasn't able to deliver your message to the following addresses/i },
  blocks: {
    recipient: /^<([^>\s]{1,254}@[^>\s]{1,254})>:\s?(.*)$/,
    continuation: /^(?!<[^>\s]{1,254}@)\S/,
    end: /^--- (?:Below this line|Enclosed is a copy)/i,
  },
  notices: [
    { text: /Sorry, I couldn't find a mail exchanger or IP address/i, reason: 'notaccept' },
    { text: /but sender was rejected/i, command: 'MAIL' },
    { text: /does not like recipient|most progress was RCPT TO response/i, command: 'RCPT' },
    { text: /most progress was MAIL FROM response/i, command: 'MAIL' },
    { text: /failed on DATA command|failed after I sent the message/i, command: 'DATA' },
    { text: /but greeting failed/i, command: 'CONN' },
    // qmail-remote: the remote refused our HELO name; a refusal at HELO is "blocked" (KNOWLEDGE.md section 7).
    { text: /but my name was rejected/i, command: 'HELO', reason: 'blocked' },
  ],
};
