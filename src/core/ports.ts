/**
 * The small interfaces through which checks reach the outside world. Adapters live in
 * src/io; tests pass the same adapters pointed at loopback peers.
 */
import type { Logger } from 'pino';
import { MaildiagError } from './errors.js';
import type { Target } from './target.js';
import type { AwsGateways } from './aws-ports.js';
import type { SmtpProber } from './smtp-ports.js';

// ---------- DNS ----------
export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface DnsRecordMap {
  A: string[];
  AAAA: string[];
  MX: MxRecord[];
  /** Each record is its list of character-strings; join them without separators. */
  TXT: string[][];
  CNAME: string[];
  PTR: string[];
  NS: string[];
}
export type RRType = keyof DnsRecordMap;

/**
 * NXDOMAIN: the name does not exist. NODATA: the name exists but has no record of the type.
 * Everything else means "could not check", never "missing".
 */
export type DnsErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'BADNAME' | 'FAILED';

export class DnsLookupError extends MaildiagError {
  readonly dnsCode: DnsErrorCode;
  readonly queryName: string;
  readonly queryType: RRType;

  constructor(dnsCode: DnsErrorCode, queryName: string, queryType: RRType, cause?: unknown) {
    super(`dns_${dnsCode.toLowerCase()}`, describeDnsFailure(dnsCode, queryName, queryType), {
      cause,
      hint: isVoidDnsCode(dnsCode)
        ? undefined
        : 'This is a DNS server problem, not a missing record: retry, or check the domain\'s authoritative name servers.',
    });
    this.dnsCode = dnsCode;
    this.queryName = queryName;
    this.queryType = queryType;
  }

  /** True when the answer proves absence (the record really is not there). */
  get isVoid(): boolean {
    return isVoidDnsCode(this.dnsCode);
  }
}

export function isVoidDnsCode(code: DnsErrorCode): boolean {
  return code === 'NXDOMAIN' || code === 'NODATA';
}

function describeDnsFailure(code: DnsErrorCode, name: string, type: RRType): string {
  switch (code) {
    case 'NXDOMAIN':
      return `${name} does not exist (NXDOMAIN)`;
    case 'NODATA':
      return `${name} has no ${type} record`;
    case 'SERVFAIL':
      return `the DNS server failed to answer ${type} ${name} (SERVFAIL)`;
    case 'TIMEOUT':
      return `no answer for ${type} ${name} (DNS timeout)`;
    case 'REFUSED':
      return `the DNS server refused to answer ${type} ${name}`;
    case 'BADNAME':
      return `${name} is not a valid DNS name`;
    case 'FAILED':
      return `the DNS lookup of ${type} ${name} failed`;
  }
}

export function isDnsLookupError(error: unknown): error is DnsLookupError {
  return error instanceof DnsLookupError;
}

export interface DnsClient {
  /** Resolves one name and type; throws DnsLookupError on any non-answer. */
  resolve<T extends RRType>(name: string, type: T): Promise<DnsRecordMap[T]>;
}

// ---------- run context ----------

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Settings the engine and checks need; read once by config.ts. */
export interface EngineSettings {
  /** Regions to check when the input names none. */
  regions: string[];
  /** IAM user names whose access keys are SMTP credentials. */
  smtpUsers: string[];
  /** Access keys older than this are flagged for rotation. */
  keyMaxAgeDays: number;
  /** Override for the SES SMTP endpoint (tests and private links); default email-smtp.<region>.amazonaws.com:587. */
  smtpEndpoint?: { host: string; port: number };
  checkTimeoutMs: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  regions: ['us-east-1'],
  smtpUsers: [],
  keyMaxAgeDays: 90,
  checkTimeoutMs: 15_000,
};

/** Counters the I/O adapters bump so each run can report what it sent. */
export interface RunCounters {
  dnsQueries: number;
  dnsQueriesDistinct: number;
  awsCalls: number;
  awsCallsDistinct: number;
}

export interface RunContext {
  runId: string;
  target: Target;
  settings: EngineSettings;
  dns: DnsClient;
  /** Undefined when no AWS credentials are configured: AWS layers are skipped. */
  aws: AwsGateways | undefined;
  smtp: SmtpProber | undefined;
  clock: Clock;
  log: Logger;
  /** Aborted when the run is cancelled; each check also gets its own timeout. */
  signal: AbortSignal;
  counters: RunCounters;
  /**
   * Shares one computation between checks of a run (for example the SES identity that
   * both the `ses` and the DNS `dkim` checks need): the first caller computes, others await.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}
