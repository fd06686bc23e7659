import { describe, expect, it } from 'vitest';
import { isAligned, looksLikeDmarcRecord, organizationalDomain, parseDmarcRecord } from '../../src/knowledge/dmarc.js';

describe('DMARC record parsing', () => {
  it('reads every tag with defaults', () => {
    const result = parseDmarcRecord('v=DMARC1; p=Reject; rua=mailto:a@example.com,mailto:b@example.net!10m; aspf=s');
    expect(result.status).toBe('ok');
    expect(result.record).toMatchObject({ p: 'reject', sp: 'reject', pct: 100, adkim: 'r', aspf: 's', rua: ['mailto:a@example.com', 'mailto:b@example.net!10m'] });
  });

  it.each([
    ['v=DMARC1; p=none; sp=bob', 'sp=bob'],
    ['v=DMARC1; p=none; pct=-1', 'pct=-1'],
    ['v=DMARC1; p=none; pct=50.5', 'pct=50.5'],
    ['v=DMARC1; p=none; rua=dmarc@example.com', 'is not a URI'],
    ['v=DMARC1; p=none; fo=2', 'fo=2'],
  ])('rejects %s', (raw, message) => {
    const result = parseDmarcRecord(raw);
    expect(result.status).toBe('bad-value');
    expect(result.errors.join(' ')).toContain(message);
  });

  it('requires v=DMARC1 first', () => {
    expect(parseDmarcRecord('p=none; v=DMARC1').status).toBe('bad-version');
    expect(looksLikeDmarcRecord('v=DMARC1; p=none')).toBe(true);
    expect(looksLikeDmarcRecord('v=spf1 -all')).toBe(false);
  });

  it('finds organizational domains by the Public Suffix List', () => {
    expect(organizationalDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(organizationalDomain('mail.example.com')).toBe('example.com');
    expect(isAligned('bounce.example.com', 'example.com', 'r')).toBe(true);
    expect(isAligned('bounce.example.com', 'example.com', 's')).toBe(false);
    expect(isAligned('x.amazonses.com', 'example.com', 'r')).toBe(false);
  });
});
