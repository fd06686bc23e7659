/**
 * DMARC alignment concluded from SES facts (pure). DMARC passes when SPF or DKIM passes for a
 * domain aligned with the From domain (RFC 7489 section 3.1). Which of the two can align
 * follows from what SES does with the identity, not from DNS alone:
 *
 * - SPF is checked against the envelope (MAIL FROM) domain. Without a custom MAIL FROM, or
 *   while it is not verified (MailFromDomainStatus other than SUCCESS), SES sends with a
 *   subdomain of amazonses.com, which never aligns. With REJECT_MESSAGE SES refuses to send
 *   instead. A verified custom MAIL FROM aligns when it shares the organizational domain
 *   (aspf=r) or equals the From domain (aspf=s).
 * - DKIM aligns only when SES signs with the domain's own key: Easy DKIM on a domain identity
 *   with SigningEnabled and Status SUCCESS. Otherwise SES signs with amazonses.com's key only.
 *   An address identity has no Easy DKIM of its own: the domain must be verified.
 *
 * The conclusion per region says, for each path, aligned / not aligned / at risk / unknown and
 * why, quoting the SES fields; the DMARC check turns it into the alignment finding.
 */
import { type AlignmentMode, isAligned, organizationalDomain } from '../../knowledge/dmarc.js';
import type { SesIdentityFacts } from '../ses/facts.js';

export type PathState = 'aligned' | 'not-aligned' | 'at-risk' | 'unknown';

/** Why a path is in its state; `default-envelope` is SES's normal set-up, the others are configuration to fix. */
export type PathCause =
  | 'aligned'
  | 'default-envelope'
  | 'mail-from-unverified'
  | 'mail-from-rejects'
  | 'misaligned'
  | 'address-identity'
  | 'no-dkim'
  | 'signing-disabled'
  | 'dkim-unverified'
  | 'dkim-temporary-failure'
  | 'not-read';

export interface AuthPath {
  state: PathState;
  cause: PathCause;
  /** Why, in words that quote the facts. */
  because: string;
  /** What would make this path align; empty when it does. */
  fix: string;
}

export interface RegionAlignment {
  /** Undefined when SES was not read (the conclusion rests on the input alone). */
  region: string | undefined;
  spf: AuthPath;
  dkim: AuthPath;
}

export interface AlignmentInput {
  fromDomain: string;
  aspf: AlignmentMode;
  adkim: AlignmentMode;
  /** SES facts per region where SES answered; empty when SES was not read. */
  ses: readonly SesIdentityFacts[];
  /** A custom MAIL FROM named in the input (--mail-from), used only when SES was not read. */
  mailFromInput?: string;
}

/** One conclusion per region SES answered for (or one from the input alone). */
export function concludeAlignment(input: AlignmentInput): RegionAlignment[] {
  if (input.ses.length === 0) {
    return [{ region: undefined, spf: spfWithoutSes(input), dkim: dkimWithoutSes(input) }];
  }
  return input.ses.map((facts) => ({ region: facts.region, spf: spfFromSes(input, facts), dkim: dkimFromSes(input, facts) }));
}

/** True when DMARC can pass in that region: one path aligns. */
export function canPass(region: RegionAlignment): boolean {
  return region.spf.state === 'aligned' || region.dkim.state === 'aligned';
}

/** True when neither path can align: every message fails DMARC. */
export function cannotPass(region: RegionAlignment): boolean {
  return region.spf.state === 'not-aligned' && region.dkim.state === 'not-aligned';
}

function defaultMailFromFix(from: string, region: string | undefined): string {
  return `configure a custom MAIL FROM such as bounce.${from} (one MX \`10 feedback-smtp.${region ?? '<region>'}.amazonses.com\` and TXT \`v=spf1 include:amazonses.com ~all\`)`;
}

function spfFromSes(input: AlignmentInput, facts: SesIdentityFacts): AuthPath {
  const from = input.fromDomain;
  const mailFrom = facts.mailFrom;
  if (!mailFrom?.domain) {
    return {
      state: 'not-aligned',
      cause: 'default-envelope',
      because: `${facts.identity} has no custom MAIL FROM in ${facts.region}, so SES's envelope sender is a subdomain of amazonses.com and SPF passes only for amazonses.com`,
      fix: defaultMailFromFix(from, facts.region),
    };
  }
  const domain = mailFrom.domain.toLowerCase().replace(/\.$/, '');
  if (mailFrom.status !== 'SUCCESS') {
    const rejects = mailFrom.behaviorOnMxFailure === 'REJECT_MESSAGE';
    return {
      state: 'not-aligned',
      cause: rejects ? 'mail-from-rejects' : 'mail-from-unverified',
      because: rejects
        ? `the custom MAIL FROM ${domain} is ${mailFrom.status} and BehaviorOnMxFailure is REJECT_MESSAGE, so SES refuses to send (MailFromDomainNotVerified) until it verifies`
        : `the custom MAIL FROM ${domain} is ${mailFrom.status}, so SES falls back to its amazonses.com envelope sender (BehaviorOnMxFailure USE_DEFAULT_VALUE) and SPF alignment is lost`,
      fix: `publish exactly one MX \`10 feedback-smtp.${facts.region}.amazonses.com\` and TXT \`v=spf1 include:amazonses.com ~all\` at ${domain} so SES verifies the custom MAIL FROM`,
    };
  }
  if (!isAligned(domain, from, input.aspf)) {
    return {
      state: 'not-aligned',
      cause: 'misaligned',
      because:
        input.aspf === 's'
          ? `the custom MAIL FROM ${domain} is verified but aspf=s requires it to equal ${from} exactly`
          : `the custom MAIL FROM ${domain} is verified but does not share ${from}'s organizational domain`,
      fix: input.aspf === 's' ? 'remove aspf=s from the DMARC record (relaxed is the default)' : `use a subdomain of ${organizationalDomain(from)} as the custom MAIL FROM`,
    };
  }
  return { state: 'aligned', cause: 'aligned', because: `the custom MAIL FROM ${domain} is verified (SUCCESS) in ${facts.region} and aligns with ${from} (aspf=${input.aspf})`, fix: '' };
}

