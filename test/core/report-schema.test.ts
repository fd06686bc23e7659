/**
 * docs/report.schema.json against real outputs: `maildiag --json` for every DNS scenario
 * (through the CLI, loopback DNS), the whole canonical ticket (Slack harness with DNS and the
 * loopback AWS endpoint), the AWS layers under every AWS scenario, and `maildiag classify
 * --json` for the fixtures and every message of the bounce corpus.
 *
 * The published schema is open (consumers must ignore fields they do not know). The tests
 * validate against a closed copy, so a field the code emits but the schema does not describe
 * fails here: the schema and the output cannot drift apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { type ReportJson, reportToJson, SCHEMA_VERSION } from '../../src/core/report-json.js';
import {
  accessDeniedScenario,
  type AwsScenario,
  canonicalScenario,
  healthyScenario,
  otherRegionScenario,
  RECIPIENT,
  ROTATED_KEY_ID,
  SENDER,
  SMTP_USER,
  sandboxScenario,
  startAwsEndpoint,
  suppressedWithInsightsScenario,
} from '../support/aws-endpoint.js';
import { runAwsLayers } from '../support/aws-run.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { benchZones, DEEP_DOMAIN, WIDE_DOMAIN } from '../support/scenarios/bench-dns.js';
import { canonicalZones, DKIM_TOKENS, MAIL_FROM_DOMAIN } from '../support/scenarios/canonical-dns.js';
import { CHANNEL, startHarness, USER } from '../slack/harness.js';
import { commandFields } from '../support/slack-requests.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const published = JSON.parse(readFileSync('docs/report.schema.json', 'utf8')) as { [key: string]: Json };

/** A copy where every object schema with `properties` admits no other property. */
function closed(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, closed(v as Json)])) : closed(value);
  if ('properties' in schema && !('additionalProperties' in schema)) copy.additionalProperties = false;
  return copy;
}

function validator(schema: Json, ref: string): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addSchema(schema as object, 'report.schema.json');
  const validate = ajv.getSchema(`report.schema.json${ref}`);
  if (!validate) throw new Error(`no ${ref} in the schema`);
  return validate;
}

const strictReport = validator(closed(published), '#/$defs/report');
const strictClassification = validator(closed(published), '#/$defs/classification');
const strictFiles = validator(closed(published), '#/$defs/classificationFiles');
const strictSummary = validator(closed(published), '#/$defs/classificationSummary');
const openRoot = validator(published, '');

function expectValid(validate: ValidateFunction, value: unknown, what: string): void {
  const ok = validate(value);
  expect(ok, `${what}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`).toBe(true);
  expect(openRoot(value), `${what} against the published root`).toBe(true);
}

async function cli(args: string[], dnsAddress?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(dnsAddress ? [...args, '--dns-server', dnsAddress] : args, {
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
    },
    env: { MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '300' },
    readStdin: async () => 'no bounce here, only words',
  });
  return { code, stdout, stderr };
}

describe('the published schema', () => {
  it('is a valid JSON Schema 2020-12 document that compiles in strict mode', () => {
    expect(published.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: true });
    expect(ajv.validateSchema(published as object)).toBe(true);
  });

  it('rejects a report without schemaVersion, or of another major version, and the closed copy rejects unknown fields', () => {
    const minimal: ReportJson = {
      schemaVersion: SCHEMA_VERSION,
      runId: 'r1',
      target: { senderDomain: 'example.com', recipients: [], regions: [], smtpUsers: [], messageIds: [], replies: [], notes: [] },
      verdict: 'pass',
      rootCause: null,
      layers: [],
      findings: [],
      stats: { durationMs: 1, dnsQueries: 0, dnsQueriesDistinct: 0, awsCalls: 0, awsCallsDistinct: 0 },
    };
    expect(strictReport(minimal)).toBe(true);
    const { schemaVersion: _dropped, ...withoutVersion } = minimal;
    expect(openRoot(withoutVersion)).toBe(false);
    expect(openRoot({ ...minimal, schemaVersion: '2.0' })).toBe(false);
    expect(openRoot({ ...minimal, verdict: 'broken' })).toBe(false);
    expect(openRoot({ ...minimal, addedLater: true })).toBe(true);
    expect(strictReport({ ...minimal, addedLater: true })).toBe(false);
    expect(strictReport({ ...minimal, stats: { ...minimal.stats, extra: 1 } })).toBe(false);
  });
});

