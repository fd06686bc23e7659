import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, diagnose } from '../../src/compose.js';
import { loadAppConfig } from '../../src/config.js';
import { parseTargetText } from '../../src/core/target.js';
import { createAwsGateways } from '../../src/io/aws.js';
import { createLogger } from '../../src/log.js';
import { createSlackGateway } from '../../src/slack/gateway.js';
import { AUDIT_LEASE, compareAudits, createAuditRunner } from '../../src/watch/audit.js';
import { createIdentityLister } from '../../src/watch/identities.js';
import { openSqliteWatchStore, type WatchStore } from '../../src/watch/store.js';
import { healthyScenario, SCENARIO_NOW, startAwsEndpoint, type TestAwsEndpoint, verifiedDomainIdentity } from '../support/aws-endpoint.js';
import { BOT_CREDENTIALS } from '../support/aws-run.js';
import { blocksToText } from '../support/blockkit-text.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { canonicalZones, DKIM_TOKENS, SENDER_DOMAIN } from '../support/scenarios/canonical-dns.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack-api.js';

const CHANNEL = 'C0EVENTS';
let aws: TestAwsEndpoint;
let dns: TestDnsServer;
let slack: FakeSlackApi;
let store: WatchStore;

beforeEach(async () => {
  const scenario = healthyScenario();
  scenario.regions['us-east-1']!.identities['other.example'] = { ...verifiedDomainIdentity('other.example'), dkim: undefined, mailFrom: undefined };
  aws = await startAwsEndpoint(scenario);
  dns = await startDnsServer({ zone: canonicalZones() });
  slack = await startFakeSlackApi();
  store = openSqliteWatchStore({ path: ':memory:' });
});
afterEach(async () => {
  await store.close();
  await Promise.all([aws.close(), dns.close(), slack.close()]);
});

function runnerParts(holder = 'replica-a') {
  const log = createLogger({ level: 'silent' });
  const config = loadAppConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's', MAILDIAG_DNS_SERVERS: dns.address, MAILDIAG_AWS: 'on' });
  const services = {
    ...createServices(config, log, {}, { HOME: '/nonexistent-maildiag-test-home' }),
    aws: (counters: Parameters<typeof createAwsGateways>[1], signal: AbortSignal) => createAwsGateways({ endpoint: aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }, counters, signal),
    clock: { now: () => SCENARIO_NOW },
  };
  let now = SCENARIO_NOW.getTime();
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const deps: Parameters<typeof createAuditRunner>[0] = {
      everyMs: 86_400_000,
      regions: ['us-east-1'],
      listIdentities: createIdentityLister({ endpoint: aws.url, credentials: BOT_CREDENTIALS, maxAttempts: 1 }),
      diagnose: (identity, region) => diagnose(parseTargetText(`${identity} region=${region}`), services, { layers: ['ses', 'dns'] }),
      store,
      slack: createSlackGateway(client),
      channel: CHANNEL,
      clock: {
        now: () => {
          now += 1000;
          return new Date(now);
        },
      },
      log,
      holder,
  };
  return { deps };
}

function runnerDeps(holder = 'replica-a'): Parameters<typeof createAuditRunner>[0] {
  return runnerParts(holder).deps;
}

function runner(holder = 'replica-a') {
  return { audit: createAuditRunner(runnerDeps(holder)) };
}

const posted = () => slack.calls.filter((c) => c.method === 'chat.postMessage');
const rootPosts = () => posted().filter((c) => !c.args.thread_ts);

