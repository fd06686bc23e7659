import { existsSync, readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { easyDkimRecord, parseDkimKeyRecord } from '../../src/knowledge/dkim.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';

const KEYS = path.join(CONFORMANCE_DIR, 'dkim/mailauth-ec-dns.json');

function rsaRecord(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return `v=DKIM1; k=rsa; p=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

describe('DKIM key records', () => {
  it('measures RSA key lengths', () => {
    expect(parseDkimKeyRecord(rsaRecord(2048))).toMatchObject({ keyType: 'rsa', rsaBits: 2048, errors: [], warnings: [] });
    const short = parseDkimKeyRecord(rsaRecord(1024));
    expect(short.rsaBits).toBe(1024);
    expect(short.warnings.join(' ')).toContain('2048 bits is recommended');
    expect(parseDkimKeyRecord(rsaRecord(512)).errors.join(' ')).toContain('under 1024 bits');
  });

  it('tells a revoked key from a missing p= and from garbage', () => {
    expect(parseDkimKeyRecord('v=DKIM1; p=')).toMatchObject({ revoked: true, errors: [] });
    expect(parseDkimKeyRecord('v=DKIM1; k=rsa').errors.join(' ')).toContain('p= tag (public key) is missing');
    expect(parseDkimKeyRecord('v=DKIM1; p=bm90IGEga2V5').errors.join(' ')).toContain('does not decode');
    expect(parseDkimKeyRecord('v=DKIM2; p=').errors.join(' ')).toContain('not DKIM1');
  });

  it('names the Easy DKIM CNAME', () => {
    expect(easyDkimRecord('abc', 'example.com', 'dkim.amazonses.com')).toEqual({ name: 'abc._domainkey.example.com', target: 'abc.dkim.amazonses.com' });
  });

  (existsSync(KEYS) ? describe : describe.skip)(
    existsSync(KEYS) ? 'mailauth key fixtures' : `mailauth key fixtures: skipped, ${KEYS} not found (mailauth's test fixtures; set MAILDIAG_CONFORMANCE_DIR)`,
    () => {
      const zone = existsSync(KEYS) ? (JSON.parse(readFileSync(KEYS, 'utf8')) as Record<string, { TXT: string[][] }>) : {};
      const keyRecord = (name: string): string => zone[name]?.TXT[0]?.join('') ?? '';
      it('parses the Ed25519 key (RFC 8463 example)', () => {
        expect(parseDkimKeyRecord(keyRecord('brisbane._domainkey.football.example.com'))).toMatchObject({ keyType: 'ed25519', errors: [], revoked: false });
      });
      it('parses the split RSA key as 1024 bits', () => {
        const key = parseDkimKeyRecord(keyRecord('test._domainkey.football.example.com'));
        expect(key).toMatchObject({ keyType: 'rsa', rsaBits: 1024, errors: [] });
      });
    },
  );
});
