/** Exim's bounce: `The following address(es) failed:`, the address indented 2, its reason indented 4. */
import type { BlockSpec, FormatModule } from './types.js';

/** Exim's recipient list; Mail.Ru and GMX write the same layout. */
export const EXIM_BLOCKS: BlockSpec = {
  start: /following address(?:\(es\)|es)? failed:?|addresses that were\s?$|incorrectly constructed:|could not be delivered to one or more of its recipients/i,
  recipient: /^\s{2}(?!\s)<?([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?(?:\s{1,4}<[^>]{0,254}>)?:?\s?(.*)$/,
  continuation: /^\s{4,}\S/,
  end: /^-{2,}|^This address has been ignored|^Reporting-MTA:/i,
};

export const exim: FormatModule = {
  id: 'exim',
  name: 'Exim',
  source: 'Exim specification, chapter "Bounce messages" and "Retry configuration" (https://www.exim.org/exim-html-current/doc/html/spec_html/)',
  detect: { body: /This message was created automatically by mail delivery software|contained one or more recipient addresses that were\s{1,4}incorrectly constructed/i },
  blocks: EXIM_BLOCKS,
  notices: [
    { text: /retry timeout exceeded|all hosts have been failing for a long time|has not been delivered to all of its recipients after more than/i, reason: 'expired' },
    { text: /Unrouteable address|all relevant MX records point to non-existent hosts/i, reason: 'hostunknown' },
    { text: /malformed address|may not follow|unqualified address not permitted|incorrectly constructed/i, reason: 'syntaxerror' },
  ],
  commands: [['CONN', /after initial connection/i], ['RCPT', /after pipelined RCPT TO/i]],
};
