/**
 * A wire-level stub resolver: builds DNS messages with dns-packet and sends them over UDP
 * (EDNS0) and TCP itself. We need it because Node's resolver (c-ares) refuses to send names
 * holding `:`, `/` or spaces, which are legal labels (RFC 2181 §11) and which SPF macros
 * produce, and rejects a whole answer containing a TXT record with no strings.
 *
 * Behaviour:
 * - UDP queries to a server share one connected socket (a random source port picked by the
 *   kernel), retired after 100 queries and closed when idle; each query has a random 16-bit
 *   id unique among those in flight; a reply is accepted only if it comes from the server, has QR set,
 *   opcode QUERY, our id and our question (name compared ASCII-case-insensitively, type,
 *   class). Anything else is ignored and we keep waiting (anti-spoofing);
 * - a truncated (TC) UDP reply is re-asked over TCP (2-byte length framing) to the same server;
 * - attempts are `tries` rounds over the server list; a timeout or socket error moves on to the
 *   next attempt. A server that answered SERVFAIL/REFUSED/FORMERR/NOTIMP is not asked again
 *   (its answer would not change), but the other servers are;
 * - every timer is released when a query settles; a TCP socket is closed before it settles, a
 *   UDP socket once its queries have settled (at once when retired or broken, else when idle),
 *   and neither keeps the process alive.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type RecordType, type StringAnswer } from 'dns-packet';
import { DnsLookupError, type DnsClient, type DnsErrorCode, type DnsRecordMap, type RRType } from '../core/ports.js';
import { type DnsServerAddress, parseDnsServer } from '../core/dns-server.js';

export interface WireDnsClientOptions {
  /** `host`, `host:port`, `[v6]:port` or a bare IPv6 address; default: the system's (`dns.getServers()`). */
  servers?: string[];
  /** Per-attempt timeout (one UDP exchange, or one TCP exchange after truncation). */
  timeoutMs?: number;
  /** Rounds over the server list for attempts that got no answer. */
  tries?: number;
  /** A shared UDP socket with no query in flight closes after this long (default 1 s). */
  udpIdleMs?: number;
}

export type { DnsServerAddress };

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_TRIES = 2;
/** RFC 9715 / DNS Flag Day 2020: avoids IP fragmentation. */
const EDNS_UDP_PAYLOAD = 1232;
const MAX_CNAME_HOPS = 8;

export { parseDnsServer };

/** RFC 4343: DNS compares ASCII letters case-insensitively and every other byte exactly. */
function asciiLower(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function sameName(a: string, b: string): boolean {
  return asciiLower(stripDot(a)) === asciiLower(stripDot(b));
}

/** Presentation without the trailing dot; the root is ''. */
function stripDot(name: string): string {
  return name === '.' ? '' : name.replace(/\.$/, '');
}

/**
 * Total ≤ 253 bytes (255 on the wire), each label 1–63 bytes of anything (RFC 2181 §11):
 * `:`, `/` and spaces are fine. Returns the name to send, or undefined when it cannot be sent.
 */
export function validateQueryName(name: string): string | undefined {
  if (name === '.') return name;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare === '' || Buffer.byteLength(bare, 'utf8') > 253) return undefined;
  // A NUL byte is legal on the wire but never in a mail domain; refused at once (BADNAME), not sent.
  if (bare.includes('\0')) return undefined;
  for (const label of bare.split('.')) {
    const bytes = Buffer.byteLength(label, 'utf8');
    if (bytes < 1 || bytes > 63) return undefined;
  }
  return bare;
}

type AttemptResult =
  | { kind: 'reply'; packet: DecodedPacket }
  | { kind: 'timeout' }
  | { kind: 'error'; error: Error };

interface Question {
  name: string;
  type: RRType;
}

function buildQuery(question: Question, id: number, edns: boolean): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: question.name, type: question.type as RecordType, class: 'IN' }],
    ...(edns
      ? {
          additionals: [
            { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] },
          ],
        }
      : {}),
  });
}

