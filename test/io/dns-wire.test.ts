/**
 * The wire-level stub resolver against loopback servers: the fixture server of
 * test/support/dns-server.ts, and a scripted UDP responder for replies no honest server sends
 * (forged questions, query packets, over-long CNAME chains).
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DnsLookupError, type DnsErrorCode } from '../../src/core/ports.js';
import { createWireDnsClient, parseDnsServer, UDP_MAX_QUERIES, validateQueryName } from '../../src/io/dns-wire.js';
import { startDnsServer, type TestDnsServer, type ZoneData } from '../support/dns-server.js';

const bigTxt = Array.from({ length: 12 }, (_, i) => ({ type: 'TXT' as const, value: `record-${i}-${'x'.repeat(120)}` }));
const chain = Object.fromEntries(
  Array.from({ length: 4 }, (_, i) => [`c${i}.example.com`, [{ type: 'CNAME' as const, value: `c${i + 1}.example.com` }]]),
);

const ZONE: ZoneData = {
  'example.com': [
    { type: 'A', value: '192.0.2.1' },
    { type: 'AAAA', value: '2001:db8::1' },
    { type: 'MX', value: { exchange: 'mx.example.com', priority: 10 } },
    { type: 'TXT', value: ['v=spf1 ', '-all'] },
    { type: 'NS', value: 'ns1.example.com' },
  ],
  'nullmx.example.com': [{ type: 'MX', value: { exchange: '.', priority: 0 } }],
  '1.2.0.192.in-addr.arpa': [{ type: 'PTR', value: 'host.example.com' }],
  ...chain,
  'c4.example.com': [{ type: 'TXT', value: 'end of chain' }],
  'dangling.example.com': [{ type: 'CNAME', value: 'missing.example.com' }],
  'big.example.com': bigTxt,
  'a:b/c d.example.com': [{ type: 'A', value: '192.0.2.7' }],
  'null.example.com': [
    { type: 'TXT', value: [] },
    { type: 'TXT', value: 'v=spf1 +all' },
  ],
  'servfail.example.com': { fail: 'SERVFAIL' },
  'refused.example.com': { fail: 'REFUSED' },
  'formerr.example.com': { fail: 'FORMERR' },
  'notimp.example.com': { fail: 'NOTIMP' },
  'silent.example.com': { fail: 'TIMEOUT' },
};

let server: TestDnsServer;
let spoofed: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({ zone: ZONE });
  spoofed = await startDnsServer({ zone: ZONE, mangleId: true });
});
afterAll(async () => {
  await Promise.all([server.close(), spoofed.close()]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

function client(servers = [server.address], tries = 1) {
  return createWireDnsClient({ servers, timeoutMs: 1_000, tries });
}

async function failure(promise: Promise<unknown>): Promise<DnsLookupError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DnsLookupError);
  return error as DnsLookupError;
}

async function failureCode(promise: Promise<unknown>): Promise<DnsErrorCode> {
  return (await failure(promise)).dnsCode;
}

/** A port nothing listens on: bound then released, so the kernel answers "port unreachable". */
async function deadPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A UDP responder that answers each query with whatever `script` builds, in order. */
async function startScripted(script: (query: DecodedPacket) => Buffer[]): Promise<{ address: string; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (raw, remote) => {
    for (const reply of script(dnsPacket.decode(raw))) socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function reply(query: DecodedPacket, overrides: Partial<Parameters<typeof dnsPacket.encode>[0]> = {}): Buffer {
  return dnsPacket.encode({ id: query.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED, questions: query.questions, ...overrides });
}

describe('wire DNS client: answers', () => {
  it('shapes every record type like DnsRecordMap (no trailing dots, TXT as strings)', async () => {
    const dns = client();
    expect(await dns.resolve('example.com', 'A')).toEqual(['192.0.2.1']);
    expect(await dns.resolve('example.com', 'AAAA')).toEqual(['2001:db8::1']);
    expect(await dns.resolve('example.com', 'MX')).toEqual([{ exchange: 'mx.example.com', priority: 10 }]);
    expect(await dns.resolve('example.com', 'TXT')).toEqual([['v=spf1 ', '-all']]);
    expect(await dns.resolve('example.com', 'NS')).toEqual(['ns1.example.com']);
    expect(await dns.resolve('1.2.0.192.in-addr.arpa', 'PTR')).toEqual(['host.example.com']);
    expect(await dns.resolve('c0.example.com', 'CNAME')).toEqual(['c1.example.com']);
    expect(await dns.resolve('EXAMPLE.com.', 'A')).toEqual(['192.0.2.1']);
  });

  it('gives a null MX (RFC 7505) the exchange ""', async () => {
    expect(await client().resolve('nullmx.example.com', 'MX')).toEqual([{ exchange: '', priority: 0 }]);
  });

  it('returns a TXT record with no strings as [] and keeps the other records', async () => {
    const records = await client().resolve('null.example.com', 'TXT');
    expect(records).toHaveLength(2);
    expect(records).toContainEqual([]);
    expect(records).toContainEqual(['v=spf1 +all']);
  });

  it('follows a CNAME chain in the answer section', async () => {
    expect(await client().resolve('c0.example.com', 'TXT')).toEqual([['end of chain']]);
  });

  it('reports a CNAME to a missing name as NXDOMAIN', async () => {
    expect(await failureCode(client().resolve('dangling.example.com', 'A'))).toBe('NXDOMAIN');
  });

  it('sends names holding ":", "/" and spaces as they are (RFC 2181 §11)', async () => {
    const before = server.queries.length;
    expect(await client().resolve('a:b/c d.example.com', 'A')).toEqual(['192.0.2.7']);
    expect(server.queries.slice(before)).toEqual([{ name: 'a:b/c d.example.com', type: 'A', transport: 'udp' }]);
  });

  it('re-asks over TCP when the UDP answer is truncated', async () => {
    const before = server.queries.length;
    const records = await client().resolve('big.example.com', 'TXT');
    expect(records).toHaveLength(12);
    expect(records.map((r) => r.join(''))).toContain(`record-0-${'x'.repeat(120)}`);
    expect(server.queries.slice(before).map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });
});

describe('wire DNS client: failures', () => {
  it('maps every rcode (and silence) to its DnsErrorCode', async () => {
    const dns = client();
    expect(await failureCode(dns.resolve('nope.example.com', 'A'))).toBe('NXDOMAIN');
    expect(await failureCode(dns.resolve('example.com', 'PTR'))).toBe('NODATA');
    expect(await failureCode(dns.resolve('servfail.example.com', 'A'))).toBe('SERVFAIL');
    expect(await failureCode(dns.resolve('refused.example.com', 'A'))).toBe('REFUSED');
    expect(await failureCode(dns.resolve('formerr.example.com', 'A'))).toBe('FAILED');
    expect(await failureCode(dns.resolve('notimp.example.com', 'A'))).toBe('FAILED');
    expect(await failureCode(dns.resolve('silent.example.com', 'A'))).toBe('TIMEOUT');
  });

  it('retries a silent server `tries` times, then reports TIMEOUT', async () => {
    const before = server.queries.length;
    const error = await failure(client([server.address], 3).resolve('silent.example.com', 'TXT'));
    expect(error.dnsCode).toBe('TIMEOUT');
    expect(error.isVoid).toBe(false);
    expect(server.queries.slice(before)).toHaveLength(3);
  });

  it('does not re-ask a server that answered SERVFAIL', async () => {
    const before = server.queries.length;
    expect(await failureCode(client([server.address], 3).resolve('servfail.example.com', 'TXT'))).toBe('SERVFAIL');
    expect(server.queries.slice(before)).toHaveLength(1);
  });

  it('rejects malformed names as BADNAME without sending anything', async () => {
    const dns = client();
    const before = server.queries.length;
    for (const name of ['', '..', 'a..example.com', '.example.com', `${'a'.repeat(64)}.example.com`, `${'abcdefghi.'.repeat(26)}com`]) {
      expect(await failureCode(dns.resolve(name, 'A')), JSON.stringify(name)).toBe('BADNAME');
    }
    expect(server.queries.length).toBe(before);
  });
});

describe('wire DNS client: servers and spoofing', () => {
  it('falls over from a dead first server to the second', async () => {
    const before = server.queries.length;
    const dns = client([`127.0.0.1:${await deadPort()}`, server.address]);
    expect(await dns.resolve('example.com', 'A')).toEqual(['192.0.2.1']);
    expect(server.queries.slice(before)).toHaveLength(1);
  });

  it('falls over from a silent first server and from a SERVFAIL one', async () => {
    const silent = await startScripted(() => []);
    const failing = await startScripted((query) => [reply(query, { flags: 2 })]);
    try {
      expect(await client([silent.address, server.address]).resolve('example.com', 'A')).toEqual(['192.0.2.1']);
      expect(await client([failing.address, server.address]).resolve('example.com', 'A')).toEqual(['192.0.2.1']);
    } finally {
      await Promise.all([silent.close(), failing.close()]);
    }
  });

  it('ignores a forged reply with the wrong id and takes the real one', async () => {
    const before = spoofed.queries.length;
    expect(await createWireDnsClient({ servers: [spoofed.address], timeoutMs: 2_000, tries: 1 }).resolve('example.com', 'A')).toEqual(['192.0.2.1']);
    expect(spoofed.queries.slice(before)).toHaveLength(1);
  });

  it('ignores replies for another question, non-responses and garbage; accepts a different case', async () => {
    const real: Answer = { type: 'A', name: 'EXAMPLE.COM', class: 'IN', ttl: 60, data: '192.0.2.99' };
    const forged: Answer = { type: 'A', name: 'evil.example', class: 'IN', ttl: 60, data: '203.0.113.66' };
    // Everything before the honest reply must be rejected, or the forged address would win.
    const honest = await startScripted((query) => [
      Buffer.from('not dns'),
      reply(query, { questions: [{ name: 'evil.example', type: 'A', class: 'IN' }], answers: [forged] }),
      reply(query, { questions: [{ name: query.questions![0]!.name, type: 'AAAA', class: 'IN' }], answers: [forged] }),
      dnsPacket.encode({ id: query.id, type: 'query', questions: query.questions, answers: [forged] }),
      reply(query, { questions: [{ name: 'EXAMPLE.COM', type: 'A', class: 'IN' }], answers: [real] }),
    ]);
    try {
      expect(await createWireDnsClient({ servers: [honest.address], timeoutMs: 2_000, tries: 1 }).resolve('example.com', 'A')).toEqual(['192.0.2.99']);
    } finally {
      await honest.close();
    }
  });

  it('stops after 8 CNAME hops in an answer', async () => {
    const hops = (count: number): Answer[] =>
      Array.from({ length: count }, (_, i): Answer => ({ type: 'CNAME', name: i === 0 ? 'loop.example' : `h${i}.example`, class: 'IN', ttl: 60, data: `h${i + 1}.example` }));
    const scripted = await startScripted((query) => {
      const count = query.questions![0]!.name === 'loop.example' ? 9 : 8;
      const answers = hops(count);
      answers.push({ type: 'A', name: `h${count}.example`, class: 'IN', ttl: 60, data: '192.0.2.8' });
      if (count === 8) answers[0] = { ...answers[0]!, name: query.questions![0]!.name } as Answer;
      return [reply(query, { answers })];
    });
    try {
      expect(await client([scripted.address]).resolve('eight.example', 'A')).toEqual(['192.0.2.8']);
      expect(await failureCode(client([scripted.address]).resolve('loop.example', 'A'))).toBe('FAILED');
    } finally {
      await scripted.close();
    }
  });

  it('cannot reach a non-loopback server from tests (no-network guard covers UDP)', async () => {
    const error = await failure(createWireDnsClient({ servers: ['192.0.2.53'], timeoutMs: 100, tries: 1 }).resolve('example.com', 'A'));
    expect(error.dnsCode).toBe('FAILED');
    expect(String((error.cause as Error).message)).toMatch(/tests may only use loopback/);
    const socket = dgram.createSocket('udp4');
    try {
      expect(() => socket.send(Buffer.from('x'), 53, '192.0.2.53')).toThrow(/tests may only use loopback/);
    } finally {
      socket.close();
    }
  });

  it('uses the system resolvers by default', async () => {
    const saved = dns.getServers();
    dns.setServers([server.address]);
    try {
      expect(await createWireDnsClient({ timeoutMs: 100, tries: 1 }).resolve('example.com', 'A')).toEqual(['192.0.2.1']);
    } finally {
      dns.setServers(saved);
    }
  });

  it('closes every socket it opens, on every path: TCP before settling, UDP once idle', async () => {
    const deadServer = `127.0.0.1:${await deadPort()}`;
    const udp: dgram.Socket[] = [];
    const udpClosed: Promise<void>[] = [];
    const tcp: net.Socket[] = [];
    const closedTcpAtSettle: boolean[] = [];
    const createSocket = dgram.createSocket.bind(dgram);
    const connect = net.connect.bind(net);
    vi.spyOn(dgram, 'createSocket').mockImplementation(((...args: Parameters<typeof dgram.createSocket>) => {
      const socket = createSocket(...args);
      udp.push(socket);
      udpClosed.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
      return socket;
    }) as typeof dgram.createSocket);
    vi.spyOn(net, 'connect').mockImplementation(((...args: Parameters<typeof net.connect>) => {
      const socket = (connect as (...a: unknown[]) => net.Socket)(...args);
      tcp.push(socket);
      return socket;
    }) as typeof net.connect);
    const allUdpClosed = () => Promise.all(udpClosed);

    const dns = createWireDnsClient({ servers: [deadServer, server.address], timeoutMs: 1_000, tries: 2, udpIdleMs: 20 });
    const spoofedClient = createWireDnsClient({ servers: [spoofed.address], timeoutMs: 2_000, tries: 1, udpIdleMs: 20 });
    const outcomes = await Promise.allSettled([
      dns.resolve('example.com', 'A'),
      dns.resolve('big.example.com', 'TXT').finally(() => closedTcpAtSettle.push(tcp.every((s) => s.destroyed))),
      dns.resolve('silent.example.com', 'A'),
      dns.resolve('servfail.example.com', 'A'),
      dns.resolve('nope.example.com', 'A'),
      spoofedClient.resolve('example.com', 'A'),
    ]);
    const closing = allUdpClosed();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    expect(tcp.length).toBeGreaterThan(0);
    expect(closedTcpAtSettle).toEqual([true]);
    // At least the dead server's, the live server's and the spoofed server's (sharing is tested below).
    expect(udp.length).toBeGreaterThanOrEqual(3);
    await closing;
  });

  it('shares one UDP socket among concurrent queries to a server, each getting its own answer', async () => {
    const created = vi.spyOn(dgram, 'createSocket');
    const before = server.queries.length;
    const dns = client();
    const names = ['example.com', 'c4.example.com', 'nullmx.example.com', 'a:b/c d.example.com'];
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const name = names[i % names.length]!;
        return dns.resolve(name, name === 'nullmx.example.com' ? 'MX' : name === 'c4.example.com' ? 'TXT' : 'A');
      }),
    );
    expect(created).toHaveBeenCalledTimes(1);
    expect(server.queries.length - before).toBe(40);
    const expected: unknown[] = [['192.0.2.1'], [['end of chain']], [{ exchange: '', priority: 0 }], ['192.0.2.7']];
    expect(answers).toEqual(answers.map((_, i) => expected[i % expected.length]));
  });

  it(`retires a UDP socket after ${UDP_MAX_QUERIES} queries (a new source port), and fails every query in flight on a broken one`, async () => {
    const created = vi.spyOn(dgram, 'createSocket');
    const dns = client();
    for (let i = 0; i < UDP_MAX_QUERIES + 1; i++) await dns.resolve('example.com', 'A');
    expect(created).toHaveBeenCalledTimes(2);

    const dead = client([`127.0.0.1:${await deadPort()}`]);
    created.mockClear();
    const failures = await Promise.all(Array.from({ length: 5 }, () => failureCode(dead.resolve('example.com', 'A'))));
    expect(failures).toEqual(Array(5).fill('FAILED'));
    expect(created).toHaveBeenCalledTimes(1);
  });
});

