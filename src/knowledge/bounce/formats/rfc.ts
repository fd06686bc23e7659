/**
 * The generic formats: RFC 3464 delivery status notifications (the fallback for any MTA that
 * writes a message/delivery-status part), RFC 3834 automatic replies and RFC 5965 (ARF)
 * feedback reports. The shared reader handles their fields; these modules name them.
 */
import type { FormatModule } from './types.js';

export const rfc3464: FormatModule = {
  id: 'rfc3464',
  name: 'RFC 3464 delivery status notification',
  source: 'RFC 3464 (message/delivery-status); RFC 3461 section 6',
  detect: { headers: /report-type="?delivery-status/i },
  notices: [{ text: /is only a notification about a delay|This is a delivery status notification, not an error|THIS IS A WARNING MESSAGE ONLY/i, action: 'delayed' }],
};

/** Automatic replies: RFC 3834 `Auto-Submitted: auto-replied` and the common out-of-office marks. */
export const rfc3834: FormatModule = {
  id: 'rfc3834',
  name: 'RFC 3834 automatic reply',
  source: 'RFC 3834 (Auto-Submitted); Microsoft X-Auto-Response-Suppress; common X-Autoreply headers',
  detect: {
    headers: /^(?:Auto-Submitted:\s{0,4}auto-replied|X-Autoreply:|X-Autorespond:|X-Auto-Response-Suppress:|Precedence:\s{0,4}auto_reply)/im,
  },
};

export const arf: FormatModule = {
  id: 'arf',
  name: 'ARF feedback report',
  source: 'RFC 5965 (Abuse Reporting Format)',
  detect: { headers: /report-type="?feedback-report/i },
};

/** Subjects that mark an automatic reply (used with rfc3834 when no header says so). */
export const AUTO_REPLY_SUBJECT = /^(?:Auto(?:matic)?[ -]?(?:reply|response|antwort)|Auto:|Out of (?:the )?office|Abwesenheitsnotiz|R[ée]ponse automatique|Risposta automatica|Respuesta autom[áa]tica)/i;
