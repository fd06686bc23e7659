/**
 * The watch's state, behind one small interface so it can live in any store the app has:
 * SES delivery de-duplication (SNS MessageId), event counts per minute and type, leases so
 * that one replica at a time consumes the queue and runs the audit, and the last audit's
 * findings (what the next audit compares against).
 *
 * The default implementation is node:sqlite in the app's database file (MAILDIAG_DB), with
 * its own tables and its own migration table (`watch_migrations`), so it shares the file
 * with the remediation store without touching that store's schema.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface AuditFindingState {
  identity: string;
  region: string;
  findingId: string;
  status: 'warn' | 'fail';
  title: string;
  summary: string;
}

export interface AuditChange {
  kind: 'new' | 'worse' | 'fixed';
  finding: AuditFindingState;
}

export interface AuditRecord {
  startedAt: string;
  finishedAt: string;
  identities: number;
  /** Open warn/fail findings, keyed `<region> <identity> <findingId>`. */
  findings: Record<string, AuditFindingState>;
  changes: AuditChange[];
  /** Identities that could not be audited (listing or diagnosis failed), with why. */
  errors: string[];
  /** Where the changes were posted (channel and ts), when they were. */
  postedTs?: string;
}

export interface WatchStore {
  /**
   * Records a batch of deliveries atomically: each id not seen within `dedupeTtlMs` is kept and
   * counted under its type; ids seen before are left out. Returns the ids that were new.
   */
  recordEvents(now: Date, entries: ReadonlyArray<{ dedupeId: string; type: string }>, dedupeTtlMs: number): Promise<Set<string>>;
  /** Events recorded since `since`, by type. */
  eventCountsSince(since: Date): Promise<Record<string, number>>;
  /** Takes or renews the named lease for `holder` until now + ttl; false while another holder's lease is live. */
  acquireLease(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  lastAudit(): Promise<AuditRecord | undefined>;
  saveAudit(record: AuditRecord): Promise<void>;
  /** Sender identity × kind × category keys with when they were last seen ("is this category new?", across restarts). */
  rememberCategories(entries: ReadonlyArray<{ key: string; at: Date }>): Promise<void>;
  knownCategories(since: Date): Promise<Array<{ key: string; lastSeen: Date }>>;
  /** Drops expired de-duplication ids, counts older than `keepCountsMs`, categories not seen for CATEGORY_MEMORY_KEPT_MS. */
  prune(now: Date, keepCountsMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Category memory kept in the store (a little longer than the grouper's 7-day "new category" memory). */
export const CATEGORY_MEMORY_KEPT_MS = 8 * 86_400_000;

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE watch_seen (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE INDEX watch_seen_expiry ON watch_seen (expires_at);
      CREATE TABLE watch_counts (minute INTEGER NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (minute, type));
      CREATE TABLE watch_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE watch_audits (seq INTEGER PRIMARY KEY AUTOINCREMENT, finished_at TEXT NOT NULL, record_json TEXT NOT NULL);
    `,
  },
  { version: 2, sql: 'CREATE TABLE watch_categories (key TEXT PRIMARY KEY, last_seen INTEGER NOT NULL);' },
];

function migrate(db: DatabaseSync): void {
  db.exec('CREATE TABLE IF NOT EXISTS watch_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  db.exec('BEGIN IMMEDIATE');
  try {
    const applied = new Set((db.prepare('SELECT version FROM watch_migrations').all() as Array<{ version: number }>).map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO watch_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, new Date().toISOString());
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** How many audits are kept (the last one is what matters; a few help when reading the history). */
const AUDITS_KEPT = 20;

export function openSqliteWatchStore(options: { path: string; busyTimeoutMs?: number }): WatchStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
  if (options.path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  migrate(db);

  // A live id is kept; an expired one is taken over as if new.
  const claimId = db.prepare(
    'INSERT INTO watch_seen (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE watch_seen.expires_at <= ?',
  );
  const addCount = db.prepare('INSERT INTO watch_counts (minute, type, count) VALUES (?, ?, ?) ON CONFLICT (minute, type) DO UPDATE SET count = count + excluded.count');
  const countsSince = db.prepare('SELECT type, SUM(count) AS total FROM watch_counts WHERE minute >= ? GROUP BY type');
  const lease = db.prepare(
    'INSERT INTO watch_leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE watch_leases.holder = excluded.holder OR watch_leases.expires_at <= ?',
  );
  const release = db.prepare('DELETE FROM watch_leases WHERE name = ? AND holder = ?');
  const lastAudit = db.prepare('SELECT record_json FROM watch_audits ORDER BY seq DESC LIMIT 1');
  const insertAudit = db.prepare('INSERT INTO watch_audits (finished_at, record_json) VALUES (?, ?)');
  const trimAudits = db.prepare('DELETE FROM watch_audits WHERE seq <= (SELECT MAX(seq) FROM watch_audits) - ?');
  const pruneSeen = db.prepare('DELETE FROM watch_seen WHERE expires_at <= ?');
  const pruneCounts = db.prepare('DELETE FROM watch_counts WHERE minute < ?');
  const rememberCategory = db.prepare(
    'INSERT INTO watch_categories (key, last_seen) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET last_seen = max(watch_categories.last_seen, excluded.last_seen)',
  );
  const knownCategories = db.prepare('SELECT key, last_seen FROM watch_categories WHERE last_seen >= ?');
  const pruneCategories = db.prepare('DELETE FROM watch_categories WHERE last_seen < ?');

  const transaction = <T>(work: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };

  return {
    async recordEvents(now, entries, dedupeTtlMs) {
      const at = now.getTime();
      const minute = Math.floor(at / 60_000);
      return transaction(() => {
        const fresh = new Set<string>();
        const counts = new Map<string, number>();
        for (const entry of entries) {
          if (fresh.has(entry.dedupeId)) continue;
          if (Number(claimId.run(entry.dedupeId, at + dedupeTtlMs, at).changes) === 0) continue;
          fresh.add(entry.dedupeId);
          counts.set(entry.type, (counts.get(entry.type) ?? 0) + 1);
        }
        for (const [type, count] of counts) addCount.run(minute, type, count);
        return fresh;
      });
    },
    async eventCountsSince(since) {
      const rows = countsSince.all(Math.floor(since.getTime() / 60_000)) as Array<{ type: string; total: number }>;
      return Object.fromEntries(rows.map((row) => [row.type, Number(row.total)]));
    },
    async acquireLease(name, holder, now, ttlMs) {
      const at = now.getTime();
      return Number(lease.run(name, holder, at + ttlMs, at).changes) > 0;
    },
    async releaseLease(name, holder) {
      release.run(name, holder);
    },
    async lastAudit() {
      const row = lastAudit.get() as { record_json: string } | undefined;
      return row ? (JSON.parse(row.record_json) as AuditRecord) : undefined;
    },
    async saveAudit(record) {
      transaction(() => {
        insertAudit.run(record.finishedAt, JSON.stringify(record));
        trimAudits.run(AUDITS_KEPT);
      });
    },
    async rememberCategories(entries) {
      if (entries.length === 0) return;
      transaction(() => {
        for (const entry of entries) rememberCategory.run(entry.key, entry.at.getTime());
      });
    },
    async knownCategories(since) {
      const rows = knownCategories.all(since.getTime()) as Array<{ key: string; last_seen: number }>;
      return rows.map((row) => ({ key: row.key, lastSeen: new Date(Number(row.last_seen)) }));
    },
    async prune(now, keepCountsMs) {
      pruneSeen.run(now.getTime());
      pruneCounts.run(Math.floor((now.getTime() - keepCountsMs) / 60_000));
      pruneCategories.run(now.getTime() - CATEGORY_MEMORY_KEPT_MS);
    },
    async close() {
      db.close();
    },
  };
}
