/**
 * The scheduled audit: every MAILDIAG_AUDIT_EVERY, list the SES identities of each region
 * (ListEmailIdentities), diagnose each with the ses and dns layers, and post to the events
 * channel only what changed since the last audit: a new warning or failure, one that got
 * worse, or a fix. The full report of each identity with a new problem goes into the
 * message's thread.
 *
 * State (the last audit's open findings) lives in the watch store. One replica at a time
 * runs it: the runner holds the `watch-audit` lease while it works, and the schedule is
 * anchored on the last audit in the store, so replicas sharing a store audit once per period.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import type { Report } from '../core/report.js';
import type { SlackGateway } from '../slack/gateway.js';
import { context, header, MessageBuilder, section, type SlackMessage } from '../slack/render/blocks.js';
import { escapeMrkdwn, escapeWithin } from '../slack/render/mrkdwn.js';
import { renderFinalSummary } from '../slack/render/summary.js';
import { renderThreadMessages } from '../slack/render/thread.js';
import { describeSlackFailure } from '../slack/slack-errors.js';
import { type IdentityLister, MAX_IDENTITIES_PER_REGION } from './identities.js';
import { realSleep } from './intake.js';
import type { AuditChange, AuditFindingState, AuditRecord, WatchStore } from './store.js';

export const AUDIT_LEASE = 'watch-audit';
const AUDIT_LEASE_TTL_MS = 30 * 60_000;
/** How often a waiting runner looks at the store again (another replica may have audited). */
const MAX_IDLE_CHECK_MS = 5 * 60_000;
/** Full reports posted into the thread per audit; the rest say how to run them. */
export const MAX_REPORTS_IN_THREAD = 5;

export interface AuditRunnerState {
  running: boolean;
  nextAt: Date | undefined;
  lastError: string | undefined;
}

export interface AuditRunner {
  start(): void;
  stop(): Promise<void>;
  /** One audit now (if the lease is free): the record saved, or undefined when another replica holds the lease. */
  runOnce(): Promise<AuditRecord | undefined>;
  state(): AuditRunnerState;
}

