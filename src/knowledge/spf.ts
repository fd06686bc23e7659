/**
 * SPF record syntax (RFC 7208 sections 4.5, 4.6, 5, 6, 7), pure: no I/O. Parses one record into
 * its terms, lists syntax errors (each of which is a permerror for receivers) and the
 * warnings worth showing a human. Evaluation (check_host) lives in checks/dns/spf-evaluator.
 */

export type SpfQualifier = '+' | '-' | '~' | '?';
export const SPF_MECHANISMS = ['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists'] as const;
export type SpfMechanismName = (typeof SPF_MECHANISMS)[number];

export type SpfTerm =
  | {
      kind: 'mechanism';
      raw: string;
      qualifier: SpfQualifier;
      /** Whether the qualifier was written out (`+all`) or implied (`all`). */
      explicitQualifier: boolean;
      name: SpfMechanismName;
      /** domain-spec of include/a/mx/ptr/exists, or the address of ip4/ip6 (without the CIDR). */
      target?: string;
      cidr4?: number;
      cidr6?: number;
    }
  | { kind: 'modifier'; raw: string; name: string; value: string };

export type SpfWarningCode =
  | 'plus-all'
  | 'neutral-all'
  | 'ptr'
  | 'duplicate-include'
  | 'no-all'
  | 'terms-after-all'
  | 'redirect-ignored'
  | 'unknown-modifier';

export interface SpfWarning {
  code: SpfWarningCode;
  message: string;
}

export interface ParsedSpfRecord {
  raw: string;
  terms: SpfTerm[];
  /** Each is a syntax error that makes receivers return permerror. Empty when valid. */
  errors: string[];
  warnings: SpfWarning[];
  /** Mechanisms and modifiers that cost a DNS lookup (include, a, mx, ptr, exists, redirect). */
  lookupTerms: number;
  includes: string[];
  redirect?: string;
  exp?: string;
  /** The qualifier of the `all` mechanism, when present. */
  all?: SpfQualifier;
}

/** Terms that make a DNS query and count against the limit of 10 (RFC 7208 section 4.6.4). */
export const LOOKUP_MECHANISMS: ReadonlySet<string> = new Set(['include', 'a', 'mx', 'ptr', 'exists']);
export const SPF_LOOKUP_LIMIT = 10;
export const SPF_VOID_LOOKUP_LIMIT = 2;

const VERSION = /^v=spf1$/i;
// RFC 7208 section 7.1: macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
const MACRO_EXPAND = /%(?:\{[slodiphcrtv]\d*r?[.\-+,/_=]*\}|%|_|-)/gi;
// Only letters allowed outside "exp" text (c, r, t are explanation-only).
const EXP_ONLY_MACRO = /%\{[crt]/i;
const TOPLABEL = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;
const MODIFIER = /^([a-z][a-z0-9\-_.]*)=(.*)$/i;
const IP4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)){3}$/;

/** True when a TXT string is an SPF version 1 record ("v=spf1" alone or followed by a space). */
export function isSpfRecord(text: string): boolean {
  return /^v=spf1(?: |$)/i.test(text);
}

/** The SPF records among a name's TXT strings (already joined); more than one is a permerror. */
export function selectSpfRecords(txt: readonly string[]): string[] {
  return txt.filter(isSpfRecord);
}

export function hasMacro(domainSpec: string): boolean {
  return domainSpec.includes('%');
}

/** Validates a domain-spec (RFC 7208 section 7.1): macros well formed, and ends in a top label or a macro. */
export function domainSpecError(spec: string, allowExpOnlyMacros = false): string | undefined {
  if (spec === '') return 'is empty';
  if (/[^\x21-\x7e]/.test(spec)) return 'contains characters that are not visible ASCII';
  const stripped = spec.replace(MACRO_EXPAND, '');
  if (stripped.includes('%')) return `has a malformed macro`;
  if (!allowExpOnlyMacros && EXP_ONLY_MACRO.test(spec)) return 'uses a macro (c, r or t) allowed only in exp text';
  if (/%\{[^}]*\}$/.test(spec)) return undefined; // ends in a macro-expand
  const labels = spec.replace(/\.$/, '').split('.');
  const top = labels[labels.length - 1] ?? '';
  if (labels.length < 2 || !TOPLABEL.test(top)) return 'does not end in a domain name (a top-level label such as .com)';
  return undefined;
}

