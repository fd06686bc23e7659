/** Verizon (vtext.com) and Apache James style: `Error: ...`, `Error message below:`, the reply, `RCPT TO: a`. */
import type { FormatModule } from './types.js';

export const verizon: FormatModule = {
  id: 'verizon',
  name: 'Verizon Wireless / Apache James',
  source: 'Apache James mailet bounce layout (https://james.apache.org/) as used by Verizon vtext.com',
  detect: { body: /Error message below:/i },
  blocks: {
    start: /Error message below:/i,
    leadIsReason: true,
    recipient: /^\s{0,4}RCPT TO:\s?<?([^\s<>]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?/i,
    end: /^\s{0,4}(?:From|Subject|CC):/i,
  },
};
