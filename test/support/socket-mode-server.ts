/**
 * A loopback stand-in for Slack's Socket Mode WebSocket server: the real @slack/socket-mode
 * client (undici's WebSocket) connects to it after apps.connections.open (the fake Web API
 * answers with `url`). It greets with `hello`, sends whatever text a test gives it, answers
 * pings, completes the close handshake, and records the client's acknowledgements.
 * RFC 6455 framing by hand (no `ws` package in the tree): text, ping/pong and close frames.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface SocketModeAck {
  envelope_id?: unknown;
  payload?: unknown;
}

export interface TestSocketModeServer {
  /** `ws://127.0.0.1:<port>/link`, for apps.connections.open. */
  url: string;
  /** Resolves when a client has connected and been greeted. */
  connected(): Promise<void>;
  /** Sends one text message to the connected client. */
  send(text: string): void;
  acks: SocketModeAck[];
  /** Resolves with the first acknowledgement (past or future) of `envelopeId`. */
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<SocketModeAck>;
  close(): Promise<void>;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65_536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else if (length >= 65_536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([head, payload]);
}

export async function startSocketModeServer(): Promise<TestSocketModeServer> {
  const events = new EventEmitter();
  const acks: SocketModeAck[] = [];
  const sockets = new Set<Duplex>();
  let current: Duplex | undefined;
  let greeted = false;

  const server = http.createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1').update(`${key}${GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    current = socket;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 2) return;
        const opcode = (buffered[0] ?? 0) & 0x0f;
        const masked = ((buffered[1] ?? 0) & 0x80) !== 0;
        let length = (buffered[1] ?? 0) & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffered.length < 10) return;
          length = Number(buffered.readBigUInt64BE(2));
          offset = 10;
        }
        const maskAt = offset;
        if (masked) offset += 4;
        if (buffered.length < offset + length) return;
        const payload = Buffer.from(buffered.subarray(offset, offset + length));
        if (masked) for (let i = 0; i < payload.length; i += 1) payload[i] = (payload[i] ?? 0) ^ (buffered[maskAt + (i % 4)] ?? 0);
        buffered = buffered.subarray(offset + length);
        if (opcode === 0x1) {
          try {
            const ack = JSON.parse(payload.toString('utf8')) as SocketModeAck;
            acks.push(ack);
            events.emit('ack', ack);
          } catch {
            // not JSON: not an acknowledgement
          }
        } else if (opcode === 0x9) {
          socket.write(frame(0xa, payload));
        } else if (opcode === 0x8) {
          socket.end(frame(0x8, payload.subarray(0, 2)));
        }
      }
    });
    socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'loopback' } }))));
    greeted = true;
    events.emit('connected');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}/link`,
    connected: () => (greeted ? Promise.resolve() : new Promise((resolve) => events.once('connected', () => resolve()))),
    send(text) {
      if (!current) throw new Error('no Socket Mode client is connected');
      current.write(frame(0x1, Buffer.from(text, 'utf8')));
    },
    acks,
    waitForAck(envelopeId, timeoutMs = 10_000) {
      const found = acks.find((a) => a.envelope_id === envelopeId);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onAck = (ack: SocketModeAck): void => {
          if (ack.envelope_id !== envelopeId) return;
          clearTimeout(timer);
          events.off('ack', onAck);
          resolve(ack);
        };
        const timer = setTimeout(() => {
          events.off('ack', onAck);
          reject(new Error(`timed out waiting for the acknowledgement of ${envelopeId}`));
        }, timeoutMs);
        events.on('ack', onAck);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
