/**
 * Real SMTP AUTH and one real send with a credential held only in memory (a Secret). AUTH
 * goes through the SMTP prober (it never puts the password in its transcript); the test
 * message goes through nodemailer. Neither the password nor anything derived from it is
 * returned, logged or put in an error.
 */
import nodemailer from 'nodemailer';
import type { SmtpProber } from '../core/smtp-ports.js';
import type { SmtpAuthResult, SmtpCredentialTester, SmtpEndpoint, SmtpSecretCredential, SmtpSendResult } from '../remediation/ports.js';
import { scrubSecrets } from '../remediation/secret.js';

export interface SmtpCredentialTesterOptions {
  prober: SmtpProber;
  /** Extra trust (tests pass their generated certificate). */
  tls?: { ca?: string | Buffer | Array<string | Buffer>; rejectUnauthorized?: boolean };
  /** Name to check the endpoint's certificate against (tests: localhost). */
  servername?: string;
  timeoutMs?: number;
}

export function createSmtpCredentialTester(options: SmtpCredentialTesterOptions): SmtpCredentialTester {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async authenticate(endpoint: SmtpEndpoint, credential: SmtpSecretCredential): Promise<SmtpAuthResult> {
      const result = await options.prober.probe({
        host: endpoint.host,
        port: endpoint.port,
        credential: { username: credential.username, password: credential.password.reveal() },
        ...(options.servername ? { servername: options.servername } : {}),
      });
      if (!result.auth) {
        return { outcome: 'unreachable', error: scrubSecrets(`${result.failedStage ?? 'auth'}: ${result.error ?? 'the server offered no AUTH'}`, [credential.password]) };
      }
      const { reply } = result.auth;
      return { outcome: result.auth.accepted ? 'accepted' : 'rejected', code: reply.code, text: scrubSecrets(reply.text, [credential.password]) };
    },

    async sendTestMessage(endpoint, credential, message): Promise<SmtpSendResult> {
      const transport = nodemailer.createTransport({
        host: endpoint.host,
        port: endpoint.port,
        secure: endpoint.port === 465 || endpoint.port === 2465,
        requireTLS: true,
        auth: { user: credential.username, pass: credential.password.reveal() },
        tls: { ...(options.tls ?? {}), ...(options.servername ? { servername: options.servername } : {}) },
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        logger: false,
        debug: false,
      });
      try {
        const info = await transport.sendMail({ from: message.from, to: message.to, subject: message.subject, text: message.text });
        const match = /^(\d{3})\s*(.*)$/s.exec(info.response ?? '');
        return { sent: true, code: Number(match?.[1] ?? 250), text: match?.[2] ?? info.response ?? '', messageId: info.messageId };
      } catch (error) {
        const e = error as { responseCode?: number; response?: string; message?: string };
        return { sent: false, code: e.responseCode, error: scrubSecrets(e.response ?? e.message ?? String(error), [credential.password]) };
      } finally {
        transport.close();
      }
    },
  };
}
