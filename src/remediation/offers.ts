/**
 * A remediation offer: a finding's `remediation` request as shown under a "Request fix"
 * button. Buttons carry only the offer id (Slack limits values to 2000 characters, and an
 * id cannot be tampered into a different action); the request itself stays server-side.
 */
import { randomUUID } from 'node:crypto';
import type { Finding, RemediationRequest } from '../core/finding.js';
import type { Report } from '../core/report.js';
import type { Target } from '../core/target.js';

export interface RemediationOffer {
  id: string;
  runId: string;
  findingId: string;
  request: RemediationRequest;
  /** Where the report was posted, so approval messages go into the same thread. */
  channel: string;
  threadTs: string;
  /** Slack user who ran the diagnosis. */
  offeredTo: string;
  createdAt: string;
  /**
   * Optional, filled by `offerContext(report, finding)`: the diagnosis target (so the
   * affected checks can be re-run after the action) and cautions from other findings of the
   * same report (e.g. the recipient still rejects the address, so it will be suppressed again).
   */
  target?: Target;
  warnings?: string[];
}

export interface OfferStore {
  save(offer: Omit<RemediationOffer, 'id' | 'createdAt'>): Promise<RemediationOffer>;
  get(id: string): Promise<RemediationOffer | undefined>;
}

/** For tests and single-process use without persistence. */
export function createMemoryOfferStore(now: () => Date = () => new Date()): OfferStore {
  const offers = new Map<string, RemediationOffer>();
  return {
    async save(offer) {
      const saved: RemediationOffer = { ...offer, id: randomUUID(), createdAt: now().toISOString() };
      offers.set(saved.id, saved);
      return saved;
    },
    async get(id) {
      return offers.get(id);
    },
  };
}

/**
 * What an offer should carry besides the request, taken from the report it came from:
 * the target, and warnings from other failing findings about the same resource. For a
 * suppressed address that the recipient server still rejects (an Exchange Online 5.4.1,
 * a 5.1.1 "no such user"), the next send will bounce and suppress it again.
 */
export function offerContext(report: Report, finding: Finding): Pick<RemediationOffer, 'target' | 'warnings'> {
  const warnings: string[] = [];
  const request = finding.remediation;
  if (request?.kind === 'remove-suppression') {
    const email = request.email.toLowerCase();
    for (const other of report.findings) {
      if (other.id === finding.id || other.layer !== 'recipient' || (other.status !== 'fail' && other.status !== 'warn')) continue;
      const mentions = `${other.id} ${other.title} ${other.summary}`.toLowerCase().includes(email);
      const onlyRecipient = report.target.recipients.length === 1 && report.target.recipients[0]?.toLowerCase() === email;
      if (mentions || onlyRecipient) {
        warnings.push(
          `The recipient side still rejects ${request.email}: ${other.summary} Removing the suppression alone will not help; the next send will bounce and suppress the address again.`,
        );
      }
    }
  }
  return { target: report.target, warnings };
}
