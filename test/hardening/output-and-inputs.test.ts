/**
 * Issue 12, defects 5-8 and the NUL label: hostile DNS data in the terminal and in Slack,
 * unbounded files and stdin, DNS servers given as hostnames.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE, runCli } from '../../src/cli/run.js';
import { loadAppConfig, loadEngineConfig } from '../../src/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { DnsLookupError } from '../../src/core/ports.js';
import { escapeControls, hasActiveControl, oneLine } from '../../src/core/sanitize.js';
import { createWireDnsClient } from '../../src/io/dns-wire.js';
import { escapeMrkdwn, inlineCode } from '../../src/slack/render/mrkdwn.js';
import { startDnsServer, type TestDnsServer, type ZoneData } from '../support/dns-server.js';
import { canonicalZones, SENDER_DOMAIN } from '../support/scenarios/canonical-dns.js';
import { commandFields } from '../support/slack-requests.js';
import { CHANNEL, type Harness, SECRETS, startHarness, USER } from '../slack/harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ESC = '\u001b';
const HOSTILE_TXT = `v=spf1 include:amazonses.com ${ESC}[2J${ESC}]0;pwned\u0007${ESC}[8mhidden\u202etxt.exe\u009b31m -all`;
const FORGED = '\n:white_check_mark: *Relay: all checks passed*\n';

function hostileZone(): ZoneData {
  const zone = canonicalZones();
  const base = zone[SENDER_DOMAIN];
  const records = (Array.isArray(base) ? base : []).filter((r) => r.type !== 'TXT' && r.type !== 'MX');
  zone[SENDER_DOMAIN] = [
    ...records,
    { type: 'TXT', value: HOSTILE_TXT },
    { type: 'TXT', value: 'verification=```' },
    { type: 'TXT', value: 'verification=*pwned* _pwned_ ~pwned~ `pwned' },
    { type: 'MX', value: { exchange: `mx${FORGED}.evil.example`, priority: 10 } },
  ];
  return zone;
}

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({ zone: hostileZone() });
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
    env: { MAILDIAG_AWS: 'off', MAILDIAG_DNS_TIMEOUT_MS: '300', ...env },
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

describe('escape sequences from DNS never reach the terminal (defect 5)', () => {
  it.each([['--no-color'], ['--color'], ['--verbose']])('text report with %s', async (flag) => {
    const { stdout } = await cli([SENDER_DOMAIN, '--layers', 'dns', '--dns-server', dns.address, flag, '--verbose']);
    expect(stdout).toContain('include:amazonses.com');
    // Our own colour codes are the only ESC bytes, and only with --color.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these tests look for control characters
    const withoutOurColours = stdout.replace(/\u001b\[(?:\d+)m/g, '');
    expect(withoutOurColours).not.toContain(ESC);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these tests look for control characters
    expect(stdout).not.toMatch(/[\u0007\u009b\u202e]/);
    expect(stdout).toContain('\\x1b[2J');
    expect(stdout).toContain('\\u202e');
    // The forged line from the MX label never stands on its own line.
    expect(stdout.split('\n').some((line) => line.startsWith(':white_check_mark:'))).toBe(false);
  });

  it('markdown report too', async () => {
    const { stdout } = await cli([SENDER_DOMAIN, '--layers', 'dns', '--dns-server', dns.address, '--format', 'markdown']);
    expect(stdout).not.toContain(ESC);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these tests look for control characters
    expect(stdout).not.toMatch(/[\u0007\u009b\u202e]/);
  });
});

describe('newlines and code fences from DNS in Slack (defect 6)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the MX label cannot start a line of its own and the TXT fence cannot swallow the section', async () => {
    h = await startHarness({ zone: hostileZone() });
    const finished = h.nextRun();
    await h.requests.command(commandFields({ text: SENDER_DOMAIN, channel: CHANNEL, user: USER, responseUrl: h.slack.responseUrl('c') }));
    await finished;
    const texts: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'text' && typeof value === 'string') texts.push(value);
          else collect(value);
        }
      }
    };
    for (const call of h.slack.ok('chat.postMessage').concat(h.slack.ok('chat.update'))) collect(call.args.blocks);
    expect(texts.join('\n')).toContain('evil.example');
    expect(texts.join('\n')).toContain('pwned');
    for (const text of texts) {
      for (const line of text.split('\n')) expect(line.startsWith(':white_check_mark: *Relay')).toBe(false);
      expect(text).not.toContain('```');
      expect(hasActiveControl(text)).toBe(false);
      // Outside code spans no formatting character from DNS survives: no bold, italic, strike or code around the report.
      const outsideCode = text.replace(/`[^`\n]+`/g, ' ');
      expect(outsideCode).not.toContain('*Relay: all checks passed*');
      expect(outsideCode).not.toMatch(/[*_~`]pwned|pwned[*_~`]/);
    }
    expect(JSON.stringify(texts)).not.toContain(SECRETS.botToken);
  });
});

describe('escaper tables (defects 5 and 6)', () => {
  const classes: Array<[string, string]> = [
    ['C0 escape (ESC)', `a${ESC}[2Jb`],
    ['bell', 'a\u0007b'],
    ['carriage return', 'good\rBAD'],
    ['DEL', 'a\u007fb'],
    ['C1 CSI', 'a\u009b31mb'],
    ['bidi override', 'abc\u202etxt.exe'],
    ['bidi isolate', 'a\u2066b\u2069'],
    ['line separator', 'a\u2028b'],
    ['newline', `mx${FORGED}`],
    ['code fence', 'x```y'],
    ['mention', '<!channel> @here'],
    ['link', '<https://evil.example|click>'],
    ['ampersand', 'a &amp; b'],
  ];

  it.each(classes)('escapeMrkdwn neutralises %s', (_name, input) => {
    const out = escapeMrkdwn(input);
    expect(hasActiveControl(out)).toBe(false);
    expect(out).not.toContain('\n');
    expect(out).not.toContain('```');
    expect(out).not.toMatch(/[<>]/);
    expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it.each(classes)('inlineCode keeps %s inside one code span', (_name, input) => {
    const out = inlineCode(input, 200);
    expect(out.startsWith('`') && out.endsWith('`')).toBe(true);
    expect(out.slice(1, -1)).not.toContain('`');
    expect(out).not.toContain('\n');
    expect(hasActiveControl(out)).toBe(false);
  });

  it.each(classes)('the terminal escapers neutralise %s', (_name, input) => {
    expect(hasActiveControl(oneLine(input))).toBe(false);
    expect(oneLine(input)).not.toContain('\n');
    expect(hasActiveControl(escapeControls(input))).toBe(false);
  });

  it('shows what it escaped', () => {
    expect(oneLine(`a${ESC}[2J\u202e`)).toBe('a\\x1b[2J\\u202e');
    expect(escapeMrkdwn('mx\n:x: *bold*')).toBe('mx ⏎ :x: ∗bold∗');
  });
});

describe('unbounded reads in the CLI (defect 7)', () => {
  function runMain(args: string[], stdin?: (write: (chunk: string) => boolean) => void) {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'src/cli/main.ts'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-maildiag-test-home', MAILDIAG_AWS: 'off' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.resume();
    child.stdin.on('error', () => undefined);
    if (stdin) stdin((chunk) => child.stdin.write(chunk));
    else child.stdin.end();
    return new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  }

  it('--bounce /dev/zero stops at the limit with a clear message and exit 2', async () => {
    const { code, stderr } = await runMain(['customer.example', '--layers', 'dns', '--dns-server', dns.address, '--bounce', '/dev/zero']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain("'/dev/zero' is larger than 4 MiB");
    expect(stderr).not.toContain('    at ');
  });

  it('`yes | maildiag classify -` stops at the limit with exit 2, no RangeError', async () => {
    const line = 'y\n'.repeat(64 * 1024);
    const { code, stderr } = await runMain(['classify', '-'], (write) => {
      // Writes until the CLI closes its end: an endless producer, like `yes`.
      const pump = (): void => {
        while (write(line)) {
          /* keep writing while the pipe takes it */
        }
      };
      pump();
      const timer = setInterval(pump, 1);
      setTimeout(() => clearInterval(timer), 15_000).unref();
      timer.unref();
    });
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('standard input is larger than 4 MiB');
    expect(stderr).not.toContain('RangeError');
  });
});

