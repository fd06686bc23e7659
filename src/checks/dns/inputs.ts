/**
 * What the DNS checks need to know about the sender: SES identity facts per region when the
 * AWS layer provides them, else the target's own fields (--mail-from, --dkim-tokens,
 * --dkim-selector). Pure `dnsInputsFromFacts` is the testable part; `dnsInputs` fetches once per run.
 */
import type { RunContext } from '../../core/ports.js';
import type { Target } from '../../core/target.js';
import { type SesIdentityFacts, sesIdentityFacts } from '../ses/facts.js';

export const DEFAULT_DKIM_SIGNING_ZONE = 'dkim.amazonses.com';

export interface MailFromInput {
  domain: string;
  source: 'ses' | 'input';
  /** The region whose SES identity uses it (from SES); else any region in scope may. */
  regions: string[];
  status?: string;
  behaviorOnMxFailure?: string;
}

export interface DkimTokensInput {
  /** Where the CNAMEs live: the SES domain identity (may be a parent of the sender domain). */
  domain: string;
  tokens: string[];
  signingHostedZone: string;
  source: 'ses' | 'input';
  region?: string;
  status?: string;
  signingEnabled?: boolean;
}

export interface DnsInputs {
  senderDomain: string;
  regions: string[];
  mailFrom: MailFromInput[];
  dkim: DkimTokensInput[];
  dkimSelector?: string;
  /** Regions where SES answered with facts. */
  factsRegions: string[];
  /** Those facts themselves (identity type, DKIM signing, MAIL FROM status), for conclusions across layers. */
  ses: SesIdentityFacts[];
}

export function regionsInScope(ctx: Pick<RunContext, 'target' | 'settings'>): string[] {
  return ctx.target.regions.length > 0 ? ctx.target.regions : ctx.settings.regions;
}

/** Combines SES facts (preferred) with the target's fields (fallback). */
export function dnsInputsFromFacts(target: Target, regions: string[], facts: ReadonlyArray<SesIdentityFacts | undefined>): DnsInputs {
  const known = facts.filter((f): f is SesIdentityFacts => f !== undefined);
  const mailFrom: MailFromInput[] = [];
  for (const fact of known) {
    if (!fact.mailFrom?.domain) continue;
    const domain = fact.mailFrom.domain.toLowerCase().replace(/\.$/, '');
    const existing = mailFrom.find((m) => m.domain === domain);
    if (existing) existing.regions.push(fact.region);
    else {
      mailFrom.push({
        domain,
        source: 'ses',
        regions: [fact.region],
        status: fact.mailFrom.status,
        behaviorOnMxFailure: fact.mailFrom.behaviorOnMxFailure,
      });
    }
  }
  if (mailFrom.length === 0 && target.mailFromDomain) {
    mailFrom.push({ domain: target.mailFromDomain.toLowerCase().replace(/\.$/, ''), source: 'input', regions: [...regions] });
  }

  const dkim: DkimTokensInput[] = known.flatMap((fact) =>
    fact.dkim && fact.dkim.tokens.length > 0
      ? [
          {
            // An address identity has no tokens of its own; a domain identity may be a parent of the sender domain.
            domain: fact.identity.includes('@') ? target.senderDomain : fact.identity.toLowerCase(),
            tokens: fact.dkim.tokens,
            signingHostedZone: fact.dkim.signingHostedZone || DEFAULT_DKIM_SIGNING_ZONE,
            source: 'ses' as const,
            region: fact.region,
            status: fact.dkim.status,
            signingEnabled: fact.dkim.signingEnabled,
          },
        ]
      : [],
  );
  if (dkim.length === 0 && target.dkimTokens && target.dkimTokens.length > 0) {
    dkim.push({ domain: target.senderDomain, tokens: target.dkimTokens, signingHostedZone: DEFAULT_DKIM_SIGNING_ZONE, source: 'input' });
  }

  return {
    senderDomain: target.senderDomain,
    regions,
    mailFrom,
    dkim,
    ...(target.dkimSelector ? { dkimSelector: target.dkimSelector } : {}),
    factsRegions: known.map((f) => f.region),
    ses: known,
  };
}

/** Fetches SES facts for every region in scope once per run; an AWS failure falls back to the target's fields. */
export function dnsInputs(ctx: RunContext): Promise<DnsInputs> {
  return ctx.memo('dns.inputs', async () => {
    const regions = regionsInScope(ctx);
    const facts = await Promise.all(
      regions.map((region) =>
        sesIdentityFacts(ctx, region).catch((error: unknown) => {
          // The SES layer reports its own failure; here we only lose the facts.
          ctx.log.warn({ err: error, region }, 'SES identity facts unavailable for the DNS layer');
          return undefined;
        }),
      ),
    );
    return dnsInputsFromFacts(ctx.target, regions, facts);
  });
}
