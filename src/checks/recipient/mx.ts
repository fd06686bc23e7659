import { type Check, errorFinding } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding } from '../../core/finding.js';
import { DnsLookupError, type MxRecord, type RunContext } from '../../core/ports.js';
import { providerOfMxHost } from '../../knowledge/mx-providers.js';
import { isNullMx } from '../dns/mx.js';

const LAYER = 'recipient';
const CHECK = 'mx';
const TITLE = 'Recipient mail server';

export type RecipientMx =
  | { kind: 'mx'; domain: string; records: MxRecord[]; provider: string; providerNote: string | undefined }
  | { kind: 'null-mx'; domain: string }
  | { kind: 'implicit'; domain: string; addresses: string[] }
  | { kind: 'none'; domain: string; reason: string };

/** The recipient domain's mail servers and provider, looked up once per run (also used by `replies`). */
export function recipientMx(ctx: RunContext, domain: string): Promise<RecipientMx> {
  return ctx.memo(`recipient.mx:${domain}`, async () => {
    try {
      const records = [...(await ctx.dns.resolve(domain, 'MX'))].sort((a, b) => a.priority - b.priority);
      if (isNullMx(records)) return { kind: 'null-mx', domain };
      const match = records.map((r) => providerOfMxHost(r.exchange)).find((row) => row !== undefined);
      return { kind: 'mx', domain, records, provider: match?.provider ?? 'unknown', providerNote: match?.note };
    } catch (error) {
      if (!(error instanceof DnsLookupError) || !error.isVoid) throw error;
      if (error.dnsCode === 'NXDOMAIN') return { kind: 'none', domain, reason: `${domain} does not exist (NXDOMAIN)` };
      // RFC 5321 §5.1: without MX, the domain's own address is the implicit mail server.
      const addresses = await ctx.dns.resolve(domain, 'A').catch((e: unknown) => {
        if (e instanceof DnsLookupError && e.isVoid) return [] as string[];
        throw e;
      });
      return addresses.length > 0 ? { kind: 'implicit', domain, addresses } : { kind: 'none', domain, reason: `${domain} has neither MX nor A records` };
    }
  });
}

export function recipientDomains(ctx: RunContext): string[] {
  return [...new Set(ctx.target.recipients.map((address) => address.slice(address.lastIndexOf('@') + 1)))];
}

function findingFor(mx: RecipientMx): Finding {
  const base = { id: mx.domain, title: `${TITLE} for ${mx.domain}` };
  switch (mx.kind) {
    case 'mx': {
      const evidence: EvidenceItem[] = [
        { label: `MX ${mx.domain}`, value: mx.records.map((r) => `${r.priority} ${r.exchange}`), code: true },
        { label: 'provider', value: mx.provider },
      ];
      return makeFinding(LAYER, CHECK, {
        ...base,
        status: 'info',
        summary:
          mx.provider === 'unknown'
            ? `${mx.domain} receives mail at ${mx.records[0]?.exchange ?? '?'} (provider not recognised).`
            : `${mx.domain} is hosted by ${mx.provider} (${mx.records[0]?.exchange ?? '?'}).`,
        evidence,
        explanation: mx.providerNote ?? 'Rejections for this recipient come from these servers; read their reply codes with that in mind.',
        priority: 80,
      });
    }
    case 'null-mx':
      return makeFinding(LAYER, CHECK, {
        ...base,
        status: 'fail',
        summary: `${mx.domain} publishes a null MX (RFC 7505): it accepts no mail at all.`,
        evidence: [{ label: `MX ${mx.domain}`, value: '0 .', code: true }],
        explanation: 'Every message to this domain is rejected by design; SES will bounce it and may suppress the address.',
        fix: 'Confirm the recipient address with the customer: the domain does not receive email.',
        priority: 5,
      });
    case 'implicit':
      return makeFinding(LAYER, CHECK, {
        ...base,
        status: 'warn',
        summary: `${mx.domain} has no MX record; senders fall back to its address (${mx.addresses.join(', ')}).`,
        evidence: [
          { label: `MX ${mx.domain}`, value: 'NODATA', code: true },
          { label: `A ${mx.domain}`, value: mx.addresses, code: true },
        ],
        explanation: 'Delivery works only if that host runs a mail server; most domains that receive mail publish MX records.',
        fix: `Ask the recipient's administrator to publish MX records for ${mx.domain}.`,
        priority: 20,
      });
    case 'none':
      return makeFinding(LAYER, CHECK, {
        ...base,
        status: 'fail',
        summary: `${mx.reason}, so mail to it cannot be delivered.`,
        evidence: [{ label: `MX ${mx.domain}`, value: mx.reason, code: true }],
        explanation: 'SES bounces every message to a domain without mail servers (sisimai reason hostunknown).',
        fix: 'Check the recipient address for a typo in the domain.',
        priority: 5,
      });
  }
}

export const recipientMxCheck: Check = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  async run(ctx) {
    const domains = recipientDomains(ctx);
    if (domains.length === 0) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'skipped',
          title: TITLE,
          summary: 'No recipient given, so the recipient side was not checked.',
          fix: 'Add the recipient: `to=alice@customer.com`.',
        }),
      ];
    }
    return Promise.all(
      domains.map(async (domain) => {
        try {
          return findingFor(await recipientMx(ctx, domain));
        } catch (error) {
          // One domain's DNS failure must not hide the others: it becomes its own "could not check".
          return { ...errorFinding({ id: CHECK, layer: LAYER, title: `${TITLE} for ${domain}` }, error), id: `${LAYER}.${CHECK}:${domain}` };
        }
      }),
    );
  },
};
