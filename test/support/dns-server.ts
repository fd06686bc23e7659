/**
 * A loopback DNS server (UDP, plus TCP for truncated answers) serving fixture zones.
 * It answers like a recursive resolver: CNAME chains inside the fixture are followed and
 * included in the answer. Per-name failure modes and per-query latency are configurable,
 * and every query is recorded so tests can assert exactly which lookups were made.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';

export type FixtureRecord =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; value: string }
  | { type: 'TXT'; value: string | string[] }
  | { type: 'MX'; value: { exchange: string; priority: number } };

export type FailureMode = 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'FORMERR' | 'NOTIMP';

/**
 * A name's records, or a failure the server produces for every query of that name. With
 * `records`, the failure applies only to types the name has no record of (the SPF suite's
 * "TXT answers, everything else times out").
 */
export type ZoneEntry = FixtureRecord[] | { fail: FailureMode; records?: FixtureRecord[] };
export type ZoneData = Record<string, ZoneEntry>;

export interface RecordedQuery {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

/** A query with its timing and answer (benchmark timelines); kept apart so `queries` stays as tests compare it. */
export interface TimedQuery extends RecordedQuery {
  /** performance.now() when the query arrived and when its answer was sent (undefined: never answered). */
  receivedAt: number;
  answeredAt: number | undefined;
  /** The answer's records as lower-case text (`name type data`), or the failure; lets a benchmark infer dependencies. */
  answerText: string;
}

export interface DnsServerOptions {
  zone: ZoneData;
  /** Added before every answer (benchmarks); timers only, never used for synchronisation. */
  latencyMs?: number;
  /**
   * Before each UDP answer, send a forged NXDOMAIN with a wrong id (what an off-path spoofer
   * would try); a correct client ignores it and takes the real answer that follows.
   */
  mangleId?: boolean;
}

export interface TestDnsServer {
  host: string;
  port: number;
  /** `127.0.0.1:PORT`, for a resolver's server list. */
  address: string;
  queries: RecordedQuery[];
  /** The same queries with arrival and answer times and the answer's text. */
  timedQueries: TimedQuery[];
  setZone(zone: ZoneData): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const MAX_CNAME_CHAIN = 8;

const FAILURE_RCODES: Record<Exclude<FailureMode, 'TIMEOUT'>, number> = { FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5 };

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Splits a TXT string into 255-byte character-strings, as a zone file would. */
function txtChunks(value: string | string[]): Buffer[] {
  if (Array.isArray(value)) return value.map((part) => Buffer.from(part, 'utf8'));
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length === 0) return [bytes];
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 255) chunks.push(bytes.subarray(offset, offset + 255));
  return chunks;
}

function describeAnswers(answers: readonly Answer[]): string {
  return answers
    .map((a) => {
      const data = 'data' in a ? a.data : undefined;
      const text = Array.isArray(data) ? data.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join('') : typeof data === 'object' && data !== null && !Buffer.isBuffer(data) ? JSON.stringify(data) : String(data);
      return `${a.name} ${a.type} ${text}`;
    })
    .join('; ')
    .toLowerCase();
}

function toAnswer(name: string, record: FixtureRecord): Answer {
  const base = { name, class: 'IN' as const, ttl: 300 };
  switch (record.type) {
    case 'TXT':
      return { ...base, type: 'TXT', data: txtChunks(record.value) };
    case 'MX':
      return { ...base, type: 'MX', data: { exchange: record.value.exchange, preference: record.value.priority } };
    default:
      return { ...base, type: record.type, data: record.value } as Answer;
  }
}

type Resolution =
  | { kind: 'answer'; answers: Answer[] }
  | { kind: 'nxdomain'; answers: Answer[] }
  | { kind: 'nodata'; answers: Answer[] }
  | { kind: 'fail'; mode: FailureMode };

class Zone {
  private readonly entries = new Map<string, ZoneEntry>();

  constructor(data: ZoneData) {
    for (const [name, entry] of Object.entries(data)) this.entries.set(normalizeName(name), entry);
  }

  private lookup(name: string): ZoneEntry | undefined {
    const exact = this.entries.get(name);
    if (exact) return exact;
    // Wildcards (RFC 4592, simplified): *.parent covers names below parent that do not exist.
    const labels = name.split('.');
    for (let i = 1; i < labels.length; i++) {
      const wildcard = this.entries.get(`*.${labels.slice(i).join('.')}`);
      if (wildcard) return wildcard;
      if (this.entries.has(labels.slice(i).join('.'))) break;
    }
    return undefined;
  }

  private hasDescendants(name: string): boolean {
    const suffix = `.${name}`;
    for (const key of this.entries.keys()) if (key.endsWith(suffix)) return true;
    return false;
  }

