/**
 * DNS adapters: the product's DnsClient (the wire-level stub resolver of dns-wire.ts), and the
 * per-run cache that guarantees each name and type is asked once per diagnosis.
 */
import pLimit from 'p-limit';
import { DNS_QUERY_CONCURRENCY } from '../core/limits.js';
import type { DnsClient, DnsRecordMap, RRType, RunCounters } from '../core/ports.js';
import { createWireDnsClient, type WireDnsClientOptions } from './dns-wire.js';

/**
 * `servers`: `host`, `host:port` or `[v6]:port` IP entries (default: the system's resolvers);
 * `timeoutMs`: per attempt; `tries`: rounds over the server list.
 */
export type DnsClientOptions = WireDnsClientOptions;

/** Normalises a name for cache keys and comparisons. */
export function dnsKey(name: string, type: RRType): string {
  return `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
}

/**
 * The product's DNS client. Not Node's resolver: c-ares refuses names with `:`, `/` or spaces
 * (legal in DNS, produced by SPF macros) and rejects answers holding an empty TXT record.
 */
export function createDnsClient(options: DnsClientOptions = {}): DnsClient {
  return createWireDnsClient(options);
}

export interface RecordedLookup {
  name: string;
  type: RRType;
}

/**
 * Wraps a client with a cache for one run. The cache holds promises, so concurrent checks
 * asking the same name share one query; failures are cached too (one timeout, not ten).
 * At most DNS_QUERY_CONCURRENCY queries of a run are in flight; the rest queue.
 */
export function createRunDns(base: DnsClient, counters: RunCounters): DnsClient & { lookups: RecordedLookup[] } {
  const cache = new Map<string, Promise<unknown>>();
  const lookups: RecordedLookup[] = [];
  const limit = pLimit(DNS_QUERY_CONCURRENCY);
  return {
    lookups,
    resolve<T extends RRType>(name: string, type: T): Promise<DnsRecordMap[T]> {
      const key = dnsKey(name, type);
      let entry = cache.get(key) as Promise<DnsRecordMap[T]> | undefined;
      if (!entry) {
        counters.dnsQueries += 1;
        counters.dnsQueriesDistinct += 1;
        lookups.push({ name, type });
        entry = limit(() => base.resolve(name, type));
        // Avoid an unhandled rejection when every caller has already gone (timeouts).
        entry.catch(() => undefined);
        cache.set(key, entry);
      }
      return entry;
    },
  };
}

/** TXT character-strings joined as RFC 7208 says: without separators. */
export function joinTxt(record: string[]): string {
  return record.join('');
}
