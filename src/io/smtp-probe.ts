/**
 * SMTP prober over node:net and node:tls: greeting, EHLO, STARTTLS, EHLO, optional AUTH,
 * QUIT. Written directly on sockets rather than nodemailer's SMTPConnection because the
 * diagnosis needs the raw facts a client library hides (the exact banner, EHLO keywords
 * before and after TLS, the TLS protocol, cipher and certificate, and an unverified
 * certificate reported as a fact instead of a thrown error), and because we must guarantee
 * that the credential never reaches a logger or transcript: here it exists only in the
 * two lines written to the socket.
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import tls from 'node:tls';
import type { SmtpCredential, SmtpProbeRequest, SmtpProbeResult, SmtpProber, SmtpReply, TlsFacts } from '../core/smtp-ports.js';

export interface SmtpProberOptions {
  /** Extra trust (tests pass their generated certificate) and verification switch. */
  tls?: { ca?: string | Buffer | Array<string | Buffer>; rejectUnauthorized?: boolean };
  /** Whole-probe timeout; default 10 s. */
  timeoutMs?: number;
  /** Name sent in EHLO. */
  ehloName?: string;
  /**
   * A credential the product holds for a region (after a rotation): kept in memory by the
   * caller and used only for AUTH. Without one, the probe never authenticates.
   */
  credentialFor?: (region: string) => SmtpCredential | undefined;
}

export { sesSmtpEndpoint } from '../core/smtp-ports.js';

class ProbeFailure extends Error {
  constructor(
    readonly stage: NonNullable<SmtpProbeResult['failedStage']>,
    message: string,
  ) {
    super(message);
  }
}

/** Reads SMTP replies (multi-line aware) from whichever socket is current. */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private waiting: { resolve: (reply: SmtpReply) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  attach(socket: net.Socket): void {
    // Decode here rather than with setEncoding, which would also affect the socket TLS takes over.
    const decoder = new StringDecoder('utf8');
    socket.on('data', (chunk: Buffer) => {
      this.buffer += decoder.write(chunk);
      let index = this.buffer.indexOf('\n');
      while (index >= 0) {
        this.lines.push(this.buffer.slice(0, index).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(index + 1);
        index = this.buffer.indexOf('\n');
      }
      this.deliver();
    });
  }

  fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
  }

  next(): Promise<SmtpReply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
      if (this.waiting && this.failure) this.fail(this.failure);
    });
  }

  private deliver(): void {
    if (!this.waiting) return;
    const end = this.lines.findIndex((line) => /^\d{3}(?: |$)/.test(line) || !/^\d{3}-/.test(line));
    if (end < 0) return;
    const replyLines = this.lines.splice(0, end + 1);
    const code = Number.parseInt(replyLines[0]?.slice(0, 3) ?? '0', 10);
    const text = replyLines.map((line) => line.slice(4)).join('\n');
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ code: Number.isNaN(code) ? 0 : code, text });
  }
}

function ehloKeywords(reply: SmtpReply): string[] {
  // The first line is the greeting name; the rest are extensions.
  return reply.text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().toUpperCase())
    .filter((line) => line !== '');
}

/** `checked`: the certificate node already decoded for its host name check, when it made one. */
function tlsFacts(socket: tls.TLSSocket, checked?: tls.PeerCertificate): TlsFacts {
  const cert = checked ?? socket.getPeerCertificate();
  const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  const name = (entity: Record<string, string | string[] | undefined> | undefined): string | undefined => {
    const cn = entity?.CN;
    const org = entity?.O;
    const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
    return [first(cn), first(org)].filter((part) => part !== undefined).join(', ') || undefined;
  };
  return {
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.name,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError),
    certificate: hasCert
      ? {
          subject: name(cert.subject as unknown as Record<string, string | string[] | undefined>),
          issuer: name(cert.issuer as unknown as Record<string, string | string[] | undefined>),
          validFrom: cert.valid_from,
          validTo: cert.valid_to,
          subjectAltNames: (cert.subjectaltname ?? '').split(/,\s*/).filter((entry) => entry !== ''),
          fingerprint256: cert.fingerprint256,
        }
      : undefined,
  };
}