  resolve(qname: string, qtype: string): Resolution {
    const answers: Answer[] = [];
    let name = normalizeName(qname);
    for (let depth = 0; depth <= MAX_CNAME_CHAIN; depth++) {
      const entry = this.lookup(name);
      if (entry && !Array.isArray(entry)) {
        const answered = entry.records?.filter((record) => record.type === qtype) ?? [];
        if (answered.length === 0) return { kind: 'fail', mode: entry.fail };
        answers.push(...answered.map((record) => toAnswer(name, record)));
        return { kind: 'answer', answers };
      }
      if (!entry) return this.hasDescendants(name) ? { kind: 'nodata', answers } : { kind: 'nxdomain', answers };
      const matching = entry.filter((record) => record.type === qtype);
      if (matching.length > 0) {
        answers.push(...matching.map((record) => toAnswer(name, record)));
        return { kind: 'answer', answers };
      }
      const cname = entry.find((record) => record.type === 'CNAME');
      if (!cname || qtype === 'CNAME') return { kind: 'nodata', answers };
      answers.push(toAnswer(name, cname));
      name = normalizeName(String(cname.value));
    }
    return { kind: 'fail', mode: 'SERVFAIL' };
  }
}

export async function startDnsServer(options: DnsServerOptions): Promise<TestDnsServer> {
  let zone = new Zone(options.zone);
  let latencyMs = options.latencyMs ?? 0;
  const queries: RecordedQuery[] = [];
  const timedQueries: TimedQuery[] = [];
  let udp = dgram.createSocket('udp4');
  const tcp = net.createServer();
  const sockets = new Set<net.Socket>();

  /** Builds the response, or undefined to stay silent (TIMEOUT). */
  function answer(request: Packet, transport: 'udp' | 'tcp'): Buffer | undefined {
    const question: Question | undefined = request.questions?.[0];
    const base = { id: request.id, type: 'response' as const, questions: request.questions ?? [] };
    if (!question) return dnsPacket.encode({ ...base, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | 1 });
    const receivedAt = performance.now();
    const query: RecordedQuery = { name: normalizeName(question.name), type: question.type, transport };
    queries.push(query);
    const result = zone.resolve(question.name, question.type);
    const answerText = result.kind === 'fail' ? result.mode.toLowerCase() : `${result.kind} ${describeAnswers(result.answers)}`;
    const timed: TimedQuery = { ...query, receivedAt, answeredAt: undefined, answerText };
    timedQueries.push(timed);
    answered.set(request, timed);
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
    if (result.kind === 'fail') {
      if (result.mode === 'TIMEOUT') return undefined;
      return dnsPacket.encode({ ...base, flags: flags | FAILURE_RCODES[result.mode] });
    }
    const rcode = result.kind === 'nxdomain' ? 3 : 0;
    const full = dnsPacket.encode({ ...base, flags: flags | rcode, answers: result.answers });
    if (transport === 'udp') {
      const opt = request.additionals?.find((record) => record.type === 'OPT') as { udpPayloadSize?: number } | undefined;
      const limit = Math.max(512, opt?.udpPayloadSize ?? 512);
      if (full.length > limit) return dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE | rcode });
    }
    return full;
  }

  const delay = (): Promise<void> => (latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : Promise.resolve());
  // Which recorded query a request produced, so the send time can be stamped on it.
  const answered = new WeakMap<Packet, TimedQuery>();
  const stampAnswered = (request: Packet): void => {
    const recorded = answered.get(request);
    if (recorded) recorded.answeredAt = performance.now();
  };

  function onUdpMessage(message: Buffer, remote: dgram.RemoteInfo): void {
    let request: Packet;
    try {
      request = dnsPacket.decode(message);
    } catch {
      return;
    }
    const response = answer(request, 'udp');
    if (!response) return;
    void delay().then(() => {
      if (options.mangleId) {
        const forged = dnsPacket.encode({ id: (request.id! + 1) & 0xffff, type: 'response', questions: request.questions ?? [], flags: 3 });
        udp.send(forged, remote.port, remote.address);
      }
      udp.send(response, remote.port, remote.address);
      stampAnswered(request);
    });
  }
  udp.on('message', onUdpMessage);

  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        let request: Packet;
        try {
          request = dnsPacket.decode(message);
        } catch {
          socket.destroy();
          return;
        }
        const response = answer(request, 'tcp');
        if (!response) continue;
        const framed = Buffer.alloc(2 + response.length);
        framed.writeUInt16BE(response.length, 0);
        response.copy(framed, 2);
        void delay().then(() => {
          if (!socket.destroyed) socket.write(framed);
          stampAnswered(request);
        });
      }
    });
  });

  // One port for both transports, as real servers use; retry if TCP finds the port taken.
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve(udp.address().port));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      udp = dgram.createSocket('udp4');
      udp.on('message', onUdpMessage);
    }
  }

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    queries,
    timedQueries,
    setZone(next) {
      zone = new Zone(next);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}