const FAILURE_RCODES: ReadonlySet<string> = new Set(['SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP']);

/** True when `raw` is the reply to our query; otherwise it is ignored (spoofed, stale or garbage). */
function matchReply(raw: Buffer, id: number, question: Question): DecodedPacket | undefined {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(raw);
  } catch {
    return undefined;
  }
  if (!packet.flag_qr || packet.id !== id) return undefined;
  if (((packet.flags ?? 0) >> 11) & 0xf) return undefined; // opcode must be QUERY
  const questions = packet.questions ?? [];
  // Servers may omit the question in an error reply (RFC 1035 is silent); such a reply can only
  // make us report "could not check", never a wrong answer, so it is accepted.
  if (questions.length === 0) return FAILURE_RCODES.has(rcodeOf(packet)) ? packet : undefined;
  if (questions.length !== 1) return undefined;
  const [q] = questions;
  if (!q || q.type !== question.type || (q.class ?? 'IN') !== 'IN' || !sameName(q.name, question.name)) return undefined;
  return packet;
}

function rcodeOf(packet: DecodedPacket): string {
  return (packet as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
}

/**
 * One connected UDP socket shared by the queries to one server, told apart by their ids
 * (unique among those in flight). Opening, connecting and closing a socket per query cost
 * about 0.12 ms of CPU each (issue 13: 20 queries per diagnosis). Like c-ares'
 * `udp_max_queries`, a socket is retired after `UDP_MAX_QUERIES` queries, so the source port
 * keeps changing for a spoofer; it closes once its queries have settled, or after
 * `idleMs` without any. A socket error (ICMP "port unreachable" on a connected socket) fails
 * every query in flight on it, and it is not used again.
 */
interface UdpChannel {
  /** False once retired (query budget spent, an error, closed): the next query opens a new one. */
  readonly usable: boolean;
  exchange(question: Question, timeoutMs: number): Promise<AttemptResult>;
}

/** Queries per socket before a fresh one (a fresh random source port) takes over. */
export const UDP_MAX_QUERIES = 100;
const DEFAULT_UDP_IDLE_MS = 1_000;

function openUdpChannel(server: DnsServerAddress, idleMs: number): UdpChannel {
  const socket = dgram.createSocket(server.family === 6 ? 'udp6' : 'udp4');
  // Never keeps the process alive; the idle timer closes it.
  socket.unref();
  const inFlight = new Map<number, { question: Question; settle(result: AttemptResult): void }>();
  let sent = 0;
  let retired = false;
  let closed = false;
  let connected = false;
  let broken: Error | undefined;
  const waitingToSend: Array<() => void> = [];
  let idleTimer: NodeJS.Timeout | undefined;

  const close = (): void => {
    if (closed) return;
    closed = true;
    retired = true;
    clearTimeout(idleTimer);
    socket.close();
  };
  const failAll = (error: Error): void => {
    broken ??= error;
    retired = true;
    for (const entry of [...inFlight.values()]) entry.settle({ kind: 'error', error });
    close();
  };
  const afterSettle = (): void => {
    if (inFlight.size > 0 || closed) return;
    if (retired) {
      close();
      return;
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(close, idleMs);
    idleTimer.unref();
  };

  socket.on('error', failAll);
  socket.on('message', (raw, remote) => {
    if (raw.length < 2 || remote.port !== server.port || !sameAddress(remote.address, server.host)) return;
    const id = raw.readUInt16BE(0);
    const entry = inFlight.get(id);
    if (!entry) return;
    const packet = matchReply(raw, id, entry.question);
    if (packet) entry.settle({ kind: 'reply', packet });
  });
  // A connected socket only receives from the server and learns of ICMP "port unreachable"
  // (a dead server fails at once instead of timing out).
  try {
    socket.connect(server.port, server.host, () => {
      connected = true;
      for (const send of waitingToSend.splice(0)) send();
    });
  } catch (error) {
    failAll(error as Error);
  }

  return {
    get usable() {
      return !retired;
    },
    exchange(question, timeoutMs) {
      return new Promise((resolve) => {
        if (broken) {
          resolve({ kind: 'error', error: broken });
          return;
        }
        let id = randomInt(0, 0x10000);
        while (inFlight.has(id)) id = randomInt(0, 0x10000);
        sent += 1;
        if (sent >= UDP_MAX_QUERIES) retired = true;
        clearTimeout(idleTimer);
        const entry = {
          question,
          settle(result: AttemptResult): void {
            if (inFlight.get(id) !== entry) return;
            inFlight.delete(id);
            clearTimeout(timer);
            resolve(result);
            afterSettle();
          },
        };
        inFlight.set(id, entry);
        const timer = setTimeout(() => entry.settle({ kind: 'timeout' }), timeoutMs);
        const send = (): void => {
          if (closed) return;
          socket.send(buildQuery(question, id, true), (error) => {
            if (error) failAll(error);
          });
        };
        if (connected) send();
        else waitingToSend.push(send);
      });
    },
  };
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || a.toLowerCase() === `::ffff:${b}`.toLowerCase();
}

function tcpExchange(server: DnsServerAddress, question: Question, timeoutMs: number): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const id = randomInt(0, 0x10000);
    const query = buildQuery(question, id, true);
    const framed = Buffer.alloc(2 + query.length);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);
    let done = false;
    let buffered = Buffer.alloc(0);
    let socket: net.Socket;
    try {
      socket = net.connect({ host: server.host, port: server.port });
    } catch (error) {
      resolve({ kind: 'error', error: error as Error });
      return;
    }
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    function finish(result: AttemptResult): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (socket.destroyed && socket.closed) {
        resolve(result);
        return;
      }
      socket.once('close', () => resolve(result));
      socket.destroy();
    }
    socket.on('error', (error) => finish({ kind: 'error', error }));
    socket.on('end', () => finish({ kind: 'error', error: new Error('DNS server closed the TCP connection without an answer') }));
    socket.on('connect', () => socket.write(framed));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (!done && buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        const packet = matchReply(message, id, question);
        if (packet) finish({ kind: 'reply', packet });
      }
    });
  });
}

