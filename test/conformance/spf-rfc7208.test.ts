/**
 * The OpenSPF RFC 7208 suite (pyspf's rfc7208-tests.yml, 16 scenarios, 203 tests) run through
 * the evaluator the product uses (`evaluateSpf`: mailauth strict mode behind the product's DnsClient,
 * `createDnsClient`), against the loopback DNS server serving each scenario's zone data.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSpf } from '../../src/checks/dns/spf-evaluator.js';
import { newCounters } from '../../src/core/context.js';
import { createDnsClient, createRunDns } from '../../src/io/dns.js';
import { startDnsServer, type FixtureRecord, type TestDnsServer, type ZoneData } from '../support/dns-server.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';

const SUITE = path.join(CONFORMANCE_DIR, 'spf/rfc7208-tests.yml');

interface SuiteTest {
  description?: string;
  spec?: string | string[];
  helo: string;
  host: string;
  mailfrom: string;
  result: string | string[];
  explanation?: string;
}
type SuiteZoneValue = string | string[] | [number, string];
type SuiteZoneItem = 'TIMEOUT' | Record<string, SuiteZoneValue>;
interface Scenario {
  description: string;
  tests: Record<string, SuiteTest>;
  zonedata?: Record<string, SuiteZoneItem[]>;
}

/**
 * Tests we skip, each with the reason. Empty: every test runs. Keep the reasons specific;
 * a skip without one fails the suite below.
 */
const SKIPPED: Record<string, string> = {};

/**
 * Tests where the product's DNS stack gives a different, documented answer. They still run and
 * assert the deviating result, so a change in behaviour is noticed. Empty since the product's
 * DNS client speaks the wire itself (src/io/dns-wire.ts): c-ares refused names holding ':', '/'
 * or spaces (5 tests) and rejected the answer with an empty TXT record (null-text).
 */
const KNOWN_DEVIATIONS: Record<string, { result: string; reason: string }> = {};

/**
 * `%{i}` of an IPv6 client is a list of hex nibbles; the suite expects them upper-case as the
 * test's host is written, mailauth writes them lower-case as RFC 7208 section 7.4's example does.
 * DNS names compare case-insensitively, so these explanations are compared that way.
 */
const EXPLANATION_CASE_INSENSITIVE = new Set(['v-macro-ip6']);

/**
 * The suite's zone conventions in loopback-server terms: a name's `SPF` entries are served as
 * TXT unless it has TXT entries of its own (`TXT: NONE` means "none, and do not generate");
 * `TIMEOUT` means the server never answers (for types the name has no record of).
 */
export function toZone(zonedata: Record<string, SuiteZoneItem[]>): ZoneData {
  const zone: ZoneData = {};
  for (const [name, items] of Object.entries(zonedata)) {
    const records: FixtureRecord[] = [];
    const spf: FixtureRecord[] = [];
    let hasOwnTxt = false;
    let timeout = false;
    for (const item of items) {
      if (item === 'TIMEOUT') {
        timeout = true;
        continue;
      }
      for (const [type, value] of Object.entries(item)) {
        if (type === 'TXT') hasOwnTxt = true;
        if (value === 'NONE') continue;
        switch (type) {
          case 'TXT':
          case 'SPF':
            (type === 'TXT' ? records : spf).push({ type: 'TXT', value: value as string | string[] });
            break;
          case 'MX': {
            const [priority, exchange] = value as [number, string];
            records.push({ type: 'MX', value: { priority, exchange } });
            break;
          }
          case 'A':
          case 'AAAA':
          case 'PTR':
          case 'CNAME':
            records.push({ type, value: String(value) });
            break;
          default:
            throw new Error(`unknown zone record type ${type} at ${name}`);
        }
      }
    }
    if (!hasOwnTxt) records.push(...spf);
    zone[name] = timeout ? { fail: 'TIMEOUT', records } : records;
  }
  return zone;
}

