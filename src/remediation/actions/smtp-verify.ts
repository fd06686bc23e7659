/**
 * Verifies a new SES SMTP credential for real: AUTH on the region's endpoint, retried while
 * IAM propagates the new key (SES answers 535 for a few seconds to minutes), then one test
 * message to SES's mailbox simulator, which exercises authentication, the sending identity
 * and the send permission without reaching a real inbox.
 */
import type { Delay, SmtpAuthResult, SmtpCredentialTester, SmtpEndpoint, SmtpSecretCredential, SmtpSendResult } from '../ports.js';

export const SIMULATOR_SUCCESS = 'success@simulator.amazonses.com';

export interface VerifyOptions {
  tester: SmtpCredentialTester;
  endpoint: SmtpEndpoint;
  credential: SmtpSecretCredential;
  /** A verified identity of the account (the diagnosed sender); undefined skips the test send. */
  from: string | undefined;
  /** Bounded: total AUTH attempts, and the wait between them (doubling, capped). */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  delay: Delay;
  progress: (text: string) => Promise<void>;
}

export interface VerifyResult {
  authenticated: boolean;
  attemptsMade: number;
  lastAuth: SmtpAuthResult | undefined;
  send: SmtpSendResult | undefined;
  /** Lines for the outcome message. */
  details: string[];
}

export function describeAuth(result: SmtpAuthResult): string {
  if (result.outcome === 'unreachable') return `no AUTH answer (${result.error})`;
  return `${result.code} ${result.text}`.trim();
}

export async function verifySmtpCredential(options: VerifyOptions): Promise<VerifyResult> {
  const { tester, endpoint, credential } = options;
  const where = `${endpoint.host}:${endpoint.port}`;
  let lastAuth: SmtpAuthResult | undefined;
  let wait = options.initialDelayMs;
  let attempt = 0;
  while (attempt < options.attempts) {
    attempt += 1;
    lastAuth = await tester.authenticate(endpoint, credential);
    if (lastAuth.outcome === 'accepted') break;
    if (attempt < options.attempts) {
      await options.progress(
        `SMTP AUTH attempt ${attempt} of ${options.attempts} at ${where}: ${describeAuth(lastAuth)}. IAM can take a while to propagate a new key; retrying in ${Math.round(wait / 1000)} s.`,
      );
      await options.delay(wait);
      wait = Math.min(wait * 2, options.maxDelayMs);
    }
  }
  const details: string[] = [];
  if (lastAuth?.outcome !== 'accepted') {
    details.push(`SMTP AUTH at ${where} was not accepted after ${attempt} attempts; last answer: ${lastAuth ? describeAuth(lastAuth) : 'none'}.`);
    return { authenticated: false, attemptsMade: attempt, lastAuth, send: undefined, details };
  }
  details.push(`SMTP AUTH at ${where} accepted the new credential (${describeAuth(lastAuth)}) after ${attempt} attempt${attempt === 1 ? '' : 's'}.`);
  await options.progress(`SMTP AUTH accepted at ${where}.${options.from ? ` Sending a test message to ${SIMULATOR_SUCCESS}…` : ''}`);
  if (options.from === undefined) {
    details.push('No sending address was known for this diagnosis, so no test message was sent.');
    return { authenticated: true, attemptsMade: attempt, lastAuth, send: undefined, details };
  }
  const send = await tester.sendTestMessage(endpoint, credential, {
    from: options.from,
    to: SIMULATOR_SUCCESS,
    subject: 'maildiag: SMTP credential verification',
    text: 'Sent by maildiag to verify a rotated SES SMTP credential. The SES mailbox simulator accepts and discards it.',
  });
  details.push(
    send.sent
      ? `A test message from ${options.from} to ${SIMULATOR_SUCCESS} was accepted (${send.code} ${send.text}).`
      : `The test message from ${options.from} to ${SIMULATOR_SUCCESS} was refused: ${send.error}.`,
  );
  return { authenticated: true, attemptsMade: attempt, lastAuth, send, details };
}