export function createSmtpProber(options: SmtpProberOptions = {}): SmtpProber {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ehloName = options.ehloName ?? 'maildiag.invalid';
  const rejectUnauthorized = options.tls?.rejectUnauthorized ?? true;
  // Built once per prober: each handshake would otherwise build a new TLS context (and, with
  // extra trust, a new certificate store: about a millisecond of CPU per probe).
  let secureContext: tls.SecureContext | undefined;
  const contextFor = (): tls.SecureContext => {
    secureContext ??= tls.createSecureContext(options.tls?.ca ? { ca: options.tls.ca } : {});
    return secureContext;
  };

  return {
    async probe(request: SmtpProbeRequest): Promise<SmtpProbeResult> {
      const started = performance.now();
      const result: SmtpProbeResult = {
        host: request.host,
        port: request.port,
        connected: false,
        extensionsBeforeTls: [],
        extensionsAfterTls: [],
        transcript: [],
        durationMs: 0,
      };
      const credential = request.credential ?? (request.region ? options.credentialFor?.(request.region) : undefined);
      const reader = new ReplyReader();
      let socket: net.Socket | undefined;
      let stage: NonNullable<SmtpProbeResult['failedStage']> = 'connect';
      const timer = setTimeout(() => reader.fail(new ProbeFailure(stage, `no answer within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => reader.fail(new ProbeFailure(stage, 'the probe was cancelled'));
      request.signal?.addEventListener('abort', onAbort, { once: true });

      const read = async (): Promise<SmtpReply> => {
        const reply = await reader.next();
        result.transcript.push(`S: ${reply.code} ${reply.text.split('\n').join(' | ')}`);
        return reply;
      };
      /** `shown` replaces the line in the transcript (AUTH payloads). */
      const command = async (line: string, shown: string = line): Promise<SmtpReply> => {
        result.transcript.push(`C: ${shown}`);
        socket?.write(`${line}\r\n`);
        return read();
      };
      const watch = (current: net.Socket): void => {
        current.on('error', (error: NodeJS.ErrnoException) => reader.fail(new ProbeFailure(stage, error.code ? `${error.code}: ${error.message}` : error.message)));
        current.on('close', () => reader.fail(new ProbeFailure(stage, 'the server closed the connection')));
      };

      try {
        socket = await new Promise<net.Socket>((resolve, reject) => {
          const raw = net.connect({ host: request.host, port: request.port });
          raw.once('connect', () => resolve(raw));
          raw.once('error', (error: NodeJS.ErrnoException) => reject(new ProbeFailure('connect', error.code ? `${error.code}: ${error.message}` : error.message)));
          // Connection timeouts surface through the reader's failure; make connect observe it too.
          const guard = setTimeout(() => reject(new ProbeFailure('connect', `could not connect within ${timeoutMs} ms`)), timeoutMs);
          raw.once('connect', () => clearTimeout(guard));
          raw.once('error', () => clearTimeout(guard));
        });
        result.connected = true;
        reader.attach(socket);
        watch(socket);

        stage = 'greeting';
        const banner = await read();
        result.banner = banner;
        if (banner.code !== 220) throw new ProbeFailure('greeting', `the server greeted with ${banner.code}`);

        stage = 'ehlo';
        const ehlo = await command(`EHLO ${ehloName}`);
        if (ehlo.code !== 250) throw new ProbeFailure('ehlo', `EHLO was answered with ${ehlo.code}`);
        result.extensionsBeforeTls = ehloKeywords(ehlo);
        if (!result.extensionsBeforeTls.includes('STARTTLS')) throw new ProbeFailure('starttls', 'the server does not offer STARTTLS');

        stage = 'starttls';
        const starttls = await command('STARTTLS');
        result.starttls = starttls;
        if (starttls.code !== 220) throw new ProbeFailure('starttls', `STARTTLS was answered with ${starttls.code}`);

        stage = 'tls';
        const plain = socket;
        plain.removeAllListeners('data');
        plain.removeAllListeners('close');
        plain.removeAllListeners('error');
        // Swallow late errors on the raw socket; the TLS socket reports them.
        plain.on('error', () => undefined);
        // Node decodes the peer certificate for its host name check; decoding it again for our
        // facts cost about 0.3 ms per probe (issue 13), so the decoded one is kept. (No check,
        // as with a certificate that failed verification: we ask for it below.)
        let checkedCertificate: tls.PeerCertificate | undefined;
        const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
          const servername = request.servername ?? (net.isIP(request.host) === 0 ? request.host : undefined);
          const upgraded = tls.connect({
            socket: plain,
            host: request.servername ?? request.host,
            ...(servername ? { servername } : {}),
            secureContext: contextFor(),
            // Verify ourselves after the handshake, so an invalid certificate is a reported fact.
            rejectUnauthorized: false,
            checkServerIdentity: (hostname, certificate) => {
              checkedCertificate = certificate;
              return tls.checkServerIdentity(hostname, certificate);
            },
          });
          upgraded.once('secureConnect', () => resolve(upgraded));
          upgraded.once('error', (error) => reject(new ProbeFailure('tls', error.message)));
        });
        socket = secure;
        result.tls = tlsFacts(secure, checkedCertificate);
        reader.attach(secure);
        watch(secure);
        if (rejectUnauthorized && !secure.authorized) {
          throw new ProbeFailure('tls', `the server's certificate is not trusted (${result.tls.authorizationError ?? 'unknown reason'})`);
        }

        stage = 'ehlo';
        const ehloTls = await command(`EHLO ${ehloName}`);
        if (ehloTls.code !== 250) throw new ProbeFailure('ehlo', `EHLO after STARTTLS was answered with ${ehloTls.code}`);
        result.extensionsAfterTls = ehloKeywords(ehloTls);

        if (credential) {
          stage = 'auth';
          const authLine = result.extensionsAfterTls.find((keyword) => keyword.startsWith('AUTH')) ?? '';
          const mechanism: 'PLAIN' | 'LOGIN' = /\bPLAIN\b/.test(authLine) || !/\bLOGIN\b/.test(authLine) ? 'PLAIN' : 'LOGIN';
          let reply: SmtpReply;
          if (mechanism === 'PLAIN') {
            const token = Buffer.from(`\0${credential.username}\0${credential.password}`, 'utf8').toString('base64');
            reply = await command(`AUTH PLAIN ${token}`, 'AUTH PLAIN [credential withheld]');
          } else {
            reply = await command('AUTH LOGIN');
            if (reply.code === 334) reply = await command(Buffer.from(credential.username).toString('base64'), '[username withheld]');
            if (reply.code === 334) reply = await command(Buffer.from(credential.password).toString('base64'), '[password withheld]');
          }
          result.auth = { username: credential.username, mechanism, reply, accepted: reply.code === 235 };
        }

        stage = 'ehlo';
        result.transcript.push('C: QUIT');
        socket.write('QUIT\r\n');
      } catch (error) {
        const failure = error instanceof ProbeFailure ? error : new ProbeFailure(stage, error instanceof Error ? error.message : String(error));
        result.failedStage = failure.stage;
        result.error = failure.message;
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        socket?.end();
        socket?.destroySoon?.();
        result.durationMs = Math.round(performance.now() - started);
      }
      return result;
    },
  };
}