describe('maildiag --json validates for every DNS scenario', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({ zone: { ...canonicalZones(), ...benchZones(), 'broken.example': { fail: 'SERVFAIL' }, 'slow.example': { fail: 'TIMEOUT' } } });
  });
  afterAll(() => dns.close());

  it.each([
    ['canonical sender and recipient', [SENDER, `to=${RECIPIENT}`]],
    ['canonical with MAIL FROM and DKIM tokens', ['customer.example', '--mail-from', MAIL_FROM_DOMAIN, '--dkim-tokens', DKIM_TOKENS.join(',')]],
    ['a 9-deep include chain', [DEEP_DOMAIN]],
    ['SPF over the lookup limit', [WIDE_DOMAIN]],
    ['SERVFAIL everywhere (error findings)', ['broken.example', `to=bob@broken.example`]],
    ['DNS timeouts', ['slow.example', '--layers', 'dns']],
    ['a domain with nothing published', ['nothing.example']],
    ['only the recipient layer', [SENDER, `to=${RECIPIENT}`, '--layers', 'recipient']],
    ['a bounce given with --bounce', [SENDER, '--bounce', 'test/fixtures/exchange-ndr.eml']],
    ['a ticket thread given with --thread', [SENDER, `smtp-user=${ROTATED_KEY_ID}`, '--thread', 'test/fixtures/canonical-thread.txt']],
    ['the thread alone', ['--thread', 'test/fixtures/canonical-thread.txt']],
  ])('%s', async (what, args) => {
    const { stdout, stderr } = await cli([...args, '--format', 'json'], dns.address);
    expect(stderr).toBe('');
    const json = JSON.parse(stdout) as ReportJson;
    expect(json.schemaVersion).toBe(SCHEMA_VERSION);
    expectValid(strictReport, json, what);
  });
});

describe('reports with the AWS layers validate', () => {
  it('the whole canonical ticket through the Slack app (DNS and AWS on loopback)', async () => {
    const aws = await startAwsEndpoint(canonicalScenario());
    const harness = await startHarness({ aws, logLevel: 'info', env: { MAILDIAG_SMTP_USERS: SMTP_USER } });
    try {
      const run = harness.nextRun();
      await harness.requests.command(commandFields({ text: `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`, channel: CHANNEL, user: USER, responseUrl: harness.slack.responseUrl('c') }));
      const json = reportToJson((await run).report);
      expect(json.verdict).toBe('fail');
      expect(json.findings.some((f) => f.remediation?.kind === 'rotate-smtp-credential')).toBe(true);
      expect(json.findings.some((f) => f.remediation?.kind === 'remove-suppression')).toBe(true);
      expect(json.target.replies.length + json.findings.filter((f) => f.layer === 'recipient').length).toBeGreaterThan(0);
      expectValid(strictReport, json, 'canonical');
    } finally {
      await harness.close();
      await aws.close();
    }
  });

  it.each<[string, () => AwsScenario]>([
    ['canonical', canonicalScenario],
    ['healthy', healthyScenario],
    ['sandbox', sandboxScenario],
    ['other region', otherRegionScenario],
    ['suppressed, with message insights', suppressedWithInsightsScenario],
    ['access denied', accessDeniedScenario],
  ])('the AWS layers under the %s scenario', async (what, scenario) => {
    const endpoint = await startAwsEndpoint(scenario());
    try {
      const { report } = await runAwsLayers({ endpoint, input: `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}` });
      expectValid(strictReport, reportToJson(report), what);
    } finally {
      await endpoint.close();
    }
  });
});

describe('maildiag classify --json validates', () => {
  const corpusDir = join(CONFORMANCE_DIR, 'bounces');
  let corpus: string[] = [];
  try {
    corpus = readdirSync(corpusDir).filter((name) => name.endsWith('.eml'));
  } catch {
    console.log(`classify schema check: no bounce corpus at ${corpusDir} (../shared/conformance/bounces); fixtures only`);
  }

  it.each(['test/fixtures/exchange-ndr.eml', 'test/fixtures/canonical-thread.txt', '-'])('%s', async (file) => {
    const { code, stdout } = await cli(['classify', file, '--json']);
    expect(code).toBe(0);
    expectValid(strictClassification, JSON.parse(stdout), file);
  });

  it('several files and a folder ($defs/classificationFiles), and --summary ($defs/classificationSummary)', async () => {
    const files = await cli(['classify', 'test/fixtures', 'test/fixtures/exchange-ndr.eml', '--json']);
    const list = JSON.parse(files.stdout) as Array<{ file: string; error?: string }>;
    expect(list.filter((entry) => entry.error === undefined).length).toBeGreaterThan(1);
    expect(openRoot([{ file: 'x.eml', error: 'EACCES' }])).toBe(true);
    expectValid(strictFiles, list, 'several files');
    const summary = await cli(['classify', 'test/fixtures', '--summary', '--json']);
    expect(JSON.parse(summary.stdout)).toMatchObject({ schemaVersion: SCHEMA_VERSION });
    expectValid(strictSummary, JSON.parse(summary.stdout), 'summary');
  });

  it.runIf(corpus.length > 0)('every message of the bounce corpus', async () => {
    for (const name of corpus) {
      const { code, stdout } = await cli(['classify', join(corpusDir, name), '--json']);
      expect(code, name).toBe(0);
      expectValid(strictClassification, JSON.parse(stdout), name);
    }
    expect(corpus.length).toBeGreaterThan(50);
  });
});
