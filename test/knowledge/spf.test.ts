import { describe, expect, it } from 'vitest';
import { includesDomain, ip4Ranges, parseSpfRecord, representativeIp4, selectSpfRecords } from '../../src/knowledge/spf.js';

describe('SPF record parsing', () => {
  it('parses terms, counts DNS-querying terms and finds the all qualifier', () => {
    const record = parseSpfRecord('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24 include:_spf.example.net exists:%{i}.x.example redirect=other.example -all');
    expect(record.errors).toEqual([]);
    expect(record.lookupTerms).toBe(5);
    expect(record.all).toBe('-');
    expect(record.includes).toEqual(['_spf.example.net']);
    expect(record.warnings.map((w) => w.code)).toEqual(['redirect-ignored']);
  });

  it.each([
    ['v=spf1 ip4:192.0.2.300 -all', 'not an IPv4 address'],
    ['v=spf1 ip4:192.0.2.0/33 -all', 'invalid IPv4 prefix length'],
    ['v=spf1 include -all', 'needs a domain'],
    ['v=spf1 foo:bar -all', 'unknown mechanism'],
    ['v=spf1 include:%{z}.example.com -all', 'malformed macro'],
    ['v=spf1 include:example -all', 'does not end in a domain name'],
    ['v=spf1 redirect=a.example redirect=b.example', 'more than once'],
    ['v=spf1 a:example.com\tmx -all', 'not printable ASCII'],
    ['spf1 -all', 'does not start with v=spf1'],
  ])('reports a syntax error in %s', (raw, message) => {
    expect(parseSpfRecord(raw).errors.join(' ')).toContain(message);
  });

  it.each([
    ['v=spf1 +all', 'plus-all'],
    ['v=spf1 ?all', 'neutral-all'],
    ['v=spf1 ptr -all', 'ptr'],
    ['v=spf1 include:a.example include:A.example. -all', 'duplicate-include'],
    ['v=spf1 ip4:192.0.2.1', 'no-all'],
    ['v=spf1 -all ip4:192.0.2.1', 'terms-after-all'],
  ])('warns about %s', (raw, code) => {
    const record = parseSpfRecord(raw);
    expect(record.errors).toEqual([]);
    expect(record.warnings.map((w) => w.code)).toContain(code);
  });

  it('selects only v=spf1 records', () => {
    expect(selectSpfRecords(['v=spf1 -all', 'v=spf10', 'google-site-verification=x', 'V=SPF1 ~all'])).toEqual(['v=spf1 -all', 'V=SPF1 ~all']);
  });

  it('lists ip4 ranges and picks an address inside each', () => {
    const record = parseSpfRecord('v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 ip4:192.0.2.7 -ip4:203.0.113.0/24 -all');
    expect(ip4Ranges(record)).toEqual(['199.255.192.0/22', '54.240.0.0/18', '192.0.2.7/32']);
    expect(ip4Ranges(record).map(representativeIp4)).toEqual(['199.255.192.1', '54.240.0.1', '192.0.2.7']);
    expect(representativeIp4('10.1.2.3/8')).toBe('10.0.0.1');
  });

  it('tells whether a record includes a domain', () => {
    expect(includesDomain(parseSpfRecord('v=spf1 include:AmazonSES.com ~all'), 'amazonses.com')).toBe(true);
    expect(includesDomain(parseSpfRecord('v=spf1 include:_spf.amazonses.com ~all'), 'amazonses.com')).toBe(false);
  });
});
