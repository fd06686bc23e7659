import type { RunContext } from '../../core/ports.js';

/** What SES knows about the identity that covers the sender in one region; shared with the DNS layer. */
export interface SesIdentityFacts {
  region: string;
  /** The identity that covers the sender: the address identity, else its domain identity. */
  identity: string;
  verifiedForSending: boolean;
  dkim?: {
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
}

/**
 * SES identity facts for the run's sender in `region`, fetched once per run and shared by
 * the SES and DNS checks. Undefined when AWS is not configured or SES has no identity.
 * Placeholder until the AWS layer lands.
 */
export async function sesIdentityFacts(ctx: RunContext, region: string): Promise<SesIdentityFacts | undefined> {
  if (ctx.aws === undefined) return undefined;
  void region;
  return undefined;
}
