import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCounters } from '../../src/core/context.js';
import { DnsLookupError } from '../../src/core/ports.js';
import { createDnsClient, createRunDns, joinTxt } from '../../src/io/dns.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';

const longSpf = `v=spf1 ${Array.from({ length: 40 }, (_, i) => `ip4:192.0.2.${i}`).join(' ')} -all`;
const bigTxt = Array.from({ length: 12 }, (_, i) => ({ type: 'TXT' as const, value: `record-${i}-${'x'.repeat(120)}` }));

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({
    zone: {
      'example.com': [
        { type: 'TXT', value: 'v=spf1 include:amazonses.com -all' },
        { type: 'MX', value: { exchange: 'mx.example.com', priority: 10 } },
      ],
      'mx.example.com': [{ type: 'A', value: '192.0.2.10' }],
      'alias.example.com': [{ type: 'CNAME', value: 'example.com' }],
      'long.example.com': [{ type: 'TXT', value: longSpf }],
      'big.example.com': bigTxt,
      'sub.parent.example.com': [{ type: 'A', value: '192.0.2.20' }],
      'broken.example.com': { fail: 'SERVFAIL' },
      'refused.example.com': { fail: 'REFUSED' },
      'silent.example.com': { fail: 'TIMEOUT' },
    },
  });
});
afterAll(() => server.close());

function client() {
  return createDnsClient({ servers: [server.address], timeoutMs: 1_000, tries: 1 });
}

async function failureCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DnsLookupError);
  return (error as DnsLookupError).dnsCode;
}

describe('DNS client against the loopback server', () => {
  it('answers TXT and MX', async () => {
    const dns = client();
    expect((await dns.resolve('example.com', 'TXT')).map(joinTxt)).toEqual(['v=spf1 include:amazonses.com -all']);
    expect(await dns.resolve('example.com', 'MX')).toEqual([{ exchange: 'mx.example.com', priority: 10 }]);
  });

  it('follows CNAMEs like a recursive resolver', async () => {
    const dns = client();
    expect((await dns.resolve('alias.example.com', 'TXT')).map(joinTxt)).toEqual(['v=spf1 include:amazonses.com -all']);
    expect(await dns.resolve('alias.example.com', 'CNAME')).toEqual(['example.com']);
  });

  it('joins long TXT records split into 255-byte strings', async () => {
    const [record] = await client().resolve('long.example.com', 'TXT');
    expect(record!.length).toBeGreaterThan(1);
    expect(joinTxt(record!)).toBe(longSpf);
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const before = server.queries.length;
    const records = await client().resolve('big.example.com', 'TXT');
    expect(records).toHaveLength(12);
    const made = server.queries.slice(before);
    expect(made.map((q) => q.transport)).toContain('tcp');
  });

  it('tells "no such name" from "no such record" from "could not check"', async () => {
    const dns = client();
    expect(await failureCode(dns.resolve('nope.example.com', 'TXT'))).toBe('NXDOMAIN');
    expect(await failureCode(dns.resolve('mx.example.com', 'TXT'))).toBe('NODATA');
    expect(await failureCode(dns.resolve('parent.example.com', 'A'))).toBe('NODATA');
    expect(await failureCode(dns.resolve('broken.example.com', 'TXT'))).toBe('SERVFAIL');
    expect(await failureCode(dns.resolve('refused.example.com', 'TXT'))).toBe('REFUSED');
    expect(await failureCode(dns.resolve('silent.example.com', 'TXT'))).toBe('TIMEOUT');
  });

  it('marks only proofs of absence as void', async () => {
    const dns = client();
    const nx = await dns.resolve('nope.example.com', 'A').catch((e: DnsLookupError) => e);
    const servfail = await dns.resolve('broken.example.com', 'A').catch((e: DnsLookupError) => e);
    expect((nx as DnsLookupError).isVoid).toBe(true);
    expect((servfail as DnsLookupError).isVoid).toBe(false);
  });

  it('rejects a malformed name without sending it', async () => {
    const before = server.queries.length;
    expect(await failureCode(client().resolve(`${'a'.repeat(64)}.example.com`, 'A'))).toBe('BADNAME');
    expect(server.queries.length).toBe(before);
  });
});

describe('per-run DNS cache', () => {
  it('sends each name and type once, even to concurrent callers, and counts them', async () => {
    const counters = newCounters();
    const dns = createRunDns(client(), counters);
    const before = server.queries.length;
    await Promise.all([
      dns.resolve('example.com', 'TXT'),
      dns.resolve('EXAMPLE.com.', 'TXT'),
      dns.resolve('example.com', 'MX'),
      dns.resolve('example.com', 'TXT'),
    ]);
    await dns.resolve('nope.example.com', 'A').catch(() => undefined);
    await dns.resolve('nope.example.com', 'A').catch(() => undefined);
    const made = server.queries.slice(before).map((q) => `${q.type} ${q.name}`);
    expect(made.sort()).toEqual(['A nope.example.com', 'MX example.com', 'TXT example.com']);
    expect(counters.dnsQueries).toBe(3);
  });
});
