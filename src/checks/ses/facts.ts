import type { SesEmailIdentity } from '../../core/aws-ports.js';
import type { RunContext } from '../../core/ports.js';

/** What SES knows about the identity that covers the sender in one region; shared with the DNS layer. */
export interface SesIdentityFacts {
  region: string;
  /** The identity that covers the sender: the address identity, else its domain identity. */
  identity: string;
  verifiedForSending: boolean;
  dkim?: {
    /** The identity these DKIM attributes belong to (the domain identity when SES has one); default: the covering identity. */
    identity?: string;
    /** EMAIL_ADDRESS | DOMAIN | MANAGED_DOMAIN of that identity. */
    identityType?: string;
    status: string;
    signingEnabled: boolean;
    tokens: string[];
    /** Usually dkim.amazonses.com; read it, never hard-code it. */
    signingHostedZone: string;
    origin?: string;
  };
  mailFrom?: {
    domain: string;
    status: string;
    behaviorOnMxFailure: string;
  };
  /** EMAIL_ADDRESS | DOMAIN | MANAGED_DOMAIN */
  identityType?: string;
  /** SES's VerificationStatus (PENDING, SUCCESS, FAILED, ...). */
  verificationStatus?: string;
}

/** Both candidate identities of the sender in one region, and which one covers it. */
export interface SesIdentityLookup {
  region: string;
  address: SesEmailIdentity | undefined;
  domain: SesEmailIdentity | undefined;
  /** A verified one first (address, then domain); else whichever exists; else undefined. */
  covering: SesEmailIdentity | undefined;
}

const DEFAULT_SIGNING_ZONE = 'dkim.amazonses.com';

/**
 * Looks the sender up in SES in `region` once per run: the address identity (when the input
 * names an address) and the domain identity, concurrently. Throws AwsCallError on failures.
 */
export function sesIdentityLookup(ctx: RunContext, region: string): Promise<SesIdentityLookup | undefined> {
  const aws = ctx.aws;
  if (aws === undefined) return Promise.resolve(undefined);
  return ctx.memo(`ses.identity:${region}`, async () => {
    const ses = aws.ses(region);
    const { senderAddress, senderDomain } = ctx.target;
    const [address, domain] = await Promise.all([
      senderAddress ? ses.getEmailIdentity(senderAddress) : Promise.resolve(undefined),
      ses.getEmailIdentity(senderDomain),
    ]);
    const covering = [address, domain].find((identity) => identity?.verifiedForSending) ?? address ?? domain;
    return { region, address, domain, covering };
  });
}

/**
 * SES identity facts for the run's sender in `region`, fetched once per run and shared by
 * the SES and DNS checks. Undefined when AWS is not configured or SES has no identity.
 * DKIM facts come from the domain identity (Easy DKIM is set on the domain even when an
 * address identity covers the sender); MAIL FROM from the covering identity, else the domain.
 */
export async function sesIdentityFacts(ctx: RunContext, region: string): Promise<SesIdentityFacts | undefined> {
  const lookup = await sesIdentityLookup(ctx, region);
  const covering = lookup?.covering;
  if (!lookup || !covering) return undefined;
  const dkimOwner = lookup.domain?.dkim ? lookup.domain : covering.dkim ? covering : undefined;
  const dkimSource = dkimOwner?.dkim;
  const mailFromSource = covering.mailFrom ?? lookup.domain?.mailFrom;
  return {
    region,
    identity: covering.identity,
    verifiedForSending: covering.verifiedForSending,
    ...(covering.identityType ? { identityType: covering.identityType } : {}),
    ...(covering.verificationStatus ? { verificationStatus: covering.verificationStatus } : {}),
    ...(dkimSource && dkimOwner
      ? {
          dkim: {
            identity: dkimOwner.identity,
            ...(dkimOwner.identityType ? { identityType: dkimOwner.identityType } : {}),
            status: dkimSource.status,
            signingEnabled: dkimSource.signingEnabled,
            tokens: dkimSource.tokens,
            signingHostedZone: dkimSource.signingHostedZone ?? DEFAULT_SIGNING_ZONE,
            ...(dkimSource.signingAttributesOrigin ? { origin: dkimSource.signingAttributesOrigin } : {}),
          },
        }
      : {}),
    ...(mailFromSource
      ? { mailFrom: { domain: mailFromSource.mailFromDomain, status: mailFromSource.status, behaviorOnMxFailure: mailFromSource.behaviorOnMxFailure } }
      : {}),
  };
}
