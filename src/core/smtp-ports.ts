/**
 * SMTP probe as the checks see it. The probe speaks to an SES SMTP endpoint: greeting,
 * EHLO, STARTTLS, EHLO again, and AUTH only when a credential is available; it reports
 * facts (replies, TLS) and never judges them: the relay checks do.
 */

/** A credential for AUTH. Lives in memory for one probe; never logged, never returned. */
export interface SmtpCredential {
  username: string;
  password: string;
}

export interface SmtpProbeRequest {
  host: string;
  port: number;
  /** The SES region the endpoint belongs to; lets the prober pick a credential it holds. */
  region?: string;
  /** Explicit credential (remediation's verification). Otherwise the prober's own, if any. */
  credential?: SmtpCredential;
  /** Name to check the certificate against (default: host). */
  servername?: string;
  signal?: AbortSignal;
}

export interface SmtpReply {
  code: number;
  /** The reply's lines without the code, joined by newlines. */
  text: string;
}

export interface TlsFacts {
  protocol: string | undefined;
  cipher: string | undefined;
  /** Whether the certificate chain and name were verified. */
  authorized: boolean;
  authorizationError: string | undefined;
  certificate:
    | { subject: string | undefined; issuer: string | undefined; validFrom: string; validTo: string; subjectAltNames: string[]; fingerprint256: string }
    | undefined;
}

export interface SmtpAuthOutcome {
  /** The username (an access key id, not a secret); the password is never reported. */
  username: string;
  mechanism: 'PLAIN' | 'LOGIN';
  reply: SmtpReply;
  /** 235 */
  accepted: boolean;
}

export interface SmtpProbeResult {
  host: string;
  port: number;
  connected: boolean;
  /** Where it stopped when something failed: connect, greeting, ehlo, starttls, tls, auth. */
  failedStage?: 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'tls' | 'auth';
  /** Network or TLS error description (no secrets). */
  error?: string;
  banner?: SmtpReply;
  /** EHLO keywords before STARTTLS (e.g. STARTTLS, 8BITMIME). */
  extensionsBeforeTls: string[];
  /** EHLO keywords after STARTTLS (AUTH PLAIN LOGIN appears here). */
  extensionsAfterTls: string[];
  starttls?: SmtpReply;
  tls?: TlsFacts;
  auth?: SmtpAuthOutcome;
  /** Replies in order, for evidence; AUTH payloads are never included. */
  transcript: string[];
  durationMs: number;
}

export interface SmtpProber {
  probe(request: SmtpProbeRequest): Promise<SmtpProbeResult>;
}

/** The SES SMTP endpoint of a region (STARTTLS on 587). Pure, so checks can name it. */
export function sesSmtpEndpoint(region: string): { host: string; port: number } {
  return { host: `email-smtp.${region}.amazonaws.com`, port: 587 };
}
