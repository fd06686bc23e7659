import type { Check } from '../../core/engine.js';
import { type Finding, makeFinding } from '../../core/finding.js';
import { DnsLookupError, type DnsClient, type MxRecord } from '../../core/ports.js';

const LAYER = 'dns';
const CHECK = 'mx';

/** Where a host's mail exchangers point, and whether each target has an address. */
export async function resolveMxTargets(
  dns: DnsClient,
  records: MxRecord[],
): Promise<Array<{ record: MxRecord; addresses: string[]; problem?: string }>> {
  return Promise.all(
    records.map(async (record) => {
      const [v4, v6] = await Promise.allSettled([dns.resolve(record.exchange, 'A'), dns.resolve(record.exchange, 'AAAA')]);
      const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (addresses.length > 0) return { record, addresses };
      const failure = [v4, v6].find(
        (r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof DnsLookupError && r.reason.isVoid),
      );
      if (failure) throw failure.reason;
      return { record, addresses, problem: `${record.exchange} has no A or AAAA record` };
    }),
  );
}

export function isNullMx(records: MxRecord[]): boolean {
  return records.length === 1 && records[0]?.exchange.replace(/\.$/, '') === '' && records[0]?.priority === 0;
}

export const mxCheck: Check = {
  id: CHECK,
  layer: LAYER,
  title: 'Sender domain MX',
  async run(ctx) {
    const domain = ctx.target.senderDomain;
    let records: MxRecord[];
    try {
      records = await ctx.dns.resolve(domain, 'MX');
    } catch (error) {
      if (error instanceof DnsLookupError && error.isVoid) {
        return [
          makeFinding(LAYER, CHECK, {
            status: 'warn',
            title: 'Sender domain MX',
            summary: `${domain} has no MX record, so replies and bounces to it cannot be delivered.`,
            evidence: [{ label: `MX ${domain}`, value: error.dnsCode, code: true }],
            explanation:
              'Receivers look up the sending domain to return bounces and replies; some reject mail from domains that cannot receive mail.',
            fix: `Publish an MX record for ${domain} pointing at the mailbox provider (for example Google Workspace or Exchange Online).`,
          }),
        ];
      }
      throw error;
    }
    const evidence = [{ label: `MX ${domain}`, value: records.map((r) => `${r.priority} ${r.exchange || '.'}`), code: true }];
    if (isNullMx(records)) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'warn',
          title: 'Sender domain MX',
          summary: `${domain} publishes a null MX (RFC 7505): it declares that it accepts no mail.`,
          evidence,
          explanation: 'A domain that sends mail but refuses all mail cannot receive bounces or replies; receivers may treat its mail as suspect.',
          fix: 'If the domain should receive mail, replace the null MX with real mail exchangers.',
        }),
      ];
    }
    const targets = await resolveMxTargets(ctx.dns, [...records].sort((a, b) => a.priority - b.priority));
    const broken = targets.filter((t) => t.problem !== undefined);
    const findings: Finding[] = [];
    findings.push(
      makeFinding(LAYER, CHECK, {
        status: broken.length === targets.length ? 'fail' : broken.length > 0 ? 'warn' : 'pass',
        title: 'Sender domain MX',
        summary:
          broken.length === 0
            ? `${domain} has ${records.length} MX record${records.length === 1 ? '' : 's'} and every target resolves.`
            : `${broken.length} of ${targets.length} MX targets of ${domain} do not resolve.`,
        evidence: [
          ...evidence,
          ...targets.map((t) => ({ label: `A/AAAA ${t.record.exchange}`, value: t.addresses.length > 0 ? t.addresses : ['(none)'], code: true })),
        ],
        explanation: broken.length === 0 ? 'The domain can receive replies and bounces.' : 'Mail to this domain, including bounces, may not be deliverable.',
        fix: broken.length === 0 ? '' : `Fix or remove the MX records whose targets do not resolve: ${broken.map((b) => b.record.exchange).join(', ')}.`,
      }),
    );
    return findings;
  },
};
