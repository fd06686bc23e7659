/**
 * Provider code tables (KNOWLEDGE.md section 7, "Provider code tables"). Each table is chosen by
 * the remote host (`hosts`), the detected provider, or a mark only that provider's replies
 * carry (`textMarks`, e.g. Orange's `OFR_` / `LPN` codes); then the first code entry that
 * matches the reply decides. Entries are the providers' published code meanings.
 */
import type { Provider, SisimaiReason } from '../rules.js';

export interface CodeEntry {
  /** The provider's code, e.g. `IB506`. */
  id: string;
  /** Matched against the reply text (case-insensitive, linear). */
  text: RegExp;
  /** Optional condition on the enhanced status. */
  status?: RegExp;
  reason: SisimaiReason;
}

export interface RemoteHostTable {
  name: string;
  hosts: RegExp;
  providers?: readonly Provider[];
  textMarks?: RegExp;
  /** Where the code meanings are published. */
  source: string;
  codes: readonly CodeEntry[];
}

export const REMOTE_HOST_TABLES: readonly RemoteHostTable[] = [];