describe('DNS servers given as hostnames (defect 8)', () => {
  it('--dns-server dns.example:53 is a usage error (exit 2), not a TypeError', async () => {
    const { code, stderr } = await cli([SENDER_DOMAIN, '--dns-server', 'dns.example:53']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain("DNS server 'dns.example:53' is not an IP address");
  });

  it('MAILDIAG_DNS_SERVERS=dns.example.com is a configuration error naming the variable', () => {
    const env = { SLACK_BOT_TOKEN: SECRETS.botToken, SLACK_SIGNING_SECRET: SECRETS.signingSecret, MAILDIAG_DNS_SERVERS: '1.1.1.1, dns.example.com' };
    expect(() => loadAppConfig(env)).toThrow(ConfigError);
    expect(() => loadAppConfig(env)).toThrow(/MAILDIAG_DNS_SERVERS must list IP addresses .*'dns\.example\.com'/);
    expect(loadEngineConfig({ MAILDIAG_DNS_SERVERS: '127.0.0.1:5353 [::1]:53' }).dns.servers).toEqual(['127.0.0.1:5353', '[::1]:53']);
  });
});

describe('a label with a NUL byte (smaller)', () => {
  it('is refused at once as an invalid name, without a query', async () => {
    const before = dns.queries.length;
    const client = createWireDnsClient({ servers: [dns.address], timeoutMs: 5_000, tries: 1 });
    const error = await client.resolve('bad\u0000label.example', 'TXT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DnsLookupError);
    expect((error as DnsLookupError).dnsCode).toBe('BADNAME');
    expect(dns.queries.length).toBe(before);
  });
});
