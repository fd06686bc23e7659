/**
 * DKIM: SES Easy DKIM CNAMEs (`<token>._domainkey.<domain>` → `<token>.<SigningHostedZone>`)
 * when tokens are known (SES facts or --dkim-tokens), and/or the key record of a named
 * selector (--dkim-selector). With neither, the check says how to supply them.
 */
import type { Check } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding, type Status } from '../../core/finding.js';
import { DnsLookupError, type DnsClient } from '../../core/ports.js';
import { joinTxt } from '../../io/dns.js';
import { easyDkimRecord, parseDkimKeyRecord } from '../../knowledge/dkim.js';
import { type DkimTokensInput, dnsInputs } from './inputs.js';

const LAYER = 'dns';
const CHECK = 'dkim';

const sameName = (a: string, b: string): boolean => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

type TokenOutcome = { name: string; expected: string; status: 'ok' | 'missing' | 'wrong' | 'error'; actual: string; error?: DnsLookupError };

async function checkToken(dns: DnsClient, token: string, domain: string, zone: string): Promise<TokenOutcome> {
  const { name, target } = easyDkimRecord(token, domain, zone);
  try {
    const cnames = await dns.resolve(name, 'CNAME');
    const actual = cnames.join(', ');
    return { name, expected: target, actual, status: cnames.some((c) => sameName(c, target)) ? 'ok' : 'wrong' };
  } catch (error) {
    if (error instanceof DnsLookupError && error.isVoid) return { name, expected: target, actual: `(no CNAME: ${error.dnsCode})`, status: 'missing' };
    if (error instanceof DnsLookupError) return { name, expected: target, actual: `(${error.dnsCode})`, status: 'error', error };
    throw error;
  }
}

