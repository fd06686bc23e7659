import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpProber, sesSmtpEndpoint } from '../../src/io/smtp-probe.js';
import { deriveSmtpPassword } from '../../src/knowledge/smtp-password.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const USERNAME = 'AKIACURRENTKEY000002';
const SECRET = 'tEsTsEcReT/CurrentKeyOnlyForLoopback0000';
const PASSWORD = deriveSmtpPassword(SECRET, 'us-east-1');

let server: TestSmtpServer;
beforeAll(async () => {
  server = await startSmtpServer({ credential: { username: USERNAME, password: PASSWORD } });
});
afterAll(() => server.close());
beforeEach(() => {
  server.setCredential({ username: USERNAME, password: PASSWORD });
  server.setAuthReply(undefined);
});

const target = () => ({ host: server.host, port: server.port, region: 'us-east-1' });

describe('SMTP prober against a real smtp-server on loopback', () => {
  it('reads the banner, EHLO keywords, STARTTLS and TLS facts without authenticating', async () => {
    const result = await createSmtpProber({ tls: { ca: server.ca } }).probe(target());
    expect(result.failedStage).toBeUndefined();
    expect(result.connected).toBe(true);
    expect(result.banner?.code).toBe(220);
    expect(result.banner?.text).toContain('SimpleEmailService-loopback');
    expect(result.extensionsBeforeTls).toContain('STARTTLS');
    expect(result.extensionsAfterTls.some((k) => k.startsWith('AUTH') && k.includes('PLAIN'))).toBe(true);
    expect(result.tls).toMatchObject({ authorized: true, certificate: { subject: 'localhost' } });
    expect(result.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(result.auth).toBeUndefined();
    expect(server.sessions.at(-1)?.auths).toEqual([]);
  });

  it('authenticates with the derived password held in memory (235)', async () => {
    const prober = createSmtpProber({ tls: { ca: server.ca }, credentialFor: (region) => (region === 'us-east-1' ? { username: USERNAME, password: PASSWORD } : undefined) });
    const result = await prober.probe(target());
    expect(result.auth).toMatchObject({ username: USERNAME, mechanism: 'PLAIN', accepted: true, reply: { code: 235 } });
    expect(server.sessions.at(-1)?.auths).toEqual([{ method: 'PLAIN', username: USERNAME, accepted: true }]);
  });

  it('gets 535 Authentication Credentials Invalid for a password of another region, and never reports the password', async () => {
    const wrong = deriveSmtpPassword(SECRET, 'eu-west-1');
    const result = await createSmtpProber({ tls: { ca: server.ca } }).probe({ ...target(), credential: { username: USERNAME, password: wrong } });
    expect(result.auth).toMatchObject({ accepted: false, reply: { code: 535, text: 'Authentication Credentials Invalid' } });
    const serialized = JSON.stringify(result);
    expect(serialized).not.toContain(wrong);
    expect(serialized).not.toContain(Buffer.from(`\0${USERNAME}\0${wrong}`).toString('base64'));
    expect(result.transcript).toContain('C: AUTH PLAIN [credential withheld]');
  });

  it('passes a forced 454 reply through', async () => {
    server.setAuthReply({ code: 454, message: 'Temporary authentication failure' });
    const result = await createSmtpProber({ tls: { ca: server.ca } }).probe({ ...target(), credential: { username: USERNAME, password: PASSWORD } });
    expect(result.auth?.reply).toEqual({ code: 454, text: 'Temporary authentication failure' });
  });

  it('reports an untrusted certificate as a TLS fact and does not authenticate', async () => {
    const result = await createSmtpProber().probe({ ...target(), credential: { username: USERNAME, password: PASSWORD } });
    expect(result.failedStage).toBe('tls');
    expect(result.tls?.authorized).toBe(false);
    expect(result.tls?.authorizationError).toMatch(/SELF_SIGNED|self[- ]signed/i);
    // No host name check ran (verification failed first): the facts are read from the socket.
    expect(result.tls?.certificate).toMatchObject({ subject: 'localhost', subjectAltNames: expect.arrayContaining([expect.stringMatching(/localhost/)]) });
    expect(result.tls?.certificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(result.auth).toBeUndefined();
  });

  it('reports a certificate for another host name as untrusted, with its facts', async () => {
    const result = await createSmtpProber({ tls: { ca: server.ca } }).probe({ ...target(), servername: 'email-smtp.eu-west-1.amazonaws.com' });
    expect(result.failedStage).toBe('tls');
    expect(result.tls).toMatchObject({ authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID', certificate: { subject: 'localhost' } });
    expect(result.tls?.certificate?.validTo).toMatch(/GMT$/);
  });

  it('reports a refused connection at the connect stage', async () => {
    const closed = await startSmtpServer();
    const port = closed.port;
    await closed.close();
    const result = await createSmtpProber({ tls: { ca: server.ca } }).probe({ host: '127.0.0.1', port });
    expect(result).toMatchObject({ connected: false, failedStage: 'connect' });
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('reports an endpoint without STARTTLS', async () => {
    const plain = await startSmtpServer({ disableStartTls: true });
    try {
      const result = await createSmtpProber({ tls: { ca: plain.ca } }).probe({ host: plain.host, port: plain.port });
      expect(result.failedStage).toBe('starttls');
      expect(result.extensionsBeforeTls).not.toContain('STARTTLS');
    } finally {
      await plain.close();
    }
  });

  it('names the SES endpoint of a region', () => {
    expect(sesSmtpEndpoint('eu-west-1')).toEqual({ host: 'email-smtp.eu-west-1.amazonaws.com', port: 587 });
  });
});
