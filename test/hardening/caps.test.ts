/**
 * Issue 12, defects 2 and 3: caps applied in one place for every input path, per-run
 * concurrency limits for DNS and AWS, and linear command parsing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT_USAGE, runCli } from '../../src/cli/run.js';
import { newCounters } from '../../src/core/context.js';
import { AWS_CALL_CONCURRENCY, capTarget, DNS_QUERY_CONCURRENCY, MAX_COMMAND_TEXT, TARGET_CAPS } from '../../src/core/limits.js';
import type { DnsClient, DnsRecordMap, RRType } from '../../src/core/ports.js';
import type { ReportJson } from '../../src/core/report-json.js';
import { emptyTarget, parseCommandText, parseTargetText } from '../../src/core/target.js';
import { InputError } from '../../src/core/errors.js';
import { createAwsGateways } from '../../src/io/aws.js';
import { createRunDns } from '../../src/io/dns.js';
import { BOT_CREDENTIALS } from '../support/aws-run.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startHungEndpoint, type HungEndpoint } from '../support/hung-endpoint.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

let dns: TestDnsServer;
let hung: HungEndpoint;
beforeAll(async () => {
  dns = await startDnsServer({ zone: canonicalZones() });
  hung = await startHungEndpoint();
});
afterAll(async () => {
  await dns.close();
  await hung.close();
});

describe('capTarget', () => {
  it('cuts every kind to its cap and names what was left out, first among the notes', () => {
    const target = {
      ...emptyTarget('example.com'),
      recipients: Array.from({ length: TARGET_CAPS.recipients + 1 }, (_, i) => `a${i}@x.example`),
      smtpUsers: Array.from({ length: TARGET_CAPS.smtpUsers + 3 }, (_, i) => `AKIA${String(i).padStart(16, '0')}`),
      regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1'],
      messageIds: Array.from({ length: TARGET_CAPS.messageIds + 2 }, (_, i) => `id${i}`),
      notes: ['from the thread'],
    };
    const capped = capTarget(target);
    expect(capped.recipients).toHaveLength(TARGET_CAPS.recipients);
    expect(capped.smtpUsers).toHaveLength(TARGET_CAPS.smtpUsers);
    expect(capped.regions).toEqual(target.regions.slice(0, TARGET_CAPS.regions));
    expect(capped.messageIds).toHaveLength(TARGET_CAPS.messageIds);
    expect(capped.notes).toEqual([
      `1 more recipient not checked (at most ${TARGET_CAPS.recipients} per run)`,
      `3 more SMTP usernames not checked (at most ${TARGET_CAPS.smtpUsers} per run)`,
      `2 more regions not checked (at most ${TARGET_CAPS.regions} per run)`,
      `2 more message ids not checked (at most ${TARGET_CAPS.messageIds} per run)`,
      'from the thread',
    ]);
  });

  it('leaves a target within the caps untouched', () => {
    const target = { ...emptyTarget('example.com'), recipients: ['a@b.example'] };
    expect(capTarget(target)).toBe(target);
  });
});

describe('the CLI path', () => {
  it('caps recipients and key ids read from --thread and reports the excess', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maildiag-caps-'));
    const thread = join(dir, 'thread.txt');
    const keys = Array.from({ length: 300 }, (_, i) => `AKIA${String(i).padStart(16, '0')}`);
    const recipients = Array.from({ length: 60 }, (_, i) => `To: user${i}@r${i}.example`);
    writeFileSync(thread, `We send as admin@customer.example\n${recipients.join('\n')}\nkeys: ${keys.join(' ')}\n`);
    let stdout = '';
    const before = dns.queries.length;
    await runCli(['--thread', thread, '--json', '--dns-server', dns.address], {
      stdout: {
        write: (t: string) => {
          stdout += t;
        },
      },
      stderr: { write: () => undefined },
      env: { MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '200' },
      readStdin: async () => '',
    });
    const json = JSON.parse(stdout) as ReportJson;
    expect(json.target.recipients.length).toBeLessThanOrEqual(TARGET_CAPS.recipients);
    expect(json.target.smtpUsers).toHaveLength(TARGET_CAPS.smtpUsers);
    expect(json.target.notes.join('\n')).toContain(`${300 - TARGET_CAPS.smtpUsers} more SMTP usernames not checked`);
    const recipientDomains = new Set(dns.queries.slice(before).filter((q) => /^r\d+\.example$/.test(q.name)).map((q) => q.name));
    expect(recipientDomains.size).toBeLessThanOrEqual(TARGET_CAPS.recipients);
  });
});

describe('per-run concurrency', () => {
  it(`at most ${DNS_QUERY_CONCURRENCY} DNS queries of a run are in flight; the rest queue`, async () => {
    const pending: Array<() => void> = [];
    let started = 0;
    const base: DnsClient = {
      resolve<T extends RRType>(): Promise<DnsRecordMap[T]> {
        started += 1;
        return new Promise((resolve) => pending.push(() => resolve([] as unknown as DnsRecordMap[T])));
      },
    };
    const run = createRunDns(base, newCounters());
    const all = Array.from({ length: 40 }, (_, i) => run.resolve(`n${i}.example`, 'MX'));
    await vi.waitFor(() => expect(started).toBe(DNS_QUERY_CONCURRENCY));
    pending.shift()?.();
    await vi.waitFor(() => expect(started).toBe(DNS_QUERY_CONCURRENCY + 1));
    while (pending.length > 0 || started < 40) {
      pending.shift()?.();
      await Promise.resolve();
    }
    await Promise.all(all);
    expect(started).toBe(40);
  });

  it(`at most ${AWS_CALL_CONCURRENCY} AWS requests of a run are in flight; queued ones never start once the run is cancelled`, async () => {
    const run = new AbortController();
    const before = hung.accepted;
    const aws = createAwsGateways({ endpoint: hung.url, credentials: BOT_CREDENTIALS, maxAttempts: 1, requestTimeoutMs: 60_000 }, newCounters(), run.signal);
    const calls = Array.from({ length: 20 }, (_, i) => aws.ses('us-east-1').getSuppressedDestination(`u${i}@x.example`).catch((error: unknown) => error));
    await vi.waitFor(() => expect(hung.accepted - before).toBe(AWS_CALL_CONCURRENCY));
    run.abort(new Error('run cancelled'));
    await Promise.all(calls);
    expect(hung.accepted - before).toBe(AWS_CALL_CONCURRENCY);
    await hung.allClosed();
  });
});

describe('command parsing', () => {
  it('refuses text over the limit before parsing, with a message naming the limit', () => {
    const long = `example.com ${'to=a@b.example '.repeat(MAX_COMMAND_TEXT)}`;
    expect(() => parseCommandText(long)).toThrow(InputError);
    expect(() => parseCommandText(long)).toThrow(`at most ${MAX_COMMAND_TEXT} are read`);
  });

  it('de-duplicates repeated options in first-seen order (a Set, not a scan)', () => {
    const text = `example.com ${Array.from({ length: 5_000 }, (_, i) => `to=u${i % 7}@r.example`).join(' ')}`;
    expect(parseTargetText(text).recipients).toEqual(Array.from({ length: 7 }, (_, i) => `u${i}@r.example`));
  });
});

describe('usage errors keep exit 2', () => {
  it('an over-long positional target is still parsed by the CLI (no Slack limit), but validated', async () => {
    const code = await runCli(['not a domain!'], {
      stdout: { write: () => undefined },
      stderr: { write: () => undefined },
      env: { MAILDIAG_AWS: 'off' },
      readStdin: async () => '',
    });
    expect(code).toBe(EXIT_USAGE);
  });
});
