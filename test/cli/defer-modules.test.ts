/**
 * The CLI's deferral of mailparser's html-to-text and linkify-it (src/cli/defer-modules.ts)
 * changes when they load, never what mailparser does: the same messages parsed with every
 * option that uses them (HTML to text, text to HTML with links) give the same result with the
 * hook as without, in two processes of the built code. And with the options maildiag's bounce
 * reader uses, neither package loads at all.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFER = pathToFileURL(join(root, 'dist', 'cli', 'defer-modules.js')).href;

const HTML_MESSAGE = [
  'From: "Mail Delivery System" <MAILER-DAEMON@mx.example.net>',
  'To: admin@customer.example',
  'Subject: Undelivered Mail',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><h1>Delivery failed</h1><p>Your message to <a href="mailto:bob@example.net">bob@example.net</a> was rejected:</p>',
  '<pre>550 5.1.1 user unknown</pre><ul><li>see https://support.example.net/ndr?id=1</li><li>@maildiag</li></ul></body></html>',
  '',
].join('\r\n');

const TEXT_MESSAGE = [
  'From: postmaster@mx.example.net',
  'To: admin@customer.example',
  'Subject: Returned mail',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Visit https://status.example.net/incidents or www.example.org, mail help@example.net,',
  'ping @maildiag_bot, and not ftp://old.example.net/file or git://code.example.net/repo.',
  '',
].join('\r\n');

/**
 * Parses both messages in a fresh process of the built code; with `defer`, the CLI's hook is
 * on. Prints the results and which of the two packages were loaded (require's cache: the
 * stand-ins load them with require()).
 */
function parseInChild(options: { defer: boolean; mailparserOptions: object }): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `
    ${options.defer ? `(await import(${JSON.stringify(DEFER)})).deferUnusedMailparserModules();` : ''}
    const { simpleParser } = await import('mailparser');
    const out = [];
    for (const raw of ${JSON.stringify([HTML_MESSAGE, TEXT_MESSAGE])}) {
      const mail = await simpleParser(Buffer.from(raw), ${JSON.stringify(options.mailparserOptions)});
      out.push({ text: mail.text, html: mail.html, textAsHtml: mail.textAsHtml, subject: mail.subject });
    }
    const { createRequire } = await import('node:module');
    const cached = Object.keys(createRequire(process.cwd() + '/').cache);
    const loaded = ['html-to-text', 'linkify-it'].filter((name) => cached.some((file) => file.includes('/node_modules/' + name + '/')));
    process.stdout.write(JSON.stringify({ out, loaded }));
  `;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: root, env: { PATH: process.env.PATH ?? '' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('deferring mailparser’s html-to-text and linkify-it', () => {
  it('gives what mailparser gives without it, when its options use both packages', async () => {
    const everything = { skipImageLinks: false, skipTextToHtml: false, skipHtmlToText: false, skipTextLinks: false };
    const [plain, deferred] = await Promise.all([parseInChild({ defer: false, mailparserOptions: everything }), parseInChild({ defer: true, mailparserOptions: everything })]);
    expect(plain.stderr).toBe('');
    expect(deferred.stderr).toBe('');
    const { out, loaded } = JSON.parse(deferred.stdout) as { out: Array<{ text: string; textAsHtml: string }>; loaded: string[] };
    // Both packages did their work, loaded by the stand-ins: the HTML became text, the text's links anchors.
    expect(loaded).toEqual(['html-to-text', 'linkify-it']);
    expect(out[0]?.text).toContain('DELIVERY FAILED');
    expect(out[1]?.textAsHtml).toContain('<a href="https://status.example.net/incidents">');
    expect(out[1]?.textAsHtml).toContain('<a href="https://twitter.com/maildiag_bot">');
    expect(out).toEqual((JSON.parse(plain.stdout) as { out: unknown[] }).out);
  });

  it('loads neither with the options the bounce reader uses', async () => {
    const bounceReader = { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true, skipTextLinks: true };
    const [plain, deferred] = await Promise.all([parseInChild({ defer: false, mailparserOptions: bounceReader }), parseInChild({ defer: true, mailparserOptions: bounceReader })]);
    expect(deferred.stderr).toBe('');
    const result = JSON.parse(deferred.stdout) as { out: unknown[]; loaded: string[] };
    expect(result.loaded).toEqual([]);
    expect(result.out).toEqual((JSON.parse(plain.stdout) as { out: unknown[] }).out);
  });
});
