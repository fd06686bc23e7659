/**
 * Slack request signatures (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `x-slack-signature` is `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the
 * signing secret. Used by the slash command fast path (src/slack/fast-ack.ts), which acks only
 * what verifies here; anything else goes on to Bolt, which verifies again and refuses as usual.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request timestamp more than five minutes from our clock is refused. */
export const SIGNATURE_MAX_AGE_SECONDS = 5 * 60;

const SIGNATURE_SHAPE = /^v0=[0-9a-f]{64}$/;

export interface SignedRequest {
  /** `x-slack-request-timestamp` as sent. */
  timestamp: string | string[] | undefined;
  /** `x-slack-signature` as sent. */
  signature: string | string[] | undefined;
  rawBody: Buffer;
}

/** A verifier for one signing secret (its key is prepared once). */
export function slackSignatureVerifier(signingSecret: string, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): (request: SignedRequest) => boolean {
  const key: KeyObject = createSecretKey(Buffer.from(signingSecret, 'utf8'));
  return ({ timestamp, signature, rawBody }) => {
    if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
    if (!/^\d{1,12}$/.test(timestamp)) return false;
    if (Math.abs(nowSeconds() - Number(timestamp)) > SIGNATURE_MAX_AGE_SECONDS) return false;
    // Exactly what Slack sends (and Bolt compares as text): `v0=` and 64 lower-case hex digits.
    if (!SIGNATURE_SHAPE.test(signature)) return false;
    const expected = createHmac('sha256', key).update(`v0:${timestamp}:`).update(rawBody).digest();
    return timingSafeEqual(Buffer.from(signature.slice(3), 'hex'), expected);
  };
}
