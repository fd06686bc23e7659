/**
 * Records every outward call of a run (DNS query, AWS call, SMTP round trip) with its start,
 * end and answer, and computes the critical-path bound: the longest chain of calls where each
 * call needs an earlier answer (inferred: the earlier answer names the later call's subject).
 */
import type { DnsClient, DnsRecordMap, RRType } from '../../src/core/ports.js';

export type CallKind = 'dns' | 'aws' | 'smtp';

export interface TimelineEvent {
  kind: CallKind;
  /** What was asked, e.g. `TXT example.com` or `GetEmailIdentity example.com`. */
  key: string;
  /** The name or id the call is about (used to infer which earlier answer led to it). */
  subject: string;
  start: number;
  end: number;
  /** The answer (or error) as lower-case text. */
  answerText: string;
  /** Round trips the call costs (an SMTP session is several); default 1. */
  weight?: number;
  /** Time the peer spends on its own, whatever the latency (smtp-server's greeting pause). */
  fixedMs?: number;
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  private readonly origin = performance.now();

  now(): number {
    return performance.now() - this.origin;
  }

  async record<T>(kind: CallKind, key: string, subject: string, call: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      const result = await call();
      this.events.push({ kind, key, subject: subject.toLowerCase(), start, end: this.now(), answerText: JSON.stringify(result ?? null).toLowerCase() });
      return result;
    } catch (error) {
      this.events.push({ kind, key, subject: subject.toLowerCase(), start, end: this.now(), answerText: String(error).toLowerCase() });
      throw error;
    }
  }

  /** Wraps a DNS client (below the per-run cache, so only wire queries are recorded). */
  wrapDns(base: DnsClient): DnsClient {
    return {
      resolve: <T extends RRType>(name: string, type: T): Promise<DnsRecordMap[T]> =>
        this.record('dns', `${type} ${name.toLowerCase()}`, name.replace(/\.$/, ''), () => base.resolve(name, type)),
    };
  }

  /** Adds a call observed elsewhere (at a loopback peer), times already relative to this timeline. */
  add(event: TimelineEvent): void {
    this.events.push({ ...event, subject: event.subject.toLowerCase() });
  }

  /** Converts a performance.now() reading taken elsewhere to this timeline's time. */
  since(absolute: number): number {
    return absolute - this.origin;
  }

  count(kind: CallKind): { sent: number; distinct: number } {
    const keys = this.events.filter((e) => e.kind === kind).map((e) => e.key);
    return { sent: keys.length, distinct: new Set(keys).size };
  }
}

/** A label this long is a token (a DKIM selector such as SES's 32-character ones), not a word. */
const TOKEN_LABEL_MIN = 16;

/**
 * Whether an answer names the call's subject: the whole name or id, or for a DNS name whose
 * first label is a token, that token (SES's GetEmailIdentity answers with DKIM tokens, and
 * the DNS layer then asks `<token>._domainkey.<domain>`).
 */
function mentions(answerText: string, event: TimelineEvent): boolean {
  if (event.subject === '') return false;
  if (answerText.includes(event.subject)) return true;
  if (event.kind !== 'dns') return false;
  const first = event.subject.split('.')[0] ?? '';
  return first.length >= TOKEN_LABEL_MIN && !first.startsWith('_') && answerText.includes(first);
}

/**
 * The longest dependent chain, weighting each call by its kind's latency (times its round
 * trips). A call depends on an earlier finished call whose answer mentions its subject (any
 * kinds: an AWS answer can lead to a DNS query), or (DNS) on an earlier query of the same name
 * (for example the `a` mechanism after the TXT record that contains it).
 */
export function criticalPath(
  events: readonly TimelineEvent[],
  latency: Record<CallKind, number>,
): { boundMs: number; chain: string[]; path: TimelineEvent[] } {
  const sorted = [...events].sort((a, b) => a.start - b.start);
  const best = new Map<TimelineEvent, { cost: number; path: TimelineEvent[] }>();
  for (const event of sorted) {
    let parent: { cost: number; path: TimelineEvent[] } | undefined;
    for (const earlier of sorted) {
      if (earlier === event || earlier.end > event.start + 0.5) continue;
      const sameName = earlier.kind === 'dns' && event.kind === 'dns' && earlier.subject === event.subject;
      if (!sameName && !mentions(earlier.answerText, event)) continue;
      const candidate = best.get(earlier);
      if (candidate && (!parent || candidate.cost > parent.cost)) parent = candidate;
    }
    best.set(event, {
      cost: (parent?.cost ?? 0) + latency[event.kind] * (event.weight ?? 1) + (event.fixedMs ?? 0),
      path: [...(parent?.path ?? []), event],
    });
  }
  let longest = { cost: 0, path: [] as TimelineEvent[] };
  for (const value of best.values()) if (value.cost > longest.cost) longest = value;
  return { boundMs: longest.cost, chain: longest.path.map((e) => e.key), path: longest.path };
}