type Outcome = { kind: 'records'; answers: Answer[] } | { kind: 'error'; code: DnsErrorCode; cause?: unknown };

/** The records of the asked type, following the CNAME chain from the query name in the answer section. */
function interpret(packet: DecodedPacket, question: Question): Outcome {
  const rcode = rcodeOf(packet);
  switch (rcode) {
    case 'NOERROR':
      break;
    case 'NXDOMAIN':
      return { kind: 'error', code: 'NXDOMAIN' };
    case 'SERVFAIL':
      return { kind: 'error', code: 'SERVFAIL' };
    case 'REFUSED':
      return { kind: 'error', code: 'REFUSED' };
    default:
      return { kind: 'error', code: 'FAILED', cause: new Error(`DNS server answered ${rcode}`) };
  }
  const answers = (packet.answers ?? []).filter((answer) => (answer as { class?: string }).class === undefined || (answer as { class?: string }).class === 'IN');
  let owner = question.name;
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const matching = answers.filter((answer) => answer.type === question.type && sameName(answer.name, owner));
    if (matching.length > 0) return { kind: 'records', answers: matching };
    const cname = answers.find((answer): answer is StringAnswer => answer.type === 'CNAME' && sameName(answer.name, owner));
    if (!cname) return { kind: 'error', code: 'NODATA' };
    owner = cname.data;
  }
  return { kind: 'error', code: 'FAILED', cause: new Error(`CNAME chain longer than ${MAX_CNAME_HOPS} hops`) };
}