describe('scheduled audit', () => {
  it('lists identities, diagnoses each with the ses and dns layers, and posts only what changed', async () => {
    const { audit } = runner();
    const first = await audit.runOnce();
    expect(first?.identities).toBe(2);
    expect(aws.callsOf('ListEmailIdentities')).toHaveLength(1);
    // First audit: what is open is new (other.example has no DKIM and no MAIL FROM).
    expect(first?.changes.length).toBeGreaterThan(0);
    expect(first?.changes.every((c) => c.kind === 'new')).toBe(true);
    expect(first?.changes.some((c) => c.finding.identity === 'other.example')).toBe(true);
    expect(rootPosts()).toHaveLength(1);

    // Nothing changed: nothing posted.
    const second = await audit.runOnce();
    expect(second?.changes).toEqual([]);
    expect(rootPosts()).toHaveLength(1);

    // Someone deletes a DKIM CNAME of customer.example: a new failure, with the full report in the thread.
    const zone = canonicalZones();
    delete zone[`${DKIM_TOKENS[0]}._domainkey.${SENDER_DOMAIN}`];
    dns.setZone(zone);
    const third = await audit.runOnce();
    const broken = third?.changes.filter((c) => c.finding.identity === SENDER_DOMAIN) ?? [];
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.every((c) => c.kind === 'new' && c.finding.findingId.startsWith('dns.dkim'))).toBe(true);
    expect(third?.changes.every((c) => c.finding.identity === SENDER_DOMAIN)).toBe(true);
    expect(rootPosts()).toHaveLength(2);
    const message = rootPosts()[1]!;
    const text = blocksToText(message.args.blocks as Array<Record<string, unknown>>, String(message.args.text));
    expect(text).toContain(SENDER_DOMAIN);
    expect(text).not.toContain('other.example');
    const thread = posted().filter((c) => c.args.thread_ts === message.result?.ts);
    expect(thread.length).toBeGreaterThanOrEqual(2);

    // The CNAME is back: the fix is posted.
    dns.setZone(canonicalZones());
    const fourth = await audit.runOnce();
    expect(fourth?.changes.length).toBe(broken.length);
    expect(fourth?.changes.every((c) => c.kind === 'fixed')).toBe(true);
    expect(rootPosts()).toHaveLength(3);
    expect((await store.lastAudit())?.changes).toEqual(fourth?.changes);
  });

  it('runs on one replica at a time: another holder of the lease makes it skip', async () => {
    expect(await store.acquireLease(AUDIT_LEASE, 'replica-b', new Date(), 60_000)).toBe(true);
    const { audit } = runner('replica-a');
    expect(await audit.runOnce()).toBeUndefined();
    expect(aws.callsOf('ListEmailIdentities')).toHaveLength(0);
    await store.releaseLease(AUDIT_LEASE, 'replica-b');
    expect(await audit.runOnce()).toBeDefined();
  });

  it('does not report fixes for identities it could not look at', async () => {
    const { audit } = runner();
    await audit.runOnce();
    aws.scenario.faults.accessDenied = ['ListEmailIdentities'];
    const blind = await audit.runOnce();
    expect(blind?.changes).toEqual([]);
    expect(blind?.errors[0]).toMatch(/ListEmailIdentities in us-east-1/);
  });

  it('does not report a problem fixed when its check could not run this time', async () => {
    const { audit } = runner();
    const zone = canonicalZones();
    delete zone[`${DKIM_TOKENS[0]}._domainkey.${SENDER_DOMAIN}`];
    dns.setZone(zone);
    const broken = await audit.runOnce();
    expect(broken?.changes.some((c) => c.finding.identity === SENDER_DOMAIN && c.finding.findingId.startsWith('dns.dkim'))).toBe(true);
    // The DKIM names now fail to resolve (SERVFAIL): the DKIM check is blind, not fixed.
    const failing = canonicalZones();
    for (const token of DKIM_TOKENS) failing[`${token}._domainkey.${SENDER_DOMAIN}`] = { fail: 'SERVFAIL' };
    dns.setZone(failing);
    const blind = await audit.runOnce();
    expect(blind?.changes.filter((c) => c.kind === 'fixed')).toEqual([]);
    // Once it can be looked at again and is healthy, the fix is reported.
    dns.setZone(canonicalZones());
    const healthy = await audit.runOnce();
    expect(healthy?.changes.some((c) => c.kind === 'fixed' && c.finding.findingId.startsWith('dns.dkim'))).toBe(true);
  });

  it('keeps changes it could not post, and posts them with the next audit', async () => {
    const { audit } = runner();
    slack.inject('chat.postMessage', { error: 'channel_not_found' }, 1);
    const unposted = await audit.runOnce();
    expect(unposted?.changes.length).toBeGreaterThan(0);
    expect(unposted?.errors.some((e) => /posting the changes/.test(e))).toBe(true);
    expect(await store.lastAudit()).toBeUndefined();
    expect(audit.state().lastError).toMatch(/posting the changes/);
    const next = await audit.runOnce();
    expect(next?.changes.map((c) => c.finding.findingId).sort()).toEqual(unposted?.changes.map((c) => c.finding.findingId).sort());
    expect(next?.postedTs).toBeDefined();
    expect((await store.lastAudit())?.postedTs).toBe(next?.postedTs);
  });

  it('renews its lease during a long audit, and stops without saving when another replica took it', async () => {
    const minutes = (n: number) => n * 60_000;
    let now = SCENARIO_NOW.getTime();
    const acquired: string[] = [];
    let refuseRenewal = false;
    const counting: WatchStore = {
      ...store,
      acquireLease: async (name, holder, at, ttl) => {
        acquired.push(holder);
        if (refuseRenewal && acquired.length > 1) return false;
        return store.acquireLease(name, holder, at, ttl);
      },
    };
    const make = () =>
      createAuditRunner({
        ...runnerDeps(),
        store: counting,
        // Each look at the clock is 20 minutes later: every identity is past half the 30-minute lease.
        clock: {
          now: () => {
            now += minutes(20);
            return new Date(now);
          },
        },
      });
    await make().runOnce();
    expect(acquired.length).toBeGreaterThanOrEqual(2);
    acquired.length = 0;
    refuseRenewal = true;
    expect(await make().runOnce()).toBeUndefined();
    expect(await store.lastAudit()).toBeDefined();
    expect((await store.lastAudit())?.identities).toBe(2);
  });

  it('compares audits: new, worse, fixed', () => {
    const f = (status: 'warn' | 'fail', findingId = 'dns.dkim') => ({ identity: 'a.example', region: 'us-east-1', findingId, status, title: 't', summary: 's' });
    const previous = { startedAt: '', finishedAt: '', identities: 1, changes: [], errors: [], findings: { 'us-east-1 a.example dns.dkim': f('warn'), 'us-east-1 a.example dns.spf': f('fail', 'dns.spf') } };
    const changes = compareAudits(previous, { 'us-east-1 a.example dns.dkim': f('fail'), 'us-east-1 a.example dns.dmarc': f('warn', 'dns.dmarc') }, new Set());
    expect(changes.map((c) => [c.kind, c.finding.findingId]).sort()).toEqual([
      ['fixed', 'dns.spf'],
      ['new', 'dns.dmarc'],
      ['worse', 'dns.dkim'],
    ]);
  });
});
