/** Postfix's bounce(8) notice: `<rcpt>: host X said: ... (in reply to RCPT TO command)`, 4-space folds. */
import type { FormatModule } from './types.js';

export const postfix: FormatModule = {
  id: 'postfix',
  name: 'Postfix',
  source: 'Postfix bounce(8) and the bounce template documentation (https://www.postfix.org/bounce.5.html)',
  detect: { body: /This is the (?:Postfix program|mail system) at host/i },
  blocks: {
    recipient: /^<([^>\s]{1,254}@[^>\s]{1,254})>(?: \(expanded from <[^>]{1,254}>\))?:\s?(.*)$/,
    continuation: /^\s{2,}\S/,
  },
};