export interface AuditDeps {
  everyMs: number;
  regions: readonly string[];
  listIdentities: IdentityLister;
  /** Diagnoses one identity with the ses and dns layers. */
  diagnose: (identity: string, region: string) => Promise<Report>;
  store: WatchStore;
  slack: SlackGateway;
  channel: string;
  clock: Clock;
  log: Logger;
  holder: string;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const keyOf = (f: Pick<AuditFindingState, 'region' | 'identity' | 'findingId'>): string => `${f.region} ${f.identity} ${f.findingId}`;
/** The check a finding came from: its id up to the `:` that numbers several findings of one check. */
export const checkKeyOf = (region: string, identity: string, findingId: string): string => `${region} ${identity} ${findingId.split(':')[0]}`;

/**
 * New, worse and fixed findings between two audits. Identities that could not be audited, and
 * checks that could not run this time (`blindChecks`, from their error findings), report no fixes:
 * a problem is fixed only when it was looked at and is gone.
 */
export function compareAudits(
  previous: AuditRecord | undefined,
  current: Record<string, AuditFindingState>,
  unaudited: ReadonlySet<string>,
  blindChecks: ReadonlySet<string> = new Set(),
): AuditChange[] {
  const changes: AuditChange[] = [];
  const before = previous?.findings ?? {};
  for (const [key, finding] of Object.entries(current)) {
    const old = before[key];
    if (!old) changes.push({ kind: 'new', finding });
    else if (old.status === 'warn' && finding.status === 'fail') changes.push({ kind: 'worse', finding });
  }
  for (const [key, finding] of Object.entries(before)) {
    if (current[key] || unaudited.has(`${finding.region} ${finding.identity}`)) continue;
    if (blindChecks.has(checkKeyOf(finding.region, finding.identity, finding.findingId))) continue;
    changes.push({ kind: 'fixed', finding });
  }
  return changes;
}

const CHANGE_ICON = { new: ':new:', worse: ':arrow_down:', fixed: ':white_check_mark:' } as const;

export function renderAuditMessage(record: AuditRecord, previous: AuditRecord | undefined): SlackMessage {
  const byIdentity = new Map<string, AuditChange[]>();
  for (const change of record.changes) {
    const key = `${change.finding.identity} (${change.finding.region})`;
    byIdentity.set(key, [...(byIdentity.get(key) ?? []), change]);
  }
  const count = (kind: AuditChange['kind']) => record.changes.filter((c) => c.kind === kind).length;
  const title = `Audit: ${record.changes.length} change${record.changes.length === 1 ? '' : 's'} since ${previous ? 'the last audit' : 'the start (first audit)'}`;
  const builder = new MessageBuilder();
  builder.tryAdd([header(title)]);
  builder.tryAdd([section(`${count('new')} new, ${count('worse')} worse, ${count('fixed')} fixed across ${record.identities} SES identities (ses and dns layers).`)]);
  for (const [identity, changes] of byIdentity) {
    const lines = changes.map((c) => `${CHANGE_ICON[c.kind]} ${c.kind === 'fixed' ? '*fixed*' : `*${c.finding.status}*`} ${escapeWithin(c.finding.title, 120)}: ${escapeWithin(c.finding.summary, 300)}`);
    builder.tryAdd([section(`*${escapeMrkdwn(identity)}*\n${lines.join('\n')}`)]);
  }
  if (record.errors.length > 0) builder.tryAdd([context(`Could not audit: ${record.errors.slice(0, 5).map((e) => escapeWithin(e, 200)).join('; ')}`)]);
  builder.tryAdd([context(`Full reports of identities with new problems are in this thread · ${previous ? `previous audit ${escapeMrkdwn(previous.finishedAt)}` : 'first audit'} · this audit ${escapeMrkdwn(record.finishedAt)}`)]);
  const blocks = builder.finish((n) => `… ${n} more identities changed; \`/maildiag watch\` lists the changes`);
  return { text: title, blocks };
}

export function createAuditRunner(deps: AuditDeps): AuditRunner {
  const log = deps.log.child({ component: 'watch-audit' });
  const sleep = deps.sleep ?? realSleep;
  const abort = new AbortController();
  let stopping = false;
  let running = false;
  let nextAt: Date | undefined;
  let lastError: string | undefined;
  let loop: Promise<void> | undefined;

  const runOnce = async (): Promise<AuditRecord | undefined> => {
    const started = deps.clock.now();
    if (!(await deps.store.acquireLease(AUDIT_LEASE, deps.holder, started, AUDIT_LEASE_TTL_MS))) {
      log.info('another replica is running the audit');
      return undefined;
    }
    running = true;
    try {
      const previous = await deps.store.lastAudit();
      const findings: Record<string, AuditFindingState> = {};
      const errors: string[] = [];
      const unaudited = new Set<string>();
      const blindChecks = new Set<string>();
      let leaseRenewedAt = started.getTime();
      let leaseLost = false;
      const reports = new Map<string, Report>();
      let identities = 0;
      for (const region of deps.regions) {
        let listed: Awaited<ReturnType<IdentityLister>>;
        try {
          listed = await deps.listIdentities(region, abort.signal);
        } catch (error) {
          const message = `ListEmailIdentities in ${region}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`;
          errors.push(message);
          log.warn({ region, err: error }, 'audit could not list identities');
          // Nothing in this region is reported fixed when it could not be looked at.
          for (const f of Object.values(previous?.findings ?? {})) if (f.region === region) unaudited.add(`${f.region} ${f.identity}`);
          continue;
        }
        if (listed.length >= MAX_IDENTITIES_PER_REGION) {
          errors.push(`${region}: only the first ${MAX_IDENTITIES_PER_REGION} identities are audited; more may exist`);
        }
        for (const identity of listed) {
          if (stopping || leaseLost) break;
          // A long audit renews its lease (same holder) at half its life, so no other replica starts one meanwhile.
          const now = deps.clock.now();
          if (now.getTime() - leaseRenewedAt >= AUDIT_LEASE_TTL_MS / 2) {
            if (!(await deps.store.acquireLease(AUDIT_LEASE, deps.holder, now, AUDIT_LEASE_TTL_MS))) {
              leaseLost = true;
              break;
            }
            leaseRenewedAt = now.getTime();
          }
          identities += 1;
          try {
            const report = await deps.diagnose(identity.name, region);
            reports.set(`${region} ${identity.name}`, report);
            for (const finding of report.findings) {
              if (finding.status === 'error') blindChecks.add(checkKeyOf(region, identity.name, finding.id));
              if (finding.status !== 'warn' && finding.status !== 'fail') continue;
              const state: AuditFindingState = { identity: identity.name, region, findingId: finding.id, status: finding.status, title: finding.title, summary: finding.summary.slice(0, 500) };
              findings[keyOf(state)] = state;
            }
          } catch (error) {
            unaudited.add(`${region} ${identity.name}`);
            errors.push(`${identity.name} in ${region}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`);
          }
        }
      }
      if (stopping) {
        log.info('audit interrupted by shutdown: nothing saved');
        return undefined;
      }
      if (leaseLost) {
        log.warn('audit lease taken over by another replica: nothing saved');
        return undefined;
      }
      // What could not be looked at this time stays as it was last seen, so a later audit that
      // sees it healthy still reports the fix.
      for (const [key, finding] of Object.entries(previous?.findings ?? {})) {
        if (findings[key]) continue;
        const blind = unaudited.has(`${finding.region} ${finding.identity}`) || blindChecks.has(checkKeyOf(finding.region, finding.identity, finding.findingId));
        if (blind) findings[key] = finding;
      }
      const changes = compareAudits(previous, findings, unaudited, blindChecks);
      const record: AuditRecord = { startedAt: started.toISOString(), finishedAt: deps.clock.now().toISOString(), identities, findings, changes, errors };
      if (changes.length > 0) {
        try {
          const { ts } = await deps.slack.postMessage(deps.channel, renderAuditMessage(record, previous));
          record.postedTs = ts;
          const worse = [...new Set(changes.filter((c) => c.kind !== 'fixed').map((c) => `${c.finding.region} ${c.finding.identity}`))];
          for (const key of worse.slice(0, MAX_REPORTS_IN_THREAD)) {
            const report = reports.get(key);
            if (!report) continue;
            await deps.slack.postMessage(deps.channel, renderFinalSummary(report), ts);
            for (const message of renderThreadMessages(report)) await deps.slack.postMessage(deps.channel, message, ts);
          }
          if (worse.length > MAX_REPORTS_IN_THREAD) {
            await deps.slack.postMessage(deps.channel, { text: `${worse.length - MAX_REPORTS_IN_THREAD} more identities changed: run /maildiag <identity> for their reports.`, blocks: [] }, ts);
          }
        } catch (error) {
          log.warn({ err: error, slackError: describeSlackFailure(error).code }, 'could not post the audit changes');
          errors.push(`posting the changes: ${describeSlackFailure(error).message}`);
        }
      }
      // Unposted changes are not saved as the new baseline: the next audit finds them again and posts them.
      if (changes.length > 0 && record.postedTs === undefined) {
        log.warn({ changes: changes.length }, 'audit changes not posted; the next audit compares against the previous record');
        lastError = errors[errors.length - 1];
        return record;
      }
      await deps.store.saveAudit(record);
      log.info({ identities, findings: Object.keys(findings).length, changes: changes.length, errors: errors.length }, 'audit finished');
      lastError = undefined;
      return record;
    } finally {
      running = false;
      await deps.store.releaseLease(AUDIT_LEASE, deps.holder).catch(() => undefined);
    }
  };

  const run = async (): Promise<void> => {
    while (!stopping) {
      try {
        const last = await deps.store.lastAudit();
        const due = last ? new Date(last.finishedAt).getTime() + deps.everyMs : deps.clock.now().getTime();
        nextAt = new Date(due);
        const wait = due - deps.clock.now().getTime();
        if (wait > 0) {
          await sleep(Math.min(wait, MAX_IDLE_CHECK_MS), abort.signal);
          continue;
        }
        const record = await runOnce();
        // Another replica holds the lease: look again later.
        if (!record && !stopping) await sleep(MAX_IDLE_CHECK_MS, abort.signal);
      } catch (error) {
        lastError = error instanceof Error ? error.message.slice(0, 200) : String(error);
        log.error({ err: error }, 'audit failed');
        await sleep(MAX_IDLE_CHECK_MS, abort.signal);
      }
    }
  };

  return {
    start() {
      if (!loop) loop = run();
    },
    async stop() {
      stopping = true;
      abort.abort();
      await loop;
    },
    runOnce,
    state: () => ({ running, nextAt, lastError }),
  };
}