function parseCidr(text: string, max: number): number | undefined {
  if (!/^(?:0|[1-9]\d{0,2})$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

function isIp6(text: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return false;
  try {
    return new URL(`http://[${text}]/`).hostname !== '';
  } catch {
    return false;
  }
}

/** Parses one mechanism (qualifier already removed); returns the term or an error message. */
function parseMechanism(raw: string, body: string, qualifier: SpfQualifier, explicitQualifier: boolean): SpfTerm | string {
  const match = /^([a-z0-9]+)(.*)$/i.exec(body);
  const name = (match?.[1] ?? '').toLowerCase();
  let rest = match?.[2] ?? body;
  if (!(SPF_MECHANISMS as readonly string[]).includes(name)) return `unknown mechanism '${raw}'`;
  const mechanism = name as SpfMechanismName;
  const base = { kind: 'mechanism' as const, raw, qualifier, explicitQualifier, name: mechanism };
  switch (mechanism) {
    case 'all':
      return rest === '' ? base : `'${raw}': all takes no argument`;
    case 'include':
    case 'exists': {
      if (!rest.startsWith(':')) return `'${raw}': ${mechanism} needs a domain (${mechanism}:example.com)`;
      const target = rest.slice(1);
      const problem = domainSpecError(target);
      return problem ? `'${raw}': the domain ${problem}` : { ...base, target };
    }
    case 'ptr': {
      if (rest === '') return base;
      if (!rest.startsWith(':')) return `'${raw}': malformed ptr mechanism`;
      const problem = domainSpecError(rest.slice(1));
      return problem ? `'${raw}': the domain ${problem}` : { ...base, target: rest.slice(1) };
    }
    case 'a':
    case 'mx': {
      // a[:domain][/cidr4][//cidr6]
      const cidrMatch = /^(.*?)(?:\/(\d+))?(?:\/\/(\d+))?$/.exec(rest);
      let target: string | undefined;
      let cidr4: number | undefined;
      let cidr6: number | undefined;
      const domainPart = cidrMatch?.[1] ?? rest;
      if (cidrMatch?.[2] !== undefined) {
        cidr4 = parseCidr(cidrMatch[2], 32);
        if (cidr4 === undefined) return `'${raw}': invalid IPv4 prefix length`;
      }
      if (cidrMatch?.[3] !== undefined) {
        cidr6 = parseCidr(cidrMatch[3], 128);
        if (cidr6 === undefined) return `'${raw}': invalid IPv6 prefix length`;
      }
      rest = domainPart;
      if (rest !== '') {
        if (!rest.startsWith(':')) return `'${raw}': malformed ${mechanism} mechanism`;
        target = rest.slice(1);
        const problem = domainSpecError(target);
        if (problem) return `'${raw}': the domain ${problem}`;
      }
      return { ...base, ...(target === undefined ? {} : { target }), ...(cidr4 === undefined ? {} : { cidr4 }), ...(cidr6 === undefined ? {} : { cidr6 }) };
    }
    case 'ip4': {
      const m = /^:([^/]*)(?:\/(.*))?$/.exec(rest);
      if (!m || !IP4.test(m[1] ?? '')) return `'${raw}': not an IPv4 address`;
      const cidr4 = m[2] === undefined ? undefined : parseCidr(m[2], 32);
      if (m[2] !== undefined && cidr4 === undefined) return `'${raw}': invalid IPv4 prefix length`;
      return { ...base, target: m[1] ?? '', ...(cidr4 === undefined ? {} : { cidr4 }) };
    }
    case 'ip6': {
      const m = /^:([^/]*)(?:\/(.*))?$/.exec(rest);
      if (!m || !isIp6(m[1] ?? '')) return `'${raw}': not an IPv6 address`;
      const cidr6 = m[2] === undefined ? undefined : parseCidr(m[2], 128);
      if (m[2] !== undefined && cidr6 === undefined) return `'${raw}': invalid IPv6 prefix length`;
      return { ...base, target: m[1] ?? '', ...(cidr6 === undefined ? {} : { cidr6 }) };
    }
  }
}

/** Parses an SPF record. Never throws: problems are listed in `errors` and `warnings`. */
export function parseSpfRecord(raw: string): ParsedSpfRecord {
  const errors: string[] = [];
  const warnings: SpfWarning[] = [];
  const terms: SpfTerm[] = [];
  const result: ParsedSpfRecord = { raw, terms, errors, warnings, lookupTerms: 0, includes: [] };

  if (/[^\x20-\x7e]/.test(raw)) errors.push('the record contains characters that are not printable ASCII (tabs, line breaks or non-ASCII text)');
  // Terms are separated by spaces only (RFC 7208 section 4.6.1); a tab or line break is part of a term.
  const [version, ...tokens] = raw.split(' ').filter((token) => token !== '');
  if (version === undefined || !VERSION.test(version)) {
    errors.push('the record does not start with v=spf1');
    return result;
  }
  const seenModifiers = new Set<string>();
  for (const token of tokens) {
    const modifier = MODIFIER.exec(token);
    if (modifier) {
      const name = (modifier[1] ?? '').toLowerCase();
      const value = modifier[2] ?? '';
      if ((name === 'redirect' || name === 'exp') && seenModifiers.has(name)) errors.push(`the ${name}= modifier appears more than once`);
      seenModifiers.add(name);
      if (name === 'redirect' || name === 'exp') {
        const problem = domainSpecError(value);
        if (problem) errors.push(`'${token}': the domain ${problem}`);
        if (name === 'redirect') result.redirect = value;
        else result.exp = value;
      } else {
        if (/%/.test(value) && value.replace(MACRO_EXPAND, '').includes('%')) errors.push(`'${token}': malformed macro`);
        warnings.push({ code: 'unknown-modifier', message: `'${token}' is not a modifier receivers know; it is ignored.` });
      }
      terms.push({ kind: 'modifier', raw: token, name, value });
      continue;
    }
    const first = token.charAt(0);
    const explicitQualifier = '+-~?'.includes(first) && token.length > 0;
    const qualifier = (explicitQualifier ? first : '+') as SpfQualifier;
    const parsed = parseMechanism(token, explicitQualifier ? token.slice(1) : token, qualifier, explicitQualifier);
    if (typeof parsed === 'string') {
      errors.push(parsed);
      continue;
    }
    terms.push(parsed);
  }

  const mechanisms = terms.filter((t): t is Extract<SpfTerm, { kind: 'mechanism' }> => t.kind === 'mechanism');
  result.lookupTerms = mechanisms.filter((m) => LOOKUP_MECHANISMS.has(m.name)).length + (result.redirect === undefined ? 0 : 1);
  result.includes = mechanisms.filter((m) => m.name === 'include').map((m) => m.target ?? '');

  const allIndex = mechanisms.findIndex((m) => m.name === 'all');
  const all = mechanisms[allIndex];
  if (all) {
    result.all = all.qualifier;
    if (all.qualifier === '+') {
      warnings.push({ code: 'plus-all', message: `'${all.raw}' authorises every server on the internet to send as this domain.` });
    } else if (all.qualifier === '?') {
      warnings.push({ code: 'neutral-all', message: `'${all.raw}' makes the result neutral for unlisted servers: SPF then protects nothing.` });
    }
    if (allIndex < mechanisms.length - 1) {
      warnings.push({ code: 'terms-after-all', message: `mechanisms after '${all.raw}' are never reached.` });
    }
    if (result.redirect !== undefined) {
      warnings.push({ code: 'redirect-ignored', message: `redirect=${result.redirect} is ignored because the record has an 'all' mechanism.` });
    }
  } else if (result.redirect === undefined) {
    warnings.push({ code: 'no-all', message: 'the record has no all mechanism and no redirect, so unlisted servers get neutral.' });
  }
  if (mechanisms.some((m) => m.name === 'ptr')) {
    warnings.push({ code: 'ptr', message: "the 'ptr' mechanism is slow, unreliable and discouraged (RFC 7208 section 5.5); list addresses or includes instead." });
  }
  const seen = new Set<string>();
  for (const include of result.includes) {
    const key = include.toLowerCase().replace(/\.$/, '');
    if (seen.has(key)) {
      warnings.push({ code: 'duplicate-include', message: `include:${include} appears more than once; each copy costs lookups for nothing.` });
    }
    seen.add(key);
  }
  return result;
}

/** The ip4 ranges a record lists directly, as `address/prefix`. */
export function ip4Ranges(record: ParsedSpfRecord): string[] {
  return record.terms.flatMap((term) =>
    term.kind === 'mechanism' && term.name === 'ip4' && term.qualifier === '+' && term.target ? [`${term.target}/${term.cidr4 ?? 32}`] : [],
  );
}

/** A usable address inside an IPv4 range: the first host address (or the address itself for /31, /32). */
export function representativeIp4(range: string): string {
  const [address = '', prefixText = '32'] = range.split('/');
  const prefix = Number(prefixText);
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const network = value - (value % size);
  const host = prefix >= 31 ? value : network + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(host / 2 ** shift) % 256).join('.');
}

/** Whether a record includes a domain directly (e.g. include:amazonses.com). */
export function includesDomain(record: ParsedSpfRecord, domain: string): boolean {
  const wanted = domain.toLowerCase();
  return record.includes.some((include) => include.toLowerCase().replace(/\.$/, '') === wanted);
}