const suiteAvailable = existsSync(SUITE);
const scenarios: Scenario[] = suiteAvailable
  ? parseAllDocuments(readFileSync(SUITE, 'utf8')).map((doc) => doc.toJS() as Scenario)
  : [];

const outcomes = { passed: 0, deviations: 0, failed: [] as string[], skipped: 0 };

(suiteAvailable ? describe : describe.skip)(
  suiteAvailable ? 'RFC 7208 conformance (OpenSPF suite)' : `RFC 7208 conformance: skipped, ${SUITE} not found (pyspf's suite, see ../shared/conformance/README.md; set MAILDIAG_CONFORMANCE_DIR)`,
  () => {
    const servers: TestDnsServer[] = [];
    afterAll(async () => {
      await Promise.all(servers.map((server) => server.close()));
      const total = outcomes.passed + outcomes.deviations + outcomes.failed.length + outcomes.skipped;
      console.log(
        `RFC 7208 suite: ${outcomes.passed}/${total} passed as the suite expects, ${outcomes.deviations} known deviations ` +
          `(asserted, reasons in the test), ${outcomes.skipped} skipped${outcomes.failed.length ? `, FAILED: ${outcomes.failed.join(', ')}` : ''}`,
      );
    });

    it('has the expected shape (16 scenarios, 203 tests) and every skip has a reason', () => {
      expect(scenarios).toHaveLength(16);
      expect(scenarios.reduce((n, s) => n + Object.keys(s.tests).length, 0)).toBe(203);
      for (const [name, reason] of Object.entries(SKIPPED)) expect(reason.length, `skip reason for ${name}`).toBeGreaterThan(20);
      for (const [name, { reason }] of Object.entries(KNOWN_DEVIATIONS)) expect(reason.length, `deviation reason for ${name}`).toBeGreaterThan(20);
      const names = new Set(scenarios.flatMap((s) => Object.keys(s.tests)));
      for (const name of [...Object.keys(SKIPPED), ...Object.keys(KNOWN_DEVIATIONS), ...EXPLANATION_CASE_INSENSITIVE]) {
        expect(names.has(name), `${name} is a test of the suite`).toBe(true);
      }
    });

    scenarios.forEach((scenario, index) => {
      // One server per scenario so scenarios run concurrently; each test is its own "run" with its own cache.
      describe.concurrent(`${index + 1}. ${scenario.description}`, () => {
        let server: TestDnsServer;
        beforeAll(async () => {
          server = await startDnsServer({ zone: toZone(scenario.zonedata ?? {}) });
          servers.push(server);
        });

        for (const [name, test] of Object.entries(scenario.tests)) {
          const skipReason = SKIPPED[name];
          if (skipReason) {
            it.skip(`${name}: skipped, ${skipReason}`, () => {
              outcomes.skipped += 1;
            });
            continue;
          }
          it(name, async () => {
            const base = createDnsClient({ servers: [server.address], timeoutMs: 1_000, tries: 1 });
            const dns = createRunDns(base, newCounters());
            const evaluation = await evaluateSpf(dns, { ip: test.host, sender: test.mailfrom, helo: test.helo });
            const deviation = KNOWN_DEVIATIONS[name];
            const accepted = deviation ? [deviation.result] : Array.isArray(test.result) ? test.result : [test.result];
            try {
              expect(accepted, `${name}: ${evaluation.comment}`).toContain(evaluation.result);
              if (test.explanation !== undefined && evaluation.result === 'fail') {
                // The suite's driver convention: the default explanation is the literal DEFAULT.
                const explanation = evaluation.explanation ?? 'DEFAULT';
                if (EXPLANATION_CASE_INSENSITIVE.has(name)) expect(explanation.toLowerCase()).toBe(test.explanation.toLowerCase());
                else expect(explanation).toBe(test.explanation);
              }
              if (deviation) outcomes.deviations += 1;
              else outcomes.passed += 1;
            } catch (error) {
              outcomes.failed.push(name);
              throw error;
            }
          });
        }
      });
    });
  },
);
