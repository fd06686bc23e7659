import type { SesEmailIdentity } from '../../core/aws-ports.js';
import type { AwsCheck } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding } from '../../core/finding.js';
import { awsErrorFinding, regionsOf, relayRegionOf } from './common.js';
import { type SesIdentityLookup, sesIdentityLookup } from './facts.js';

const LAYER = 'ses';
const CHECK = 'identity';
const TITLE = 'SES sending identity';

function identityEvidence(lookup: SesIdentityLookup, senderAddress: string | undefined, senderDomain: string): EvidenceItem[] {
  const describe = (name: string, identity: SesEmailIdentity | undefined): EvidenceItem => ({
    label: `GetEmailIdentity ${name} (${lookup.region})`,
    value: identity
      ? `IdentityType ${identity.identityType ?? '?'}, VerifiedForSendingStatus ${identity.verifiedForSending}, VerificationStatus ${identity.verificationStatus ?? '?'}${identity.verificationErrorType ? `, ErrorType ${identity.verificationErrorType}` : ''}`
      : 'NotFoundException (no such identity in this region)',
    code: true,
  });
  return [...(senderAddress ? [describe(senderAddress, lookup.address)] : []), describe(senderDomain, lookup.domain)];
}

export const identityCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const { senderAddress, senderDomain } = ctx.target;
    const sender = senderAddress ?? senderDomain;
    const regions = regionsOf(ctx);
    const relayRegion = relayRegionOf(ctx);
    const lookups = await Promise.all(
      regions.map((region) =>
        sesIdentityLookup(ctx, region).then(
          (lookup) => ({ region, lookup, error: undefined as unknown }),
          (error: unknown) => ({ region, lookup: undefined, error }),
        ),
      ),
    );
    const verifiedIn = lookups.filter((l) => l.lookup?.covering?.verifiedForSending).map((l) => l.region);

    return lookups.map(({ region, lookup, error }): Finding => {
      if (error !== undefined || !lookup) {
        return awsErrorFinding(LAYER, CHECK, { id: region, title: TITLE, what: `the SES identity of ${sender} in ${region}`, error });
      }
      const evidence = identityEvidence(lookup, senderAddress, senderDomain);
      const covering = lookup.covering;
      if (covering?.verifiedForSending) {
        const viaDomain = covering.identity !== sender;
        return makeFinding(LAYER, CHECK, {
          id: region,
          status: 'pass',
          title: TITLE,
          summary: `${covering.identity} is verified for sending in ${region}${viaDomain ? ` and covers ${sender}` : ''}.`,
          evidence,
          explanation: 'SES only sends as verified identities, per region; an address is covered by its verified domain.',
        });
      }
      const elsewhere = verifiedIn.filter((r) => r !== region);
      const otherIsRelay = region !== relayRegion && verifiedIn.includes(relayRegion);
      if (covering === undefined && otherIsRelay) {
        // Not set up here, but the region that sends is fine: only worth a note.
        return makeFinding(LAYER, CHECK, {
          id: region,
          status: 'info',
          title: TITLE,
          summary: `${sender} has no SES identity in ${region}; it is verified in ${relayRegion}, the region the relay uses.`,
          evidence,
          explanation: 'Identities are per region. This only matters if something sends through this region.',
        });
      }
      const rejected = `554 Message rejected: Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${sender}`;
      if (covering === undefined) {
        return makeFinding(LAYER, CHECK, {
          id: region,
          status: 'fail',
          priority: 2,
          title: TITLE,
          summary:
            elsewhere.length > 0
              ? `${sender} is verified in ${elsewhere.join(', ')} but not in ${region}: mail sent through ${region} is rejected.`
              : `SES has no identity for ${sender} or ${senderDomain} in ${region}: SES rejects mail from it there.`,
          evidence: [...evidence, { label: 'what senders get', value: rejected, code: true }],
          explanation:
            'Verification is per region. A relay or application that sends through this region\'s endpoint gets "Email address is not verified ... in region", even when the identity is verified elsewhere.',
          fix:
            elsewhere.length > 0
              ? `Either verify ${senderDomain} in ${region} (SES console → Identities → Create identity, then publish its DKIM records), or point the relay at email-smtp.${elsewhere[0]}.amazonaws.com with SMTP credentials derived for ${elsewhere[0]}.`
              : `Verify ${senderDomain} in ${region} (SES console → Identities → Create identity). If it is verified in another region, run again with region=<that region>.`,
        });
      }
      return makeFinding(LAYER, CHECK, {
        id: region,
        status: 'fail',
        priority: 2,
        title: TITLE,
        summary: `${covering.identity} exists in ${region} but is not verified for sending (VerificationStatus ${covering.verificationStatus ?? 'unknown'}).`,
        evidence: [...evidence, { label: 'what senders get', value: rejected, code: true }],
        explanation:
          covering.identityType === 'EMAIL_ADDRESS'
            ? 'An address identity is verified by clicking the link SES mailed to it; until then SES rejects mail from it.'
            : 'A domain identity is verified when SES finds its DKIM CNAME records in DNS; until then SES rejects mail from it.',
        fix:
          covering.identityType === 'EMAIL_ADDRESS'
            ? `Resend the verification mail for ${covering.identity} from the SES console and click its link, or verify the whole domain ${senderDomain}.`
            : `Publish the three DKIM CNAME records SES shows for ${covering.identity} (see the DNS layer's DKIM finding); SES re-checks for up to 72 hours.`,
      });
    });
  },
};
