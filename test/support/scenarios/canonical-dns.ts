/**
 * DNS zones of the canonical scenario (DESIGN.md "The story"): the customer domain
 * customer.example sends through SES in us-east-1 with Easy DKIM and a custom MAIL FROM; its
 * mailboxes are at Google; the recipient domain recipient.example is hosted by Exchange Online.
 * DNS is healthy: the failures of this scenario live in the relay and recipient layers.
 * Names and tokens match the AWS state of test/support/aws-endpoint.ts `canonicalScenario()`.
 */
import type { ZoneData } from '../dns-server.js';

export const SENDER_DOMAIN = 'customer.example';
export const SENDER_ADDRESS = 'admin@customer.example';
export const RECIPIENT_DOMAIN = 'recipient.example';
export const RECIPIENT_ADDRESS = 'alice@recipient.example';
export const MAIL_FROM_DOMAIN = 'bounce.customer.example';
export const SES_REGION = 'us-east-1';
export const DKIM_TOKENS = ['abcdefghijklmnopqrstuvwxyz234567', 'bcdefghijklmnopqrstuvwxyz2345672', 'cdefghijklmnopqrstuvwxyz23456723'];
export const DKIM_HOSTED_ZONE = 'dkim.amazonses.com';

/** Amazon SES's published sending ranges (the SPF record at amazonses.com). */
export const AMAZONSES_SPF =
  'v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 ip4:54.240.96.0/19 ip4:76.223.128.0/19 ip4:216.221.160.0/19 ip4:206.55.144.0/20 -all';

const DKIM_PUBLIC_KEY =
  'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3H1PXDfqykw3WMxdncli+XsOWyu9/gI4egQp8z96XxoPOY6pWLRj1GwSvqLIrd/RZUOQ/9zInf9LxPqJTQq9XnSMblISSJuSC0v/wUMDUMoI1tiWkmQoCbmJUKtYnjLKf6vXMH7spOc4EXce2wdJQm1/oLMAgjtynLA9J6RHms+h5B1dASoSqnuK0XPbh2P/U3v05BhSLL7SHJ1LdAZXGS5/bYsB3eB+MPnL4SHM+M+5T0G9q7xYjGT+AlTHCJDY5bj/2Strw+3F+4UboKXUyySbvyQXcvdZqja9K6YvPSChhrt/SgbcFkvJ7snSwC+OKyjNz4BZilzk7ORlew3UgQIDAQAB';

export function canonicalZones(): ZoneData {
  const zone: ZoneData = {
    [SENDER_DOMAIN]: [
      { type: 'TXT', value: 'v=spf1 include:_spf.google.com include:amazonses.com ~all' },
      { type: 'TXT', value: 'google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ' },
      { type: 'MX', value: { exchange: 'aspmx.l.google.com', priority: 1 } },
      { type: 'MX', value: { exchange: 'alt1.aspmx.l.google.com', priority: 5 } },
      { type: 'MX', value: { exchange: 'alt2.aspmx.l.google.com', priority: 5 } },
      { type: 'A', value: '192.0.2.80' },
    ],
    [`_dmarc.${SENDER_DOMAIN}`]: [{ type: 'TXT', value: 'v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:dmarc-reports@customer.example' }],
    [MAIL_FROM_DOMAIN]: [
      { type: 'MX', value: { exchange: `feedback-smtp.${SES_REGION}.amazonses.com`, priority: 10 } },
      { type: 'TXT', value: 'v=spf1 include:amazonses.com ~all' },
    ],
    'amazonses.com': [{ type: 'TXT', value: AMAZONSES_SPF }],
    [`feedback-smtp.${SES_REGION}.amazonses.com`]: [{ type: 'A', value: '54.240.8.10' }],
    [`email-smtp.${SES_REGION}.amazonaws.com`]: [{ type: 'A', value: '52.0.113.25' }],
    '_spf.google.com': [
      { type: 'TXT', value: 'v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all' },
    ],
    '_netblocks.google.com': [
      { type: 'TXT', value: 'v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all' },
    ],
    '_netblocks2.google.com': [
      { type: 'TXT', value: 'v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all' },
    ],
    '_netblocks3.google.com': [
      { type: 'TXT', value: 'v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all' },
    ],
    'aspmx.l.google.com': [{ type: 'A', value: '142.250.27.26' }, { type: 'AAAA', value: '2a00:1450:4025:401::1a' }],
    'alt1.aspmx.l.google.com': [{ type: 'A', value: '142.250.153.26' }],
    'alt2.aspmx.l.google.com': [{ type: 'A', value: '142.251.9.26' }],
    // Recipient side: Exchange Online.
    [RECIPIENT_DOMAIN]: [
      { type: 'MX', value: { exchange: 'recipient-example.mail.protection.outlook.com', priority: 0 } },
      { type: 'TXT', value: 'v=spf1 include:spf.protection.outlook.com -all' },
    ],
    'recipient-example.mail.protection.outlook.com': [
      { type: 'A', value: '52.101.68.10' },
      { type: 'A', value: '52.101.73.2' },
    ],
    [`_dmarc.${RECIPIENT_DOMAIN}`]: [{ type: 'TXT', value: 'v=DMARC1; p=reject' }],
  };
  for (const token of DKIM_TOKENS) {
    zone[`${token}._domainkey.${SENDER_DOMAIN}`] = [{ type: 'CNAME', value: `${token}.${DKIM_HOSTED_ZONE}` }];
    zone[`${token}.${DKIM_HOSTED_ZONE}`] = [{ type: 'TXT', value: DKIM_PUBLIC_KEY }];
  }
  return zone;
}
