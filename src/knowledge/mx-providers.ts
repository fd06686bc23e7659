/**
 * Who hosts a domain's mail, read from its MX host names. Pure data: one row per provider,
 * first match wins. Names match the providers of the bounce rules (src/knowledge/bounce/rules.ts)
 * so a recipient's MX provider can be passed as a hint when interpreting its replies.
 */
export interface MxProviderRow {
  provider: string;
  pattern: RegExp;
  /** What a support agent should know about this provider. */
  note: string;
}

export const MX_PROVIDERS: readonly MxProviderRow[] = [
  { provider: 'Exchange Online', pattern: /\.mail\.protection\.outlook\.com$/, note: 'Microsoft 365 tenant: rejections come from Exchange Online Protection (NDR codes 5.4.1, 5.7.x).' },
  { provider: 'Outlook.com', pattern: /\.olc\.protection\.outlook\.com$|^mx\d*\.hotmail\.com$/, note: 'Microsoft consumer mailboxes (outlook.com, hotmail.com).' },
  { provider: 'Google', pattern: /(^|\.)aspmx\.l\.google\.com$|^smtp\.google\.com$|(^|\.)googlemail\.com$|^gmail-smtp-in\.l\.google\.com$/, note: 'Google Workspace or Gmail: Google enforces SPF/DKIM/DMARC for bulk senders (5.7.26).' },
  { provider: 'Mimecast', pattern: /\.mimecast\.(com|co\.za)$/, note: 'Mimecast filters mail in front of the mailbox; its rejections name a Mimecast policy.' },
  { provider: 'Proofpoint', pattern: /\.pphosted\.com$|\.ppe-hosted\.com$|\.proofpoint\.com$/, note: 'Proofpoint filters mail in front of the mailbox.' },
  { provider: 'Cisco Secure Email', pattern: /\.iphmx\.com$/, note: 'Cisco Secure Email (IronPort) filters mail in front of the mailbox.' },
  { provider: 'Barracuda', pattern: /\.barracudanetworks\.com$/, note: 'Barracuda filters mail in front of the mailbox.' },
  { provider: 'Yahoo', pattern: /\.yahoodns\.net$|\.yahoo\.com$/, note: 'Yahoo and AOL mailboxes.' },
  { provider: 'iCloud', pattern: /\.mail\.icloud\.com$/, note: 'Apple iCloud Mail.' },
  { provider: 'Zoho', pattern: /\.zoho\.(com|eu|in)$/, note: 'Zoho Mail.' },
  { provider: 'Fastmail', pattern: /\.messagingengine\.com$/, note: 'Fastmail.' },
  { provider: 'Amazon WorkMail', pattern: /^inbound-smtp\.[a-z0-9-]+\.amazonaws\.com$/, note: 'Amazon SES receiving (WorkMail or SES inbound rules).' },
  { provider: 'GoDaddy', pattern: /\.secureserver\.net$/, note: 'GoDaddy hosted mail.' },
  { provider: 'Mail.ru', pattern: /\.mail\.ru$/, note: 'Mail.ru.' },
];

export function providerOfMxHost(host: string): MxProviderRow | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  return MX_PROVIDERS.find((row) => row.pattern.test(name));
}
