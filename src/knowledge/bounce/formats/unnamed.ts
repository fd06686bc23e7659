/**
 * Unnamed MTAs whose layouts recur in the wild (sisimai calls them X1 to X6). Each module is the
 * layout only: where the recipient list is and how one recipient's reason is written.
 */
import type { FormatModule } from './types.js';

/** `---The following addresses had delivery errors---` then `a@b [reason]`. */
export const x1: FormatModule = {
  id: 'x1',
  name: 'Unnamed MTA (X1)',
  source: 'Layout "The following addresses had delivery errors" (sisimai X1)',
  detect: { body: /-{3}The following addresses had delivery errors-{3}/i },
  blocks: { start: /The following addresses had delivery errors/i, recipient: /^([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])\s\[(.{1,300})\]\s*$/ },
};

/** `Unable to deliver message to the following address(es).` then `<a>: reason`. */
export const x2: FormatModule = {
  id: 'x2',
  name: 'Unnamed MTA (X2)',
  source: 'Layout "Unable to deliver message to the following address(es)" (sisimai X2)',
  detect: { body: /Unable to deliver message to the following address\(es\)/i },
  blocks: {
    start: /Unable to deliver message to the following address\(es\)/i,
    recipient: /^<([^>\s]{1,254}@[^>\s]{1,254})>:\s?(.*)$/,
    continuation: /^(?!<[^>\s]{1,254}@|-{3})\S/,
    end: /^-{3}/,
  },
  notices: [{ text: /Sorry, I wasn't able to establish an SMTP connection|I'm not going to try again/i, reason: 'expired' }],
};

/** `Delivery to the following recipients was aborted after N hour(s):`, `  * a`, `Technical details:`. */
export const x3: FormatModule = {
  id: 'x3',
  name: 'Unnamed MTA (X3)',
  source: 'Layout "This is an automatically generated Delivery Status Notification" with Technical details (sisimai X3)',
  detect: { body: /Del[ei]very to the following recipients (?:failed|was aborted)/i },
  blocks: {
    start: /Del[ei]very to the following recipients/i,
    recipient: /^\s{1,4}\*\s([^\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z])\s*$/,
    continuation: /^(?!={3})\s{0,30}\S/,
  },
  notices: [{ text: /was aborted after [\d.]{1,6} hour/i, reason: 'expired' }],
  commands: [['RCPT', /SMTP:RCPT\b/], ['MAIL', /SMTP:MAIL\b/], ['DATA', /SMTP:DATA\b/]],
};

/** qmail-derived gateways: `Your mail message to the following address(es) could not be delivered.`, `<a>:`, `child status ...`. */
export const x4: FormatModule = {
  id: 'x4',
  name: 'Unnamed MTA (X4)',
  source: 'qmail-derived layout with "child status" lines (sisimai X4)',
  detect: { body: /Your mail message to the following address\(es\) could not be delivered/i },
  blocks: {
    recipient: /^<([^>\s]{1,254}@[^>\s]{1,254})>:\s?(.*)$/,
    continuation: /^(?!<[^>\s]{1,254}@)\S/,
  },
};

/** `The following recipients returned permanent errors: a. Reason: ...` on one line. */
export const x6: FormatModule = {
  id: 'x6',
  name: 'Unnamed MTA (X6)',
  source: 'Layout "We had trouble delivering your message" (sisimai X6)',
  detect: { body: /We had trouble delivering your message/i },
  blocks: {
    recipient: /The following recipients returned (?:permanent|temporary) errors:\s?<?([^\s<>]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?\.?\s?(.*)$/i,
    continuation: /^\s{2,}\S/,
  },
};
