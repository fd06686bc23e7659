/**
 * Loaded before every test file: any attempt to reach a host that is not on loopback
 * fails loudly, proving that no test touches the internet (idea from mailauth's test set-up).
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

function refuse(what: string): never {
  throw new Error(`test tried to reach the network: ${what} (tests may only use loopback peers)`);
}

function isLoopbackServer(server: string): boolean {
  const host = server.startsWith('[') ? server.slice(1, server.indexOf(']')) : server.replace(/:\d+$/, '');
  return LOOPBACK.test(host);
}

// Name lookups: only loopback names resolve.
const originalLookup = dns.lookup;
const guardedLookup = ((hostname: string, ...rest: unknown[]) => {
  if (!LOOPBACK.test(hostname) && net.isIP(hostname) === 0) refuse(`DNS lookup of ${hostname}`);
  return (originalLookup as (...args: unknown[]) => unknown)(hostname, ...rest);
}) as typeof dns.lookup;
dns.lookup = guardedLookup;
const originalPromiseLookup = dns.promises.lookup;
dns.promises.lookup = ((hostname: string, ...rest: unknown[]) => {
  if (!LOOPBACK.test(hostname) && net.isIP(hostname) === 0) refuse(`DNS lookup of ${hostname}`);
  return (originalPromiseLookup as (...args: unknown[]) => unknown)(hostname, ...rest);
}) as typeof dns.promises.lookup;

// Resolver queries go to the configured servers: they must all be loopback.
for (const proto of [dns.Resolver.prototype, dns.promises.Resolver.prototype] as unknown as Array<Record<string, unknown>>) {
  for (const method of Object.getOwnPropertyNames(proto)) {
    if (!method.startsWith('resolve') && method !== 'reverse') continue;
    const original = proto[method];
    if (typeof original !== 'function') continue;
    proto[method] = function guarded(this: dns.Resolver, ...args: unknown[]) {
      const servers = this.getServers();
      if (!servers.every(isLoopbackServer)) refuse(`DNS query via ${servers.join(', ')}`);
      return original.apply(this, args);
    };
  }
}
for (const method of ['resolve', 'resolve4', 'resolve6', 'resolveMx', 'resolveTxt', 'resolveCname', 'resolveNs', 'resolvePtr'] as const) {
  const original = dns.promises[method] as (...args: unknown[]) => unknown;
  (dns.promises as Record<string, unknown>)[method] = (...args: unknown[]) => {
    if (!dns.getServers().every(isLoopbackServer)) refuse(`DNS query through the system resolver (${String(args[0])})`);
    return original(...args);
  };
}

// TCP connections: only to loopback (or local sockets).
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  let host: string | undefined;
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    const options = first as { host?: string; path?: string };
    if (options.path === undefined) host = options.host ?? 'localhost';
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (host !== undefined && !LOOPBACK.test(host)) refuse(`TCP connection to ${host}`);
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

// UDP datagrams (the wire DNS client speaks UDP itself): only to loopback. A connected socket
// sends without an address, so connect() is guarded too; an omitted address means localhost.
const originalUdpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function guardedUdpConnect(this: dgram.Socket, ...args: unknown[]) {
  const host = typeof args[1] === 'string' ? args[1] : undefined;
  if (host !== undefined && !LOOPBACK.test(host)) refuse(`UDP connect to ${host}`);
  return (originalUdpConnect as (...a: unknown[]) => void).apply(this, args);
} as typeof dgram.Socket.prototype.connect;
const originalUdpSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedUdpSend(this: dgram.Socket, ...args: unknown[]) {
  // send(msg, [offset, length,] [port, [address,]] [callback]): the address is the only string after msg.
  const host = args.slice(1).find((arg): arg is string => typeof arg === 'string' && !/^\d+$/.test(arg));
  if (host !== undefined && !LOOPBACK.test(host)) refuse(`UDP datagram to ${host}`);
  return (originalUdpSend as (...a: unknown[]) => void).apply(this, args);
} as typeof dgram.Socket.prototype.send;