function dkimFromSes(input: AlignmentInput, facts: SesIdentityFacts): AuthPath {
  const from = input.fromDomain;
  const dkim = facts.dkim;
  const addressOnly = (dkim?.identityType ?? facts.identityType) === 'EMAIL_ADDRESS' || (dkim === undefined && facts.identity.includes('@'));
  const verifyDomain = `verify the domain ${from} in SES in ${facts.region} with Easy DKIM (three CNAMEs to the signing zone); an address identity cannot have Easy DKIM of its own`;
  if (!dkim || (addressOnly && dkim.status !== 'SUCCESS')) {
    return {
      state: 'not-aligned',
      cause: addressOnly ? 'address-identity' : 'no-dkim',
      because: addressOnly
        ? `${facts.identity} is an address identity and no DKIM-verified domain identity covers ${from} in ${facts.region}, so SES signs only with amazonses.com's key (d=amazonses.com), which does not align`
        : `SES reports no DKIM for ${facts.identity} in ${facts.region}, so it signs only with amazonses.com's key`,
      fix: addressOnly ? verifyDomain : `set up Easy DKIM for ${facts.identity} in ${facts.region}`,
    };
  }
  const signer = dkim.identity ?? facts.identity;
  const signingDomain = signer.includes('@') ? signer.slice(signer.lastIndexOf('@') + 1) : signer;
  const fields = `Status ${dkim.status}, SigningEnabled ${dkim.signingEnabled}`;
  if (!dkim.signingEnabled) {
    return {
      state: 'not-aligned',
      cause: 'signing-disabled',
      because: `DKIM signing is disabled for ${signer} in ${facts.region} (${fields}), so SES signs only with amazonses.com's key`,
      fix: `enable DKIM signing for ${signer} in ${facts.region} (SES console → Identities → ${signer} → Authentication → DKIM → Edit, or PutEmailIdentityDkimAttributes SigningEnabled=true)`,
    };
  }
  if (dkim.status === 'TEMPORARY_FAILURE') {
    return {
      state: 'at-risk',
      cause: 'dkim-temporary-failure',
      because: `SES cannot currently read ${signer}'s DKIM records in ${facts.region} (${fields}); it retries, and signing as ${signingDomain} stops if the records stay unreadable`,
      fix: `check that the three DKIM CNAMEs of ${signer} resolve from the public internet`,
    };
  }
  if (dkim.status !== 'SUCCESS') {
    return {
      state: 'not-aligned',
      cause: 'dkim-unverified',
      because: `DKIM for ${signer} is ${dkim.status} in ${facts.region} (${fields}): SES signs as ${signingDomain} only once the DKIM records verify, until then only with amazonses.com's key`,
      fix:
        dkim.tokens.length > 0
          ? `publish the three DKIM CNAMEs of ${signer} (see the DKIM findings) so SES verifies them${dkim.status === 'FAILED' ? ', then restart DKIM verification' : ''}`
          : addressOnly
            ? verifyDomain
            : `set up Easy DKIM for ${signer} in ${facts.region}`,
    };
  }
  if (!isAligned(signingDomain, from, input.adkim)) {
    return {
      state: 'not-aligned',
      cause: 'misaligned',
      because: `SES signs as ${signingDomain}, which does not align with ${from} under adkim=${input.adkim}`,
      fix: input.adkim === 's' ? `remove adkim=s from the DMARC record, or verify ${from} itself with Easy DKIM` : `verify ${from} (or its organizational domain) with Easy DKIM`,
    };
  }
  return { state: 'aligned', cause: 'aligned', because: `SES signs as ${signingDomain} in ${facts.region} (${fields}), aligned with ${from} (adkim=${input.adkim})`, fix: '' };
}

function spfWithoutSes(input: AlignmentInput): AuthPath {
  const from = input.fromDomain;
  if (input.mailFromInput) {
    const domain = input.mailFromInput;
    return isAligned(domain, from, input.aspf)
      ? { state: 'aligned', cause: 'aligned', because: `the custom MAIL FROM ${domain} (as given; SES was not read) aligns with ${from} (aspf=${input.aspf})`, fix: '' }
      : {
          state: 'not-aligned',
          cause: 'misaligned',
          because: `the custom MAIL FROM ${domain} (as given) does not align with ${from} under aspf=${input.aspf}`,
          fix: input.aspf === 's' ? 'remove aspf=s from the DMARC record (relaxed is the default)' : `use a subdomain of ${organizationalDomain(from)} as the custom MAIL FROM`,
        };
  }
  return {
    state: 'not-aligned',
    cause: 'default-envelope',
    because: `no custom MAIL FROM is known (SES was not read), so SES's envelope sender is a subdomain of amazonses.com, which never aligns with ${from}`,
    fix: defaultMailFromFix(from, undefined),
  };
}

function dkimWithoutSes(input: AlignmentInput): AuthPath {
  return {
    state: 'unknown',
    cause: 'not-read',
    because: `SES was not read, so whether it signs as ${input.fromDomain} (Easy DKIM enabled and verified) is not known; the DKIM finding shows only the DNS records`,
    fix: 'run with AWS access so the bot reads the identity\'s DKIM status from SES',
  };
}