describe('wire DNS client: inputs', () => {
  it('parses server entries', () => {
    expect(parseDnsServer('192.0.2.53')).toEqual({ host: '192.0.2.53', port: 53, family: 4 });
    expect(parseDnsServer('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353, family: 4 });
    expect(parseDnsServer('[::1]:5353')).toEqual({ host: '::1', port: 5353, family: 6 });
    expect(parseDnsServer('[2001:db8::53]')).toEqual({ host: '2001:db8::53', port: 53, family: 6 });
    expect(parseDnsServer('2001:db8::53')).toEqual({ host: '2001:db8::53', port: 53, family: 6 });
    expect(() => parseDnsServer('dns.example.com')).toThrow(/not an IP address/);
    expect(() => parseDnsServer('127.0.0.1:0')).toThrow(/invalid port/);
  });

  it('validates names by byte length, allowing any octet in a label', () => {
    expect(validateQueryName('example.com.')).toBe('example.com');
    expect(validateQueryName('a:b/c d.example')).toBe('a:b/c d.example');
    expect(validateQueryName(`${'é'.repeat(32)}.example`)).toBeUndefined(); // 64 bytes
    expect(validateQueryName(`${'é'.repeat(31)}.example`)).toBe(`${'é'.repeat(31)}.example`);
  });
});
