/**
 * DMARC records (RFC 7489), pure: parsing with precise errors, the organizational domain
 * (Public Suffix List via tldts) and identifier alignment.
 *
 * Choices where implementations differ (documented in docs/dns-layer.md):
 * - `p=n` (and any other abbreviation) is invalid, as RFC 7489 section 6.3 lists only none,
 *   quarantine and reject. OpenDMARC accepts it; receivers following the RFC ignore the record.
 * - `pct` must be an integer 0..100; `ri` a non-negative integer; `rf` only `afrf`;
 *   `fo` only 0, 1, d, s separated by ':'. Unknown tags are ignored (section 6.3).
 * - Tag names are case-insensitive here (lenient, like most receivers); values of p, sp,
 *   adkim, aspf are case-insensitive keywords.
 */
import { getDomain } from 'tldts';

export const DMARC_POLICIES = ['none', 'quarantine', 'reject'] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];
export type AlignmentMode = 'r' | 's';

export type DmarcParseStatus = 'ok' | 'empty' | 'bad-version' | 'bad-value' | 'no-policy';

export interface DmarcRecord {
  raw: string;
  /** Every tag as written (name lower-cased), unknown ones included. */
  tags: Record<string, string>;
  p: DmarcPolicy;
  /** Policy for subdomains; defaults to p. */
  sp: DmarcPolicy;
  pct: number;
  rua: string[];
  ruf: string[];
  adkim: AlignmentMode;
  aspf: AlignmentMode;
  fo: string;
}

export interface DmarcParseResult {
  status: DmarcParseStatus;
  /** Present when status is ok. */
  record?: DmarcRecord;
  errors: string[];
  warnings: string[];
}

const URI = /^[a-z][a-z0-9+.-]*:\S+$/i;

/** True when a TXT string is meant as a DMARC record (used to pick records from a TXT set). */
export function looksLikeDmarcRecord(text: string): boolean {
  return /^\s*v\s*=\s*DMARC1\s*(;|$)/i.test(text);
}

function parsePolicy(value: string): DmarcPolicy | undefined {
  const lower = value.toLowerCase();
  return (DMARC_POLICIES as readonly string[]).includes(lower) ? (lower as DmarcPolicy) : undefined;
}

function parseUris(tag: string, value: string, errors: string[], warnings: string[]): string[] {
  const uris = value.split(',').map((uri) => uri.trim()).filter((uri) => uri !== '');
  for (const uri of uris) {
    const bare = uri.replace(/![0-9]+[kmgt]?$/i, '');
    if (!URI.test(bare)) errors.push(`${tag}: '${uri}' is not a URI (write mailto:address)`);
    else if (!/^mailto:/i.test(bare)) warnings.push(`${tag}: '${uri}' is not a mailto: URI; receivers only send reports by mail`);
  }
  return uris;
}

export function parseDmarcRecord(raw: string): DmarcParseResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const text = raw.trim();
  if (text === '') return { status: 'empty', errors: ['the record is empty'], warnings };
  const parts = text.split(';').map((part) => part.trim()).filter((part) => part !== '');
  const tags: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      errors.push(`'${part}' is not a tag=value pair`);
      continue;
    }
    const name = part.slice(0, eq).trim().toLowerCase();
    if (name in tags) warnings.push(`the tag ${name} appears more than once; the last one is used`);
    tags[name] = part.slice(eq + 1).trim();
  }
  const firstName = parts[0]?.split('=')[0]?.trim().toLowerCase();
  if (firstName !== 'v' || tags.v !== 'DMARC1') {
    return { status: 'bad-version', errors: ['the record must start with v=DMARC1'], warnings };
  }
  if (tags.p === undefined) {
    return { status: 'no-policy', errors: [...errors, 'the required p= tag (policy) is missing'], warnings };
  }
  const p = parsePolicy(tags.p);
  if (!p) errors.push(`p=${tags.p} is not a policy (none, quarantine or reject)`);
  const sp = tags.sp === undefined ? p : parsePolicy(tags.sp);
  if (tags.sp !== undefined && !sp) errors.push(`sp=${tags.sp} is not a policy (none, quarantine or reject)`);
  let pct = 100;
  if (tags.pct !== undefined) {
    pct = /^\d{1,3}$/.test(tags.pct) ? Number(tags.pct) : Number.NaN;
    if (!(pct >= 0 && pct <= 100)) errors.push(`pct=${tags.pct} is not a percentage from 0 to 100`);
  }
  const mode = (tag: 'adkim' | 'aspf'): AlignmentMode => {
    const value = tags[tag];
    if (value === undefined) return 'r';
    const lower = value.toLowerCase();
    if (lower === 'r' || lower === 's') return lower;
    errors.push(`${tag}=${value} must be r (relaxed) or s (strict)`);
    return 'r';
  };
  const adkim = mode('adkim');
  const aspf = mode('aspf');
  if (tags.rf !== undefined && !tags.rf.split(':').every((format) => format.trim().toLowerCase() === 'afrf')) {
    errors.push(`rf=${tags.rf} is not a report format (afrf)`);
  }
  if (tags.ri !== undefined && !/^\d{1,10}$/.test(tags.ri)) errors.push(`ri=${tags.ri} is not a number of seconds`);
  if (tags.fo !== undefined && !tags.fo.split(':').every((option) => ['0', '1', 'd', 's'].includes(option.trim().toLowerCase()))) {
    errors.push(`fo=${tags.fo} must be 0, 1, d or s (separated by ':')`);
  }
  const rua = tags.rua === undefined ? [] : parseUris('rua', tags.rua, errors, warnings);
  const ruf = tags.ruf === undefined ? [] : parseUris('ruf', tags.ruf, errors, warnings);
  if (errors.length > 0 || !p) return { status: 'bad-value', errors, warnings };
  return {
    status: 'ok',
    record: { raw, tags, p, sp: sp ?? p, pct, rua, ruf, adkim, aspf, fo: tags.fo ?? '0' },
    errors,
    warnings,
  };
}

/** Lower-case, without leading/trailing dots; undefined when the name has empty labels. */
export function normalizeDomainName(domain: string): string | undefined {
  const name = domain.toLowerCase().replace(/^\.+|\.+$/g, '');
  if (name === '' || name.split('.').some((label) => label === '')) return undefined;
  return name;
}

/** The organizational domain (RFC 7489 section 3.2) by the Public Suffix List; the name itself when it has none. */
export function organizationalDomain(domain: string): string {
  const name = normalizeDomainName(domain) ?? domain.toLowerCase();
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}

/** Identifier alignment (RFC 7489 section 3.1): strict needs equal names, relaxed equal organizational domains. */
export function isAligned(a: string, b: string, mode: AlignmentMode): boolean {
  const left = normalizeDomainName(a);
  const right = normalizeDomainName(b);
  if (!left || !right) return false;
  if (mode === 's') return left === right;
  return organizationalDomain(left) === organizationalDomain(right);
}
