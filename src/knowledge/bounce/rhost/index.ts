/**
 * Remote-host code tables: receivers that answer with codes of their own, where the code (not
 * the enhanced status) decides the reason. One table per provider, as data, chosen by the
 * remote host in the report (or the recipient domain's MX, or the provider detected from the
 * reply). See tables.ts.
 */
import type { ReplyFragment } from '../parse.js';
import type { Provider, SisimaiReason } from '../rules.js';
import { REMOTE_HOST_TABLES } from './tables.js';

export interface TableReason {
  reason: SisimaiReason;
  table: string;
}

/** The reason a provider's own code table gives for this reply, if its host matches and a code does. */
export function remoteHostReason(fragment: ReplyFragment, provider: Provider, mxHosts: readonly string[] = []): TableReason | undefined {
  // Without a remote host, the reporting MTA answered for its own mailboxes: its host chooses the
  // table; without either, the recipient domain's MX (the server that would have answered) does.
  const host = (fragment.remoteHost ?? fragment.reportingHost ?? '').toLowerCase();
  const mx = host === '' ? mxHosts.map((name) => name.toLowerCase().replace(/\.$/, '')) : [];
  const reporter = (fragment.reportingHost ?? '').toLowerCase();
  const text = fragment.text.slice(0, 2000);
  for (const table of REMOTE_HOST_TABLES) {
    const chosen = (host !== '' && table.hosts.test(host)) || mx.some((name) => table.hosts.test(name)) || (table.byReporter === true && reporter !== '' && table.hosts.test(reporter)) || (table.providers?.includes(provider) ?? false) || (table.textMarks?.test(text) ?? false);
    if (!chosen) continue;
    for (const entry of table.codes) {
      if (entry.status && !entry.status.test(fragment.status ?? '')) continue;
      if (entry.command && !entry.command.test(fragment.command ?? '')) continue;
      if (entry.text.test(text)) return { reason: entry.reason, table: `${table.name}:${entry.id}` };
    }
  }
  return undefined;
}
