import type { AwsCheck } from '../../core/engine.js';
import { type Finding, makeFinding } from '../../core/finding.js';
import { regionsOf } from './common.js';
import { sesIdentityLookup } from './facts.js';

const LAYER = 'ses';
const CHECK = 'dkim';
const TITLE = 'SES DKIM status';

const DKIM_REASONS: Record<string, string> = {
  PENDING: 'SES has not yet found the DKIM CNAME records in DNS (it keeps looking for up to 72 hours).',
  FAILED: 'SES could not find the DKIM CNAME records within 72 hours and stopped looking; mail from this identity is not DKIM-signed by it.',
  TEMPORARY_FAILURE: 'SES could not read the DKIM records because of a DNS problem and will retry; signing may stop if it persists.',
  NOT_STARTED: 'DKIM has not been set up for this identity.',
};

/** What SES says about DKIM for the sender's domain; the DNS layer checks the records themselves. */
export const sesDkimCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const findings: Finding[] = [];
    for (const region of regionsOf(ctx)) {
      // Failures are reported by the identity check, which makes the same (memoised) calls.
      const lookup = await sesIdentityLookup(ctx, region).catch(() => undefined);
      const identity = lookup?.domain ?? lookup?.covering;
      const dkim = identity?.dkim;
      if (!identity) continue;
      const address = identity.identityType === 'EMAIL_ADDRESS' || identity.identity.includes('@');
      if (address && dkim?.status !== 'SUCCESS') {
        // Easy DKIM belongs to a domain identity; an address identity is signed by its domain's, if verified.
        const domain = identity.identity.slice(identity.identity.lastIndexOf('@') + 1);
        findings.push(
          makeFinding(LAYER, CHECK, {
            id: region,
            status: 'warn',
            priority: 12,
            title: TITLE,
            summary: `${identity.identity} is an address identity in ${region} and no DKIM-verified domain identity covers ${domain}, so SES signs its mail only as amazonses.com.`,
            evidence: [
              { label: `identity ${identity.identity} (${region})`, value: `IdentityType ${identity.identityType ?? 'EMAIL_ADDRESS'}${dkim ? `, DKIM Status ${dkim.status}, SigningEnabled ${dkim.signingEnabled}` : ''}`, code: true },
              { label: `GetEmailIdentity ${domain} (${region})`, value: lookup?.domain ? `DKIM Status ${lookup.domain.dkim?.status ?? '(none)'}` : 'NotFoundException (no domain identity)', code: true },
            ],
            explanation: `An address identity cannot have Easy DKIM of its own: SES signs mail from ${identity.identity} with ${domain}'s key only when ${domain} is verified as a domain identity with DKIM. Without it DKIM never aligns with ${domain} (see the DMARC alignment finding).`,
            fix: `Verify the domain ${domain} in SES in ${region} (Identities → Create identity → Domain, Easy DKIM) and publish its three DKIM CNAME records; mail from ${identity.identity} is then signed as ${domain}.`,
          }),
        );
        continue;
      }
      if (!dkim) continue;
      const evidence = [
        { label: `DkimAttributes ${identity.identity} (${region})`, value: `Status ${dkim.status}, SigningEnabled ${dkim.signingEnabled}, SigningAttributesOrigin ${dkim.signingAttributesOrigin ?? '?'}, CurrentSigningKeyLength ${dkim.currentSigningKeyLength ?? '?'}`, code: true },
        { label: 'Tokens', value: dkim.tokens.length > 0 ? dkim.tokens : ['(none)'], code: true },
        { label: 'SigningHostedZone', value: dkim.signingHostedZone ?? '(not reported)', code: true },
      ];
      const cnames = dkim.tokens.map((token) => `${token}._domainkey.${identity.identity} CNAME ${token}.${dkim.signingHostedZone ?? 'dkim.amazonses.com'}`);
      if (dkim.status === 'SUCCESS' && dkim.signingEnabled) {
        findings.push(
          makeFinding(LAYER, CHECK, {
            id: region,
            status: 'pass',
            title: TITLE,
            summary: `SES signs mail from ${identity.identity} with DKIM in ${region} (status SUCCESS).`,
            evidence,
            explanation: 'DKIM-signed mail can pass DMARC through DKIM alignment even though SPF never aligns without a custom MAIL FROM.',
          }),
        );
        continue;
      }
      if (dkim.status === 'SUCCESS') {
        findings.push(
          makeFinding(LAYER, CHECK, {
            id: region,
            status: 'warn',
            priority: 12,
            title: TITLE,
            summary: `DKIM is verified for ${identity.identity} in ${region} but signing is disabled.`,
            evidence,
            explanation: 'Without DKIM, DMARC can only pass through SPF alignment, which needs a custom MAIL FROM domain.',
            fix: `Enable DKIM signing for ${identity.identity} (SES console → Identities → Authentication → DKIM → Edit).`,
          }),
        );
        continue;
      }
      const failed = dkim.status === 'FAILED';
      findings.push(
        makeFinding(LAYER, CHECK, {
          id: region,
          status: failed ? 'fail' : 'warn',
          priority: failed ? 5 : 12,
          title: TITLE,
          summary: `DKIM for ${identity.identity} in ${region} is ${dkim.status}: ${DKIM_REASONS[dkim.status] ?? 'SES reports an unexpected status.'}`,
          evidence,
          explanation:
            'Receivers such as Gmail and Outlook expect DKIM; without it DMARC fails unless SPF aligns, and a domain identity verified by DKIM stays unverified.',
          fix:
            cnames.length > 0
              ? `Publish these CNAME records in ${identity.identity}'s DNS, then wait for SES to re-check${failed ? ' (for FAILED, restart verification in the SES console)' : ''}: ${cnames.join('; ')}.`
              : `Set up Easy DKIM for ${identity.identity} in the SES console.`,
        }),
      );
    }
    return findings;
  },
};
