/**
 * DNS adapters: Node's resolver (c-ares) behind the DnsClient interface, and the per-run
 * cache that guarantees each name and type is asked once per diagnosis.
 */
import { Resolver } from 'node:dns/promises';
import { DnsLookupError, type DnsClient, type DnsErrorCode, type DnsRecordMap, type RRType, type RunCounters } from '../core/ports.js';

export interface DnsClientOptions {
  /** `host` or `host:port` entries; default: the system's resolvers. */
  servers?: string[];
  /** Per-attempt timeout; c-ares doubles it on each retry. */
  timeoutMs?: number;
  tries?: number;
}

const NODE_CODES: Record<string, DnsErrorCode> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'NODATA',
  ESERVFAIL: 'SERVFAIL',
  ETIMEOUT: 'TIMEOUT',
  ECONNREFUSED: 'REFUSED',
  EREFUSED: 'REFUSED',
  EBADNAME: 'BADNAME',
  EBADQUERY: 'BADNAME',
  EFORMERR: 'FAILED',
  EBADRESP: 'FAILED',
  ECANCELLED: 'FAILED',
};

/** Normalises a name for cache keys and comparisons. */
export function dnsKey(name: string, type: RRType): string {
  return `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
}

export function createDnsClient(options: DnsClientOptions = {}): DnsClient {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);

  async function query<T extends RRType>(name: string, type: T): Promise<DnsRecordMap[T]> {
    const records = await (async (): Promise<unknown> => {
      switch (type) {
        case 'A':
          return resolver.resolve4(name);
        case 'AAAA':
          return resolver.resolve6(name);
        case 'MX':
          // Keep only the fields of our contract (newer Node adds a `type` member).
          return (await resolver.resolveMx(name)).map(({ exchange, priority }) => ({ exchange, priority }));
        case 'TXT':
          return resolver.resolveTxt(name);
        case 'CNAME':
          return resolver.resolveCname(name);
        case 'PTR':
          return resolver.resolvePtr(name);
        case 'NS':
          return resolver.resolveNs(name);
      }
    })();
    return records as DnsRecordMap[T];
  }

  return {
    async resolve(name, type) {
      if (name === '' || name.length > 253 || name.split('.').some((label) => label.length > 63)) {
        throw new DnsLookupError('BADNAME', name, type);
      }
      try {
        return await query(name, type);
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        throw new DnsLookupError(NODE_CODES[code] ?? 'FAILED', name, type, error);
      }
    },
  };
}

export interface RecordedLookup {
  name: string;
  type: RRType;
}

/**
 * Wraps a client with a cache for one run. The cache holds promises, so concurrent checks
 * asking the same name share one query; failures are cached too (one timeout, not ten).
 */
export function createRunDns(base: DnsClient, counters: RunCounters): DnsClient & { lookups: RecordedLookup[] } {
  const cache = new Map<string, Promise<unknown>>();
  const lookups: RecordedLookup[] = [];
  return {
    lookups,
    resolve<T extends RRType>(name: string, type: T): Promise<DnsRecordMap[T]> {
      const key = dnsKey(name, type);
      let entry = cache.get(key) as Promise<DnsRecordMap[T]> | undefined;
      if (!entry) {
        counters.dnsQueries += 1;
        counters.dnsQueriesDistinct += 1;
        lookups.push({ name, type });
        entry = base.resolve(name, type);
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
