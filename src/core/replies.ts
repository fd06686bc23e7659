import type { Layer } from './finding.js';

/**
 * A remote server's reply (from a bounce, an NDR, a pasted log line or SES message
 * insights) after interpretation by the bounce knowledge in src/knowledge.
 */
export interface InterpretedReply {
  /** The reply text as found, quoted as evidence. */
  raw: string;
  recipient?: string;
  /** Basic SMTP reply code, e.g. `550`. */
  replyCode?: string;
  /** Enhanced status code (RFC 3463), e.g. `5.4.1`. */
  status?: string;
  remoteHost?: string;
  /** SMTP command the reply answered, when the bounce says (`CONN`, `EHLO`, `HELO`, `MAIL`, `RCPT`, `DATA`). */
  command?: string;
  /** Who answered: `Exchange Online`, `Google`, `Amazon SES`, ... or `unknown`. */
  provider: string;
  /** Our own category id, e.g. `recipient-unknown`, `relay-auth-failed`. */
  category: string;
  /** The layer this reply points to. */
  layer: Layer;
  /** sisimai-compatible reason name (`userunknown`, `authfailure`, ...). */
  reason: string;
  /** 0..1: how sure the rule is. */
  confidence: number;
  explanation: string;
  fix: string;
  /** Id of the rule that matched, for review. */
  ruleId: string;
  /** Which step decided the reason (`provider:<row>`, `rhost:<table>`, `first-order`, `status`, `fallback:...`). */
  decidedBy?: string;
  /**
   * The client that showed the reply to the user, when its wording says so (for example
   * Gmail's "Send mail as" error box around an SES 535): the relay in the delivery path.
   */
  reportedBy?: string;
}
