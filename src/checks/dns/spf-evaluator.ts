/**
 * RFC 7208 check_host() through mailauth, fed by our DnsClient. The adapter translates our
 * typed DNS failures into the Node error codes mailauth understands, so the evaluation goes
 * through the run's cached client (each name and type asked once per run) and a SERVFAIL or
 * timeout stays a temperror, never a "record missing".
 */
import { spf as mailauthSpf } from 'mailauth/lib/spf/index.js';
import { DnsLookupError, type DnsClient, type DnsErrorCode, type RRType } from '../../core/ports.js';

export const SPF_RESULTS = ['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror'] as const;
export type SpfResult = (typeof SPF_RESULTS)[number];

/** mailauth's resolver contract: `(name, rrtype) => Promise<Array>` rejecting with Node-style codes. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;

/** The Node resolver code mailauth expects for each of our DNS outcomes. */
const MAILAUTH_CODES: Record<DnsErrorCode, string> = {
  NXDOMAIN: 'ENOTFOUND',
  NODATA: 'ENODATA',
  BADNAME: 'EBADNAME',
  TIMEOUT: 'ETIMEOUT',
  REFUSED: 'EREFUSED',
  SERVFAIL: 'ESERVFAIL',
  FAILED: 'EFAILED',
};

const ASKED_TYPES: ReadonlySet<string> = new Set<RRType>(['TXT', 'A', 'AAAA', 'MX', 'PTR']);

/** An error shaped like Node's resolver errors, keeping our typed error as the cause. */
class MailauthDnsError extends Error {
  readonly code: string;
  readonly dnsError: DnsLookupError;
  constructor(dnsError: DnsLookupError) {
    super(dnsError.message, { cause: dnsError });
    this.code = MAILAUTH_CODES[dnsError.dnsCode];
    this.dnsError = dnsError;
  }
}

/**
 * Adapts a DnsClient to mailauth's resolver. Failures that are not proofs of absence are
 * pushed to `failures`, so a temperror can name the exact query that could not be answered.
 */
export function toMailauthResolver(dns: DnsClient, failures: DnsLookupError[] = []): MailauthResolver {
  return async (name, rrtype) => {
    const type = rrtype.toUpperCase();
    if (!ASKED_TYPES.has(type)) {
      throw Object.assign(new Error(`unsupported record type ${rrtype}`), { code: 'ENOTIMP' });
    }
    try {
      return await dns.resolve(name, type as RRType);
    } catch (error) {
      if (error instanceof DnsLookupError) {
        if (!error.isVoid && error.dnsCode !== 'BADNAME') failures.push(error);
        throw new MailauthDnsError(error);
      }
      throw error;
    }
  };
}

export interface SpfEvaluationInput {
  /** The client address to test. */
  ip: string;
  /** MAIL FROM address (or bare domain); empty means a null reverse-path, so HELO is checked. */
  sender: string;
  helo?: string;
}

export interface SpfEvaluation {
  /** The domain whose policy was evaluated. */
  domain: string;
  ip: string;
  result: SpfResult;
  /** mailauth's comment: why this result (for permerror/temperror, the reason). */
  comment: string;
  /** The top-level record evaluated, when one was found. */
  record?: string;
  /** Owner-published explanation (exp=), only for `fail`. */
  explanation?: string;
  /** DNS-querying terms counted against the limit of 10, and void lookups counted against 2. */
  lookups: { count: number; void: number; limit: number } | undefined;
  /** Queries that failed with something other than NXDOMAIN/NODATA (the cause of a temperror). */
  failedQueries: DnsLookupError[];
}

/**
 * Runs check_host() in mailauth's strict mode (RFC 7208 to the letter; 203/203 of the
 * OpenSPF suite). The product and the conformance suite both call this function.
 */
export async function evaluateSpf(dns: DnsClient, input: SpfEvaluationInput): Promise<SpfEvaluation> {
  const failedQueries: DnsLookupError[] = [];
  const resolver = toMailauthResolver(dns, failedQueries);
  const response = await mailauthSpf({
    sender: input.sender,
    ip: input.ip,
    ...(input.helo === undefined ? {} : { helo: input.helo }),
    // Used only in comments; avoids reading os.hostname() on every evaluation.
    mta: 'maildiag',
    // mailauth declares TXT/string answers only; MX answers are objects, which it also accepts.
    resolver: resolver as Parameters<typeof mailauthSpf>[0]['resolver'],
    strict: true,
  });
  const result = (SPF_RESULTS as readonly string[]).includes(response.status.result) ? (response.status.result as SpfResult) : 'temperror';
  return {
    domain: response.domain,
    ip: input.ip,
    result,
    comment: response.status.comment ?? '',
    ...(response.rr === undefined ? {} : { record: response.rr }),
    ...(response.explanation === undefined ? {} : { explanation: response.explanation }),
    lookups: response.lookups ? { count: response.lookups.count, void: response.lookups.void, limit: response.lookups.limit } : undefined,
    failedQueries,
  };
}
