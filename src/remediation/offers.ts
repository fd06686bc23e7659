/**
 * A remediation offer: a finding's `remediation` request as shown under a "Request fix"
 * button. Buttons carry only the offer id (Slack limits values to 2000 characters, and an
 * id cannot be tampered into a different action); the request itself stays server-side.
 */
import { randomUUID } from 'node:crypto';
import type { RemediationRequest } from '../core/finding.js';

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
