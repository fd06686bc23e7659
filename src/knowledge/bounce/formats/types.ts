/**
 * A report format: how one MTA or provider writes its bounces. Each module is data: how to
 * recognise the format, how its per-recipient blocks look when it writes no delivery report,
 * the command wordings it uses, and the notice wordings it documents as meaning a reason.
 * The shared reader (../parse.ts) applies them; formats/index.ts lists them in one registry.
 */
import type { SmtpCommand } from '../decide.js';
import type { SisimaiReason } from '../rules.js';

export interface FormatDetect {
  /** Matched against the From header (address and display name). */
  from?: RegExp;
  /** Matched against the Subject header. */
  subject?: RegExp;
  /** Matched against the raw header block (names and values). */
  headers?: RegExp;
  /** Matched against the first part of the human-readable body. */
  body?: RegExp;
}

/** Per-recipient blocks of a notice: an address line, then its reason lines. */
export interface BlockSpec {
  /** Where the recipient list starts (the block reader starts after the first match). */
  start?: RegExp;
  /** A line that introduces one recipient: group 1 is the address, group 2 (optional) text on that line. */
  recipient: RegExp;
  /** Group 1 is the reason text and group 2 the address (`Unknown user: a@b`). */
  textFirst?: boolean;
  /** Lines between `start` and the first recipient are the reason of every recipient (Notes writes the reason first). */
  leadIsReason?: boolean;
  /** A following line that belongs to the current recipient's reason (default: indented lines). */
  continuation?: RegExp;
  /** A line that ends the recipient list. */
  end?: RegExp;
}

export interface Notice {
  /** The MTA's documented wording (case-insensitive, linear). */
  text: RegExp;
  reason?: SisimaiReason;
  /** The SMTP command the wording implies. */
  command?: SmtpCommand;
  /** The wording states the reason wherever it stands in the notice (a transcript line above the reply). */
  anywhere?: boolean;
  /** The DSN action the wording implies (a delay warning is `delayed`). */
  action?: 'delayed' | 'failed';
}

export interface FormatModule {
  /** Stable id, e.g. `postfix`. */
  id: string;
  /** Human name, e.g. `Postfix`. */
  name: string;
  /** Where the format and its wordings are documented. */
  source: string;
  /** All given conditions must hold. A module without conditions never matches by itself. */
  detect: FormatDetect;
  blocks?: BlockSpec;
  notices?: readonly Notice[];
  commands?: ReadonlyArray<readonly [SmtpCommand, RegExp]>;
}

/** What format detection sees of a message. */
export interface MessageHead {
  from: string;
  subject: string;
  headers: string;
  body: string;
}
