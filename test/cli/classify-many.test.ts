/** `maildiag classify` over several files and folders, and `--summary`. */
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli } from '../../src/cli/run.js';

async function cli(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    env: {},
    readStdin: async () => stdin,
  });
  return { code, stdout, stderr };
}

function mailbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maildiag-classify-'));
  copyFileSync('test/fixtures/exchange-ndr.eml', join(dir, 'a-exchange.eml'));
  writeFileSync(join(dir, 'b-postfix.txt'), '<bob@example.org>: host mx.example.org[192.0.2.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)\n');
  writeFileSync(join(dir, 'c-letter.txt'), 'Hello, how are you?\n');
  writeFileSync(join(dir, '.hidden'), '550 5.1.1 skipped\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'd-gmail.txt'), "550-5.7.26 Unauthenticated email from acme.example is not accepted due to domain's DMARC policy. - gsmtp\n");
  return dir;
}

describe('maildiag classify with several inputs', () => {
  it('reads a folder (sorted, recursive, hidden files skipped) and prints each file', async () => {
    const dir = mailbox();
    const { code, stdout } = await cli(['classify', dir]);
    expect(code).toBe(EXIT_OK);
    const headers = stdout.split('\n').filter((line) => line.startsWith('== '));
    expect(headers.map((line) => line.slice(line.lastIndexOf('/') + 1))).toEqual(['a-exchange.eml', 'b-postfix.txt', 'c-letter.txt', 'd-gmail.txt']);
    expect(stdout).toMatch(/sisimai mailboxfull/);
    expect(stdout).toMatch(/Nothing recognised/);
  });

  it('--summary counts replies per reason and per layer', async () => {
    const dir = mailbox();
    const { code, stdout } = await cli(['classify', dir, '--summary', '--json']);
    expect(code).toBe(EXIT_OK);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      files: 4,
      recognised: 3,
      unreadable: 0,
      replies: 3,
      byReason: { userunknown: 1, mailboxfull: 1, authfailure: 1 },
      byLayer: { recipient: 2, dns: 1 },
    });
    const text = await cli(['classify', dir, '--summary']);
    expect(text.stdout).toMatch(/^4 file\(s\): 3 with a recognised reply, 1 with none, 0 unreadable/);
    expect(text.stdout).toMatch(/By layer:\n {2}dns +1\n {2}recipient +2/);
  });

  it('takes several files and stdin, as JSON per file', async () => {
    const dir = mailbox();
    const { code, stdout } = await cli(['classify', join(dir, 'b-postfix.txt'), '-', '--json'], '550 5.1.1 <x@example.net>... User unknown\n');
    expect(code).toBe(EXIT_OK);
    const files = JSON.parse(stdout) as Array<{ file: string; replies: Array<{ reason: string }> }>;
    expect(files.map((file) => [file.file.endsWith('b-postfix.txt') ? 'b' : file.file, file.replies[0]?.reason])).toEqual([
      ['b', 'mailboxfull'],
      ['(stdin)', 'userunknown'],
    ]);
  });

  it('a missing path is bad usage (exit 2); stdin twice is refused', async () => {
    const missing = await cli(['classify', '/nonexistent/maildiag-folder', '--summary']);
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toMatch(/cannot read '\/nonexistent\/maildiag-folder': ENOENT/);
    const twice = await cli(['classify', '-', '-']);
    expect(twice.code).toBe(EXIT_USAGE);
    expect(twice.stderr).toMatch(/can be given once/);
  });

  it('an unreadable file in a folder is reported and sets exit 1; the others still run', async () => {
    const dir = mailbox();
    symlinkSync(join(dir, 'no-such-target.eml'), join(dir, 'e-broken-link.eml'));
    const summary = await cli(['classify', dir, '--summary', '--json']);
    expect(summary.code).toBe(EXIT_FAILED);
    expect(JSON.parse(summary.stdout)).toMatchObject({ files: 5, recognised: 3, unreadable: 1 });
    const listing = await cli(['classify', dir]);
    expect(listing.code).toBe(EXIT_FAILED);
    expect(listing.stdout).toMatch(/e-broken-link\.eml\ncannot read: ENOENT/);
    expect(listing.stdout).toMatch(/sisimai mailboxfull/);
  });
});
