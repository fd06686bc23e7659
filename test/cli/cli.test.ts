import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli } from '../../src/cli/run.js';
import type { ReportJson } from '../../src/core/report-json.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { canonicalZones } from '../support/scenarios/canonical-dns.js';

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    zone: { ...canonicalZones(), 'broken.example': { fail: 'SERVFAIL' } },
  });
});
afterAll(() => dns.close());

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
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
    env: { MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '200', ...env },
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

describe('maildiag CLI', () => {
  it('prints a human report with a block per layer and exits 0 when nothing fails', async () => {
    const { code, stdout } = await cli(['admin@customer.example', 'to=alice@recipient.example', '--dns-server', dns.address]);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/^maildiag admin@customer\.example → alice@recipient\.example {2}verdict: (PASS|WARN)/);
    expect(stdout).toContain('DNS authentication');
    expect(stdout).not.toContain('\u001b['); // no colour when not a TTY
  });

  it('prints the documented JSON contract', async () => {
    const { code, stdout } = await cli(['customer.example', '--json', '--dns-server', dns.address]);
    expect(code).toBe(EXIT_OK);
    const json = JSON.parse(stdout) as ReportJson;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['target', 'verdict', 'findings', 'stats']));
    expect(json.target.senderDomain).toBe('customer.example');
    expect(json.stats.dnsQueries).toBeGreaterThan(0);
    expect(typeof json.stats.durationMs).toBe('number');
    for (const finding of json.findings) {
      expect(Object.keys(finding)).toEqual(
        expect.arrayContaining(['id', 'layer', 'check', 'status', 'title', 'summary', 'evidence', 'explanation', 'fix']),
      );
      expect(['pass', 'warn', 'fail', 'info', 'error', 'skipped']).toContain(finding.status);
    }
  });

  it('--format markdown prints a ticket-ready report; --format json equals --json', async () => {
    const markdown = await cli([`admin@customer.example`, 'to=alice@recipient.example', '--format', 'markdown', '--dns-server', dns.address]);
    expect(markdown.code).toBe(EXIT_OK);
    expect(markdown.stdout).toMatch(/^## maildiag: admin\\@customer\.example → alice\\@recipient\.example\n\n\*\*Verdict: (PASS|WARN)\*\*/);
    expect(markdown.stdout).toContain('| status | check | summary |');
    expect(markdown.stderr).toBe('');
    const viaFormat = JSON.parse((await cli(['customer.example', '--format', 'JSON', '--layers', 'dns', '--dns-server', dns.address])).stdout) as ReportJson;
    const viaAlias = JSON.parse((await cli(['customer.example', '--json', '--layers', 'dns', '--dns-server', dns.address])).stdout) as ReportJson;
    expect(viaFormat.schemaVersion).toBe('1.0');
    expect({ ...viaFormat, runId: '', stats: undefined }).toEqual({ ...viaAlias, runId: '', stats: undefined });
  });

  it('marks AWS layers skipped with a reason when AWS is off', async () => {
    const { stdout } = await cli(['customer.example', '--json', '--dns-server', dns.address]);
    const json = JSON.parse(stdout) as ReportJson;
    for (const finding of json.findings.filter((f) => ['relay', 'ses', 'suppression'].includes(f.layer))) {
      expect(finding.status).toBe('skipped');
      expect(finding.summary).toMatch(/AWS credentials/);
    }
  });

  it('--layers leaves the other layers out', async () => {
    const before = dns.queries.length;
    const { stdout } = await cli(['customer.example', '--json', '--layers', 'recipient', '--dns-server', dns.address]);
    const json = JSON.parse(stdout) as ReportJson;
    expect(json.findings.filter((f) => f.layer === 'dns').every((f) => f.status === 'skipped')).toBe(true);
    expect(dns.queries.slice(before).some((q) => q.name === 'customer.example' && q.type === 'MX')).toBe(false);
  });

  it('exits 1 when a check could not run (SERVFAIL is "could not check", never "missing")', async () => {
    const { code, stdout } = await cli(['broken.example', '--json', '--layers', 'dns', '--dns-server', dns.address]);
    expect(code).toBe(EXIT_FAILED);
    const mx = (JSON.parse(stdout) as ReportJson).findings.find((f) => f.id === 'dns.mx');
    expect(mx?.status).toBe('error');
    expect(mx?.summary).toMatch(/SERVFAIL/);
  });

  it.each([
    [['not_a_domain!'], /is not a domain/],
    [['example.com', '--layers', 'smtp'], /unknown layer 'smtp'/],
    [['example.com', '--bogus'], /Unknown option '--bogus'/],
    [['example.com', '--region', 'mars-1'], /unknown AWS region/],
    [['example.com', '--dkim-tokens', 'x!'], /not an SES DKIM token/],
    [['example.com', '--format', 'yaml'], /unknown format 'yaml' in --format \(the formats are text, json, markdown\)/],
    [['example.com', '--json', '--format', 'markdown'], /--json contradicts --format markdown/],
    [['classify', '-', '--format', 'html'], /unknown format 'html'/],
    [['example.com'], /MAILDIAG_REGIONS unknown AWS region 'nowhere-1'/],
  ])('bad usage %j exits 2 with a clear message', async (args, message) => {
    const env: Record<string, string> = args.length === 1 && args[0] === 'example.com' ? { MAILDIAG_REGIONS: 'nowhere-1' } : {};
    const { code, stderr, stdout } = await cli([...args, '--dns-server', dns.address], env);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('prints usage with --help and exits 0; without arguments exits 2', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/^Usage:/);
    expect((await cli(['--help'])).code).toBe(EXIT_OK);
    const empty = await cli([]);
    expect(empty.code).toBe(EXIT_USAGE);
    expect(empty.stderr).toMatch(/^Usage:/);
  });
});

