import { DatabaseSync } from 'node:sqlite';
import type { NewApprovalRequest } from '../../../src/remediation/model.js';

export const T0 = new Date('2026-03-02T12:00:00Z');

export function pendingRequest(overrides: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  return {
    step: 1,
    origin: { kind: 'remove-suppression', email: 'alice@recipient.example', region: 'us-east-1' },
    action: { kind: 'remove-suppression', email: 'alice@recipient.example', region: 'us-east-1' },
    offerId: 'offer-1',
    findingId: 'suppression.listed:alice@recipient.example',
    runId: 'run-1',
    channel: 'C0TICKETS',
    threadTs: '1700000000.000100',
    requestedBy: 'U0REQUESTER',
    requestedAt: T0.toISOString(),
    expiresAt: new Date(T0.getTime() + 24 * 3_600_000).toISOString(),
    warnings: [],
    ...overrides,
  };
}

/** Every row of every table of a store file, as text: to prove a secret was never stored. */
export function dumpSqliteFile(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    return tables.map((table) => `${table}: ${JSON.stringify(db.prepare(`SELECT * FROM "${table}"`).all())}`).join('\n');
  } finally {
    db.close();
  }
}