/** The Easy DKIM finding for one set of tokens (one SES region, or --dkim-tokens). */
export async function checkEasyDkim(dns: DnsClient, input: DkimTokensInput): Promise<Finding> {
  const domain = input.domain;
  const outcomes = await Promise.all(input.tokens.map((token) => checkToken(dns, token, domain, input.signingHostedZone)));
  const where = input.region ? ` (SES ${input.region})` : input.source === 'input' ? ' (tokens given)' : '';
  const evidence: EvidenceItem[] = [
    { label: 'CNAME records', value: outcomes.map((o) => `${o.name} → ${o.actual} [${o.status === 'ok' ? 'ok' : `expected ${o.expected}`}]`), code: true },
  ];
  if (input.status !== undefined) {
    evidence.push({ label: 'SES DKIM status', value: `${input.status}${input.signingEnabled === false ? ' (signing disabled)' : ''}`, code: true });
  }
  const errors = outcomes.filter((o) => o.status === 'error');
  const missing = outcomes.filter((o) => o.status === 'missing');
  const wrong = outcomes.filter((o) => o.status === 'wrong');
  const title = `Easy DKIM CNAMEs${where}`;
  const id = input.region ?? 'tokens';
  if (missing.length > 0 || wrong.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`${missing.length} missing`] : []),
      ...(wrong.length > 0 ? [`${wrong.length} pointing elsewhere (${wrong.map((w) => `${w.name} → ${w.actual}`).join(', ')})`] : []),
    ];
    return makeFinding(LAYER, CHECK, {
      id,
      status: 'fail',
      title,
      summary: `${parts.join(' and ')} of ${outcomes.length} DKIM CNAME records for ${domain}${where}.`,
      evidence,
      explanation:
        'SES signs with the keys these CNAMEs point to; until all resolve to SES, the identity\'s DKIM stays pending or failed, mail is unsigned (or signed only as amazonses.com) and DMARC, which rests on DKIM with SES\'s default MAIL FROM, fails.',
      fix: `Create these CNAME records exactly:\n${[...missing, ...wrong].map((o) => `\`${o.name} CNAME ${o.expected}\``).join('\n')}`,
    });
  }
  if (errors.length > 0) {
    return makeFinding(LAYER, CHECK, {
      id,
      status: 'error',
      title,
      summary: `Could not check ${errors.length} of ${outcomes.length} DKIM CNAME records for ${domain}: ${errors.map((e) => e.error?.message).join('; ')}.`,
      evidence,
      explanation: 'The DNS server did not answer, so these records are neither confirmed present nor missing.',
      fix: "Retry; if it persists, check the domain's authoritative name servers.",
    });
  }
  const sesUnhappy = input.status !== undefined && input.status !== 'SUCCESS';
  const signingOff = input.signingEnabled === false;
  const status: Status = sesUnhappy || signingOff ? 'warn' : 'pass';
  return makeFinding(LAYER, CHECK, {
    id,
    status,
    title,
    summary:
      status === 'pass'
        ? `All ${outcomes.length} DKIM CNAMEs of ${domain} point to ${input.signingHostedZone}${where}.`
        : `The DKIM CNAMEs are correct, but SES reports DKIM ${input.status}${signingOff ? ' with signing disabled' : ''}${where}.`,
    evidence,
    explanation: status === 'pass' ? 'SES can sign as this domain, which gives DMARC an aligned DKIM pass.' : 'SES re-checks the records periodically; a correct record with a failed status usually means SES has not re-checked yet, or signing was turned off.',
    fix: status === 'pass' ? '' : signingOff ? 'Enable DKIM signing for the identity in SES.' : 'Wait for SES to re-verify (up to 72 hours), or re-start DKIM verification for the identity.',
  });
}

/** The key record of a named selector. */
export async function checkDkimSelector(dns: DnsClient, domain: string, selector: string): Promise<Finding> {
  const name = `${selector}._domainkey.${domain}`;
  const title = `DKIM key ${selector}`;
  let txt: string[];
  try {
    txt = (await dns.resolve(name, 'TXT')).map(joinTxt);
  } catch (error) {
    if (error instanceof DnsLookupError && error.isVoid) {
      return makeFinding(LAYER, CHECK, {
        id: `selector:${selector}`,
        status: 'fail',
        title,
        summary: `No DKIM key at ${name} (${error.dnsCode}).`,
        evidence: [{ label: `TXT ${name}`, value: error.dnsCode, code: true }],
        explanation: 'Signatures made with this selector cannot be verified, so DKIM fails at every receiver.',
        fix: `Publish the selector's public key as a TXT (or CNAME for Easy DKIM) record at ${name}.`,
      });
    }
    throw error;
  }
  const keys = txt.filter((record) => /(^|;)\s*p\s*=/.test(record) || /^v=DKIM1/i.test(record.trim()));
  const evidence: EvidenceItem[] = [{ label: `TXT ${name}`, value: txt.length > 0 ? txt : ['(empty)'], code: true }];
  if (keys.length !== 1) {
    return makeFinding(LAYER, CHECK, {
      id: `selector:${selector}`,
      status: 'fail',
      title,
      summary: keys.length === 0 ? `${name} holds no DKIM key record.` : `${name} holds ${keys.length} DKIM key records; verifiers may pick either.`,
      evidence,
      explanation: 'A selector must publish exactly one key record.',
      fix: `Publish one v=DKIM1 record with the public key at ${name}.`,
    });
  }
  const key = parseDkimKeyRecord(keys[0] ?? '');
  evidence.push({ label: 'key', value: `type ${key.keyType}${key.rsaBits ? `, ${key.rsaBits} bits` : ''}${key.revoked ? ', revoked (empty p=)' : ''}`, code: true });
  const status: Status = key.revoked || key.errors.length > 0 ? 'fail' : key.warnings.length > 0 ? 'warn' : 'pass';
  return makeFinding(LAYER, CHECK, {
    id: `selector:${selector}`,
    status,
    title,
    summary:
      status === 'pass'
        ? `${name} publishes a valid ${key.keyType.toUpperCase()} key${key.rsaBits ? ` (${key.rsaBits} bits)` : ''}.`
        : key.revoked
          ? `The key at ${name} is revoked (empty p=).`
          : `${name}: ${[...key.errors, ...key.warnings].join('; ')}.`,
    evidence,
    explanation: key.revoked ? 'An empty p= revokes the key: every signature with this selector fails.' : 'Receivers verify signatures with this key.',
    fix: status === 'pass' ? '' : key.revoked ? 'Sign with a selector whose key is published, or publish the key again.' : 'Publish a well-formed key (2048-bit RSA or Ed25519 with an RSA fallback).',
  });
}

export const dkimCheck: Check = {
  id: CHECK,
  layer: LAYER,
  title: 'DKIM records',
  async run(ctx) {
    const inputs = await dnsInputs(ctx);
    const domain = inputs.senderDomain;
    if (inputs.dkim.length === 0 && !inputs.dkimSelector) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'skipped',
          title: 'DKIM records',
          summary: 'DKIM not checked: neither the SES DKIM tokens nor a selector are known.',
          explanation: 'DKIM records live at names only the signer knows (<token>._domainkey or <selector>._domainkey), so they cannot be guessed.',
          fix: 'Give the bot AWS access so it reads the Easy DKIM tokens from SES, or pass --dkim-tokens <t1,t2,t3> (SES console: identity → Authentication) or --dkim-selector <selector> (from a DKIM-Signature header, s=).',
        }),
      ];
    }
    const findings = await Promise.all([
      ...inputs.dkim.map((input) => checkEasyDkim(ctx.dns, input)),
      ...(inputs.dkimSelector ? [checkDkimSelector(ctx.dns, domain, inputs.dkimSelector)] : []),
    ]);
    return findings;
  },
};
