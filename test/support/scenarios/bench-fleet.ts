/**
 * A fleet of healthy customer domains for the load benchmark (50 diagnoses at once): each
 * `fleet-NN.example` has SPF (Google and SES), DMARC, MX, three Easy DKIM CNAMEs of its own
 * and a custom MAIL FROM, and a verified SES identity in us-east-1; each sends to its own
 * recipient domain `rcpt-NN.example`. Built on the canonical scenario, so amazonses.com,
 * Google's SPF and the SMTP users are there too.
 */
import { type AwsScenario, canonicalScenario, type IdentityState } from '../aws-endpoint.js';
import type { ZoneData } from '../dns-server.js';
import { canonicalZones, DKIM_HOSTED_ZONE, DKIM_TOKENS, SES_REGION } from './canonical-dns.js';

export interface FleetMember {
  domain: string;
  sender: string;
  recipient: string;
  dkimTokens: string[];
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** SES-shaped 32-character DKIM tokens, distinct per domain and stable across runs. */
function tokenFor(member: number, index: number): string {
  let state = (member + 1) * 7919 + (index + 1) * 104_729;
  let token = '';
  for (let i = 0; i < 32; i += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    token += BASE32[state % 32];
  }
  return token;
}

export function fleet(count: number): FleetMember[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    const domain = `fleet-${n}.example`;
    return { domain, sender: `admin@${domain}`, recipient: `ops@rcpt-${n}.example`, dkimTokens: [0, 1, 2].map((k) => tokenFor(i, k)) };
  });
}

export function fleetZones(members: readonly FleetMember[]): ZoneData {
  const canonical = canonicalZones();
  // The canonical scenario's DKIM public key, reused: the key itself is not what is measured.
  const dkimKey = canonical[`${DKIM_TOKENS[0]}.${DKIM_HOSTED_ZONE}`]!;
  const zone: ZoneData = { ...canonical };
  for (const m of members) {
    const recipientDomain = m.recipient.split('@')[1]!;
    zone[m.domain] = [
      { type: 'TXT', value: 'v=spf1 include:_spf.google.com include:amazonses.com ~all' },
      { type: 'MX', value: { exchange: 'aspmx.l.google.com', priority: 1 } },
    ];
    zone[`_dmarc.${m.domain}`] = [{ type: 'TXT', value: `v=DMARC1; p=quarantine; rua=mailto:dmarc@${m.domain}` }];
    zone[`bounce.${m.domain}`] = [
      { type: 'MX', value: { exchange: `feedback-smtp.${SES_REGION}.amazonses.com`, priority: 10 } },
      { type: 'TXT', value: 'v=spf1 include:amazonses.com ~all' },
    ];
    for (const token of m.dkimTokens) {
      zone[`${token}._domainkey.${m.domain}`] = [{ type: 'CNAME', value: `${token}.${DKIM_HOSTED_ZONE}` }];
      zone[`${token}.${DKIM_HOSTED_ZONE}`] = dkimKey;
    }
    zone[recipientDomain] = [{ type: 'MX', value: { exchange: `mx.${recipientDomain}`, priority: 10 } }];
    zone[`mx.${recipientDomain}`] = [{ type: 'A', value: '192.0.2.25' }];
  }
  return zone;
}

/** The canonical AWS state plus a verified domain identity for every fleet member. */
export function fleetAwsScenario(members: readonly FleetMember[]): AwsScenario {
  const scenario = canonicalScenario();
  const region = scenario.regions[SES_REGION]!;
  for (const m of members) {
    const identity: IdentityState = {
      type: 'DOMAIN',
      verifiedForSending: true,
      verificationStatus: 'SUCCESS',
      dkim: { signingEnabled: true, status: 'SUCCESS', tokens: [...m.dkimTokens], signingHostedZone: DKIM_HOSTED_ZONE, origin: 'AWS_SES' },
      mailFrom: { domain: `bounce.${m.domain}`, status: 'SUCCESS', behaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    };
    region.identities[m.domain] = identity;
  }
  return scenario;
}
