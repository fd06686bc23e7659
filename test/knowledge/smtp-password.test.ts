import { describe, expect, it } from 'vitest';
import { deriveSmtpPassword } from '../../src/knowledge/smtp-password.js';

// Every vector of KNOWLEDGE.md section 1.
const VECTORS: Array<[region: string, secret: string, password: string]> = [
  ['eu-central-1', 'some+secret+key', 'BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2'],
  ['eu-central-1', 'another+secret+key', 'BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh'],
  ['us-west-1', 'some+secret+key', 'BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj'],
  ['us-west-1', 'another+secret+key', 'BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF'],
  ['us-east-1', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9'],
];

describe('deriveSmtpPassword', () => {
  it.each(VECTORS)('derives the published password for %s / %s', (region, secret, password) => {
    expect(deriveSmtpPassword(secret, region)).toBe(password);
  });

  it('always yields 44 characters starting with B (version byte 0x04)', () => {
    for (const [region, secret] of VECTORS) {
      const password = deriveSmtpPassword(secret, region);
      expect(password).toHaveLength(44);
      expect(password.startsWith('B')).toBe(true);
    }
  });

  it('differs per region, so a password derived for one region fails at another', () => {
    expect(deriveSmtpPassword('some+secret+key', 'us-east-1')).not.toBe(deriveSmtpPassword('some+secret+key', 'us-west-1'));
  });

  it('rejects an empty secret and a malformed region without echoing the secret', () => {
    expect(() => deriveSmtpPassword('', 'us-east-1')).toThrow(RangeError);
    let message = '';
    try {
      deriveSmtpPassword('top+secret', 'US East');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('US East');
    expect(message).not.toContain('top+secret');
  });
});