describe('maildiag CLI with bounce and thread input', () => {
  it('classify prints the interpretation of a DSN as JSON', async () => {
    const { code, stdout } = await cli(['classify', 'test/fixtures/exchange-ndr.eml', '--json']);
    expect(code).toBe(EXIT_OK);
    const json = JSON.parse(stdout) as { replies: Array<Record<string, unknown>> };
    expect(json.replies).toHaveLength(1);
    expect(json.replies[0]).toMatchObject({ recipient: 'alice@recipient.example', replyCode: '550', status: '5.4.1', provider: 'Exchange Online', layer: 'recipient', reason: 'userunknown' });
  });

  it('classify says "nothing recognised" for text without replies', async () => {
    let stdout = '';
    const code = await runCli(['classify', '-'], {
      stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
      stderr: { write: () => undefined },
      env: {},
      readStdin: async () => 'hello, the weather is nice',
    });
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/^Nothing recognised/);
  });

  it('--bounce adds the interpreted reply and, without to=, its recipient', async () => {
    const { stdout } = await cli(['customer.example', '--bounce', 'test/fixtures/exchange-ndr.eml', '--json', '--layers', 'recipient', '--dns-server', dns.address]);
    const json = JSON.parse(stdout) as ReportJson;
    expect(json.target.recipients).toEqual(['alice@recipient.example']);
    const reply = json.findings.find((f) => f.check === 'replies');
    expect(reply).toMatchObject({ layer: 'recipient', status: 'fail' });
  });

  it('--thread alone supplies sender, recipient, SMTP user, region and both replies', async () => {
    const { code, stdout } = await cli(['--thread', 'test/fixtures/canonical-thread.txt', '--json', '--layers', 'recipient', '--dns-server', dns.address]);
    expect(code).toBe(EXIT_FAILED);
    const json = JSON.parse(stdout) as ReportJson;
    expect(json.target).toMatchObject({
      senderDomain: 'customer.example',
      recipients: ['alice@recipient.example'],
      smtpUsers: ['AKIAROTATEDAWAY00001'],
      regions: ['us-east-1'],
    });
    expect(json.findings.filter((f) => f.check === 'replies').map((f) => `${f.layer}:${f.status}`).sort()).toEqual(['recipient:fail', 'relay:fail']);
  });

  it('a missing file is a usage error naming it', async () => {
    const { code, stderr } = await cli(['customer.example', '--bounce', 'no/such/file.eml']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/cannot read 'no\/such\/file\.eml': ENOENT/);
  });
});
