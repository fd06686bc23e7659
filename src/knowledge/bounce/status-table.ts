/**
 * Enhanced status code (RFC 3463, RFC 7372, RFC 7505 and the IANA registry) → sisimai reason,
 * as ../shared/KNOWLEDGE.md section 7 states the semantics. Used by decide.ts when the reply
 * text gives nothing more specific. Vague codes (X.0.0, X.7.1, ...) that the table maps to a
 * "guess" reason are re-checked against the text (see decide.ts).
 */
import type { SisimaiReason } from './rules.js';

/** Exact codes first (`5.7.26`), then the class-and-subject form (`X.1.1` stored as `*.1.1`). */
const EXACT: Readonly<Record<string, SisimaiReason>> = {
  '4.2.1': 'blocked',
  '5.2.0': 'filtered',
  '5.2.1': 'filtered',
  '4.4.1': 'expired',
  '4.4.7': 'expired',
  '4.4.2': 'networkerror',
  '4.4.4': 'networkerror',
  '4.4.6': 'networkerror',
  '5.4.0': 'networkerror',
  '4.4.5': 'systemfull',
  '5.4.4': 'hostunknown',
  '5.4.6': 'networkerror',
  '5.5.3': 'toomanyconn',
  '4.5.3': 'toomanyconn',
  '5.1.10': 'notaccept',
  '5.7.27': 'notaccept',
  '5.7.13': 'suspend',
  '5.7.17': 'hasmoved',
  '5.7.18': 'hasmoved',
  '4.7.24': 'authfailure',
  '5.7.28': 'spamdetected',
  '5.7.30': 'failedstarttls',
};

const BY_SUBJECT: Readonly<Record<string, SisimaiReason>> = {
  '1.0': 'userunknown',
  '1.1': 'userunknown',
  '1.3': 'userunknown',
  '1.2': 'hostunknown',
  '1.4': 'filtered',
  '2.4': 'filtered',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '3.1': 'systemfull',
  '3.2': 'notaccept',
  '3.4': 'mesgtoobig',
  '3.0': 'systemerror',
  '3.3': 'systemerror',
  '3.5': 'systemerror',
  '4.3': 'systemerror',
  // X.4.3 is RFC 3463's "directory server failure".
  '4.0': 'networkerror',
  '5.5': 'policyviolation',
  '7.25': 'requireptr',
  '7.26': 'authfailure',
};

/** The reason an enhanced status code names, or undefined when the table says nothing. */
export function reasonOfStatus(status: string | undefined): SisimaiReason | undefined {
  if (!status) return undefined;
  const match = /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(status);
  if (!match) return undefined;
  const [, klass, subject, detail] = match;
  if (klass === '2') return 'delivered';
  const exact = EXACT[status];
  if (exact) return exact;
  const bySubject = BY_SUBJECT[`${subject}.${detail}`];
  if (bySubject) return bySubject;
  if (subject === '6') return 'contenterror';
  if (subject === '7' && klass === '5') {
    const n = Number(detail);
    if (n <= 12 || n === 14 || n === 15 || n === 19) return 'securityerror';
    if (n >= 20 && n <= 24) return 'authfailure';
    if (n === 29) return 'authfailure';
  }
  return undefined;
}
