/** Log redaction: every secret-bearing field name, at the top and one or two levels down, in log objects, bindings and errors. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CENSOR, createLogger, redactSecrets, SECRET_FIELDS } from '../src/log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ destination, level: 'debug' }) };
}

describe('log redaction', () => {
  it('censors every secret field at the top, one level down and two levels down', () => {
    const { lines, log } = capture();
    for (const field of SECRET_FIELDS) {
      log.info({ [field]: 'top-value', a: { [field]: 'one-down', keep: 1 }, b: { c: { [field]: 'two-down', keep: 2 } } }, 'line');
    }
    expect(lines).toHaveLength(SECRET_FIELDS.length);
    for (const [i, field] of SECRET_FIELDS.entries()) {
      expect(lines[i]).toMatchObject({ [field]: CENSOR, a: { [field]: CENSOR, keep: 1 }, b: { c: { [field]: CENSOR, keep: 2 } }, msg: 'line' });
    }
    expect(JSON.stringify(lines)).not.toMatch(/top-value|one-down|two-down/);
  });

  it('censors request headers, arrays, child bindings and fields of logged errors, and never changes the logged object', () => {
    const { lines, log } = capture();
    const request = { req: { headers: { authorization: 'Bearer abc', 'x-slack-signature': 'v0=abc', cookie: 'c=1', host: 'h' } } };
    log.info(request, 'request');
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: CENSOR, 'x-slack-signature': CENSOR, cookie: CENSOR, host: 'h' } } });
    expect(request.req.headers.authorization).toBe('Bearer abc');

    log.info({ users: [{ password: 'p1' }, { name: 'n' }] }, 'array');
    expect(lines[1]).toMatchObject({ users: [{ password: CENSOR }, { name: 'n' }] });

    log.child({ botToken: 'xoxb-1', runId: 'r1', aws: { secretAccessKey: 'sk' } }).info('child');
    expect(lines[2]).toMatchObject({ botToken: CENSOR, runId: 'r1', aws: { secretAccessKey: CENSOR } });

    const error = Object.assign(new Error('boom'), { credentials: { accessKeyId: 'AKIA' }, config: { password: 'pw' } });
    log.error({ err: error }, 'failed');
    log.error(error);
    for (const line of [lines[3], lines[4]]) {
      expect(line).toMatchObject({ err: { type: 'Error', message: 'boom', credentials: CENSOR, config: { password: CENSOR } } });
      expect(String((line?.err as { stack?: unknown } | undefined)?.stack)).toContain('boom');
    }
    expect(JSON.stringify(lines)).not.toMatch(/xoxb-1|"sk"|Bearer abc|v0=abc|AKIA|"pw"|"p1"/);
  });

  it('returns objects without secrets as they are (no copy)', () => {
    const plain = { a: { b: { c: 1 } }, list: [1, 2] };
    expect(redactSecrets(plain)).toBe(plain);
    expect(redactSecrets({ when: new Date(0) }).when).toBeInstanceOf(Date);
  });
});
