/** Extra fixture domains for the DNS benchmark: a deep include chain, an over-limit record, and a/mx terms under includes. */
import type { ZoneData } from '../dns-server.js';

export const DEEP_DOMAIN = 'deep.example.org';
export const WIDE_DOMAIN = 'wide.example.org';
export const ATERMS_DOMAIN = 'aterms.example.org';

export function benchZones(): ZoneData {
  const zone: ZoneData = {};
  // deep.example.org: include → l1 → l2 → … → l8 (9 DNS-querying terms, within the limit).
  const depth = 8;
  zone[DEEP_DOMAIN] = [
    { type: 'TXT', value: `v=spf1 include:l1.spf.${DEEP_DOMAIN} include:amazonses.com -all` },
    { type: 'MX', value: { exchange: `mx.${DEEP_DOMAIN}`, priority: 10 } },
  ];
  zone[`mx.${DEEP_DOMAIN}`] = [{ type: 'A', value: '192.0.2.25' }];
  zone[`_dmarc.${DEEP_DOMAIN}`] = [{ type: 'TXT', value: 'v=DMARC1; p=reject; rua=mailto:d@deep.example.org' }];
  for (let level = 1; level <= depth; level++) {
    const next = level < depth ? ` include:l${level + 1}.spf.${DEEP_DOMAIN}` : '';
    zone[`l${level}.spf.${DEEP_DOMAIN}`] = [{ type: 'TXT', value: `v=spf1 ip4:198.51.100.${level}${next} ~all` }];
  }
  // wide.example.org: eleven includes, one over RFC 7208's limit of ten.
  const includes = Array.from({ length: 11 }, (_, i) => `include:s${i}.${WIDE_DOMAIN}`);
  zone[WIDE_DOMAIN] = [
    { type: 'TXT', value: `v=spf1 ${includes.join(' ')} -all` },
    { type: 'MX', value: { exchange: `mx.${WIDE_DOMAIN}`, priority: 10 } },
  ];
  zone[`mx.${WIDE_DOMAIN}`] = [{ type: 'A', value: '192.0.2.26' }];
  zone[`_dmarc.${WIDE_DOMAIN}`] = [{ type: 'TXT', value: 'v=DMARC1; p=none' }];
  for (let i = 0; i < 11; i++) zone[`s${i}.${WIDE_DOMAIN}`] = [{ type: 'TXT', value: `v=spf1 ip4:203.0.113.${i} ~all` }];
  // aterms.example.org (issue 13): includes whose records use a: and mx: terms, so the longest
  // chain is apex → include → include → mx → the MX host's address (5 dependent lookups).
  zone[ATERMS_DOMAIN] = [
    { type: 'TXT', value: `v=spf1 include:i1.${ATERMS_DOMAIN} include:amazonses.com -all` },
    { type: 'MX', value: { exchange: `mx.${ATERMS_DOMAIN}`, priority: 10 } },
  ];
  zone[`mx.${ATERMS_DOMAIN}`] = [{ type: 'A', value: '192.0.2.27' }];
  zone[`_dmarc.${ATERMS_DOMAIN}`] = [{ type: 'TXT', value: 'v=DMARC1; p=quarantine' }];
  zone[`i1.${ATERMS_DOMAIN}`] = [{ type: 'TXT', value: `v=spf1 include:i2.${ATERMS_DOMAIN} a:relay1.${ATERMS_DOMAIN} ~all` }];
  zone[`i2.${ATERMS_DOMAIN}`] = [{ type: 'TXT', value: `v=spf1 a:relay2.${ATERMS_DOMAIN} a:relay3.${ATERMS_DOMAIN} mx:mail.${ATERMS_DOMAIN} ~all` }];
  for (const host of ['relay1', 'relay2', 'relay3']) zone[`${host}.${ATERMS_DOMAIN}`] = [{ type: 'A', value: '198.51.100.20' }];
  zone[`mail.${ATERMS_DOMAIN}`] = [{ type: 'MX', value: { exchange: `mx1.${ATERMS_DOMAIN}`, priority: 10 } }];
  zone[`mx1.${ATERMS_DOMAIN}`] = [{ type: 'A', value: '198.51.100.21' }];
  return zone;
}
