/**
 * A real SMTP server (smtp-server) on loopback that behaves like an SES SMTP endpoint:
 * STARTTLS with a freshly generated certificate (the package's bundled one is expired),
 * AUTH PLAIN/LOGIN that accepts exactly one credential and otherwise answers
 * `535 Authentication Credentials Invalid`, and a record of every session.
 */
import net, { type AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';

export interface RecordedSmtpSession {
  id: string;
  secure: boolean;
  /** AUTH attempts: the username (an access key id) and whether it was accepted; never the password. */
  auths: Array<{ method: string; username: string; accepted: boolean }>;
}

/**
 * smtp-server waits this long before its greeting to catch clients that talk too soon (not
 * configurable). Real SES greets at once, so a benchmark counts it as the peer's own time.
 */
export const SMTP_SERVER_GREETING_PAUSE_MS = 100;

export interface RecordedSmtpConnection {
  start: number;
  end: number | undefined;
  roundTrips: number;
}

export interface SmtpServerOptions {
  /** The one credential AUTH accepts (username = access key id, password = derived SMTP password). */
  credential?: { username: string; password: string };
  /**
   * Decides AUTH instead of the single `credential` (e.g. accept any active key of the
   * loopback IAM scenario whose derived password matches, like SES does). Added for remediation.
   */
  verifyCredential?: (username: string, password: string) => boolean;
  /** Force every AUTH to get this reply instead (e.g. 454 Temporary authentication failure). */
  authReply?: { code: number; message: string };
  /** Delay before answering AUTH (benchmarks); never used for synchronisation. */
  latencyMs?: number;
  /**
   * Delay every byte the server sends by this much (benchmarks): a TCP proxy in front of the
   * server, so each round trip (greeting, EHLO, STARTTLS, the TLS handshake, EHLO, AUTH) costs
   * it once. `port` is then the proxy's, and `connections` records each connection.
   */
  replyLatencyMs?: number;
  /** Greeting banner text after the host name. */
  banner?: string;
  /** Serve without STARTTLS (tests of an endpoint that does not offer it). */
  disableStartTls?: boolean;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  /** PEM of the generated self-signed certificate: pass it as the prober's CA. */
  ca: string;
  sessions: RecordedSmtpSession[];
  /**
   * Connections through the latency proxy (only with `replyLatencyMs`): performance.now() at
   * accept and close, and the server's replies that followed client data (round trips).
   */
  connections: RecordedSmtpConnection[];
  /** Messages received (envelope only), with the authenticated user. */
  messages: Array<{ from: string; to: string[]; user: string | undefined }>;
  setCredential(credential: { username: string; password: string } | undefined): void;
  setAuthReply(reply: { code: number; message: string } | undefined): void;
  close(): Promise<void>;
}

/** One certificate per test process: generating an RSA key is the slow part. */
let certificate: Promise<{ key: string; cert: string }> | undefined;
function testCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const { key, cert } = await testCertificate();
  let credential = options.credential;
  let authReply = options.authReply;
  const sessions = new Map<string, RecordedSmtpSession>();
  const messages: TestSmtpServer['messages'] = [];
  const sessionOf = (session: SMTPServerSession): RecordedSmtpSession => {
    let recorded = sessions.get(session.id);
    if (!recorded) {
      recorded = { id: session.id, secure: session.secure, auths: [] };
      sessions.set(session.id, recorded);
    }
    recorded.secure = session.secure;
    return recorded;
  };

  const server = new SMTPServer({
    key,
    cert,
    name: 'email-smtp.loopback.amazonaws.com',
    banner: options.banner ?? 'SimpleEmailService-loopback',
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: options.disableStartTls ? ['STARTTLS'] : [],
    // SES refuses AUTH before STARTTLS; smtp-server does the same unless allowInsecureAuth.
    allowInsecureAuth: false,
    disableReverseLookup: true,
    logger: false,
    onConnect(session, callback) {
      sessionOf(session);
      callback();
    },
    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback) {
      const answer = (): void => {
        const record = sessionOf(session);
        const accepted =
          authReply === undefined &&
          (options.verifyCredential
            ? options.verifyCredential(auth.username ?? '', auth.password ?? '')
            : credential !== undefined && auth.username === credential.username && auth.password === credential.password);
        record.auths.push({ method: auth.method, username: auth.username ?? '', accepted });
        if (accepted) callback(null, { user: auth.username });
        else if (authReply) callback(Object.assign(new Error(authReply.message), { responseCode: authReply.code }));
        else callback(new Error('Authentication Credentials Invalid'));
      };
      if (options.latencyMs) setTimeout(answer, options.latencyMs);
      else answer();
    },
    onData(stream, session, callback) {
      messages.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        user: typeof session.user === 'string' ? session.user : undefined,
      });
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  // Clients that drop the connection abruptly must not crash the test process.
  server.on('error', () => undefined);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address() as AddressInfo;
  const connections: RecordedSmtpConnection[] = [];
  const proxy = options.replyLatencyMs ? await startDelayProxy(address.port, options.replyLatencyMs, connections) : undefined;
  return {
    host: '127.0.0.1',
    port: proxy?.port ?? address.port,
    ca: cert,
    get sessions() {
      return [...sessions.values()];
    },
    connections,
    messages,
    setCredential(next) {
      credential = next;
    },
    setAuthReply(next) {
      authReply = next;
    },
    close: async () => {
      await proxy?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Forwards to the server, holding back each chunk the server sends for `latencyMs` (order kept). */
async function startDelayProxy(
  upstreamPort: number,
  latencyMs: number,
  connections: RecordedSmtpConnection[],
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const record: RecordedSmtpConnection = { start: performance.now(), end: undefined, roundTrips: 0 };
    connections.push(record);
    // The greeting is the first reply the client waits for.
    let clientSpoke = true;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const finish = (): void => {
      record.end ??= performance.now();
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      clientSpoke = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (clientSpoke) record.roundTrips += 1;
      clientSpoke = false;
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, latencyMs);
    });
    // The server's end travels with the same delay as its data; the client's end goes at once.
    upstream.on('end', () => setTimeout(() => client.end(), latencyMs));
    client.on('end', () => upstream.end());
    client.on('close', finish);
    client.on('error', finish);
    upstream.on('error', finish);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}