/** Shapes answers as DnsRecordMap: names without trailing dot, TXT as its character-strings. */
function shape<T extends RRType>(answers: Answer[]): DnsRecordMap[T] {
  const records = answers.map((answer): unknown => {
    switch (answer.type) {
      case 'MX':
        return { exchange: stripDot(answer.data.exchange), priority: answer.data.preference ?? 0 };
      case 'TXT': {
        // A TXT record with no strings (illegal but seen, RFC 7208 suite "null-text") is `[]`:
        // exactly what the wire holds; joined it is '', which is no SPF or DMARC record.
        const parts = Array.isArray(answer.data) ? answer.data : [answer.data];
        return parts.map((part) => (typeof part === 'string' ? part : part.toString('utf8')));
      }
      case 'A':
      case 'AAAA':
        return answer.data;
      case 'CNAME':
      case 'PTR':
      case 'NS':
        return stripDot(answer.data);
      default:
        return undefined;
    }
  });
  return records.filter((record) => record !== undefined) as DnsRecordMap[T];
}

export function createWireDnsClient(options: WireDnsClientOptions = {}): DnsClient {
  const configured = options.servers && options.servers.length > 0 ? options.servers : dns.getServers();
  // Like c-ares: without any configured server, ask a local one.
  const servers = (configured.length > 0 ? configured : ['127.0.0.1']).map(parseDnsServer);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tries = Math.max(1, options.tries ?? DEFAULT_TRIES);
  const udpIdleMs = options.udpIdleMs ?? DEFAULT_UDP_IDLE_MS;
  const channels = new Map<DnsServerAddress, UdpChannel>();

  function udpExchange(server: DnsServerAddress, question: Question): Promise<AttemptResult> {
    let channel = channels.get(server);
    if (!channel?.usable) {
      channel = openUdpChannel(server, udpIdleMs);
      channels.set(server, channel);
    }
    return channel.exchange(question, timeoutMs);
  }

  async function exchange(server: DnsServerAddress, question: Question): Promise<AttemptResult> {
    const udp = await udpExchange(server, question);
    if (udp.kind === 'reply' && udp.packet.flag_tc) return tcpExchange(server, question, timeoutMs);
    return udp;
  }

  return {
    async resolve<T extends RRType>(name: string, type: T): Promise<DnsRecordMap[T]> {
      const wireName = validateQueryName(name);
      if (wireName === undefined) throw new DnsLookupError('BADNAME', name, type);
      const question: Question = { name: wireName, type };
      const settled = new Set<number>();
      let failure: { code: DnsErrorCode; cause?: unknown } | undefined;
      let lastNonAnswer: AttemptResult | undefined;
      for (let attempt = 0; attempt < tries * servers.length; attempt++) {
        const index = attempt % servers.length;
        if (settled.has(index)) continue;
        const result = await exchange(servers[index]!, question);
        if (result.kind !== 'reply') {
          lastNonAnswer = result;
          continue;
        }
        const outcome = interpret(result.packet, question);
        if (outcome.kind === 'records') return shape<T>(outcome.answers);
        if (outcome.code === 'NXDOMAIN' || outcome.code === 'NODATA') throw new DnsLookupError(outcome.code, name, type, outcome.cause);
        // A failing server: remember its answer and ask the others.
        settled.add(index);
        failure = { code: outcome.code, cause: outcome.cause };
      }
      // A server's explicit failure says more than another server's silence.
      if (failure) throw new DnsLookupError(failure.code, name, type, failure.cause);
      if (lastNonAnswer?.kind === 'error') throw new DnsLookupError('FAILED', name, type, lastNonAnswer.error);
      throw new DnsLookupError('TIMEOUT', name, type);
    },
  };
}

/**
 * The decoder on its own, for the fuzz suite: what one datagram means for a question (asked
 * with message id `id`). `undefined` when it is not our reply (garbage, spoofed, stale);
 * otherwise the shaped records or the DNS error code. Never throws.
 */
export function decodeDnsReply<T extends RRType>(
  raw: Buffer,
  id: number,
  question: { name: string; type: T },
): { records: DnsRecordMap[T] } | { error: DnsErrorCode } | undefined {
  const packet = matchReply(raw, id, question);
  if (!packet) return undefined;
  const outcome = interpret(packet, question);
  return outcome.kind === 'records' ? { records: shape<T>(outcome.answers) } : { error: outcome.code };
}
