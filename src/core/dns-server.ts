/**
 * DNS server entries (MAILDIAG_DNS_SERVERS, --dns-server): IP addresses only, optionally with
 * a port (`1.1.1.1`, `1.1.1.1:53`, `::1`, `[::1]:5353`). A hostname would need DNS to reach
 * DNS, so it is refused with an InputError naming the entry (the CLI exits 2; the config
 * loader names the variable).
 */
import net from 'node:net';
import { InputError } from './errors.js';

export interface DnsServerAddress {
  host: string;
  port: number;
  family: 4 | 6;
}

/** Parses one server entry; only IP addresses (a hostname would need DNS to reach DNS). */
export function parseDnsServer(entry: string): DnsServerAddress {
  const trimmed = entry.trim();
  let host = trimmed;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (net.isIPv6(trimmed)) {
    host = trimmed;
  } else {
    const hostPort = /^([^:]+):(\d+)$/.exec(trimmed);
    if (hostPort) {
      host = hostPort[1]!;
      port = Number(hostPort[2]);
    }
  }
  const family = net.isIP(host);
  if (family === 0) throw new InputError(`DNS server '${entry}' is not an IP address (optionally with :port, e.g. 1.1.1.1:53 or [::1]:53)`, entry);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InputError(`DNS server '${entry}' has an invalid port`, entry);
  return { host, port, family: family as 4 | 6 };
}

