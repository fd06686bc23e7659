/**
 * What one run may be asked to look at: one documented cap per kind, applied in one place
 * (`capTarget`, called by `diagnose` for every input path: slash command, thread mention or
 * shortcut, CLI flags and files, re-checks behind a button). Whatever is cut is named in the
 * target's notes ("12 more recipients not checked"), so the report says what it left out.
 *
 * The caps bound how many AWS calls and DNS lookups user input can cause; the per-run
 * concurrency limits bound how many of those are in flight at once (a wide run queues).
 */
import type { Target } from './target.js';

export const TARGET_CAPS = {
  /** Recipient addresses (each costs a suppression lookup per region and an MX walk). */
  recipients: 20,
  /** SMTP usernames (IAM access key ids, typed or found in a thread). */
  smtpUsers: 10,
  /** Regions named in the input (configured regions are the operator's and not capped). */
  regions: 5,
  /** SES message ids (one GetMessageInsights per id and region). */
  messageIds: 10,
} as const;

/** Per-run AWS requests in flight at once. */
export const AWS_CALL_CONCURRENCY = 8;
/** Per-run DNS queries in flight at once. */
export const DNS_QUERY_CONCURRENCY = 16;
/** Longest slash-command or mention text parsed (characters); longer is refused privately. */
export const MAX_COMMAND_TEXT = 8_000;
/** Most bytes read from a file or stdin by the CLI (`--bounce`, `--thread`, `classify`). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

type CappedKind = keyof typeof TARGET_CAPS;

const NOUNS: Record<CappedKind, [string, string]> = {
  recipients: ['recipient', 'recipients'],
  smtpUsers: ['SMTP username', 'SMTP usernames'],
  regions: ['region', 'regions'],
  messageIds: ['message id', 'message ids'],
};

/** The target with every list cut to its cap; a note per cut, first, so it is never left out. */
export function capTarget(target: Target): Target {
  const notes: string[] = [];
  const next: Target = { ...target };
  for (const kind of Object.keys(TARGET_CAPS) as CappedKind[]) {
    const cap = TARGET_CAPS[kind];
    const values = target[kind];
    if (values.length <= cap) continue;
    const extra = values.length - cap;
    next[kind] = values.slice(0, cap);
    notes.push(`${extra} more ${NOUNS[kind][extra === 1 ? 0 : 1]} not checked (at most ${cap} per run)`);
  }
  if (notes.length === 0) return target;
  next.notes = [...notes, ...target.notes];
  return next;
}
