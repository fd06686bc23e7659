/**
 * DKIM key records (RFC 6376 section 3.6.1, RFC 8463 for Ed25519), pure: tags, key type,
 * whether a key is present or revoked, and the RSA modulus length.
 */
import { createPublicKey } from 'node:crypto';

export interface DkimKeyRecord {
  raw: string;
  tags: Record<string, string>;
  /** k=, default rsa. */
  keyType: string;
  /** p= without whitespace; empty means the key was revoked. */
  publicKey: string;
  revoked: boolean;
  /** Modulus length for RSA keys that decode. */
  rsaBits?: number;
  /** t=y: the domain is testing DKIM. */
  testing: boolean;
  errors: string[];
  warnings: string[];
}

export const MIN_RSA_BITS = 1024;
export const RECOMMENDED_RSA_BITS = 2048;

export function parseDkimKeyRecord(raw: string): DkimKeyRecord {
  const tags: Record<string, string> = {};
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const part of raw.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      errors.push(`'${trimmed}' is not a tag=value pair`);
      continue;
    }
    tags[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  if (tags.v !== undefined && tags.v !== 'DKIM1') errors.push(`v=${tags.v} is not DKIM1`);
  const keyType = (tags.k ?? 'rsa').toLowerCase();
  const publicKey = (tags.p ?? '').replace(/\s+/g, '');
  const record: DkimKeyRecord = {
    raw,
    tags,
    keyType,
    publicKey,
    revoked: tags.p !== undefined && publicKey === '',
    testing: (tags.t ?? '').split(':').some((flag) => flag.trim() === 'y'),
    errors,
    warnings,
  };
  if (tags.p === undefined) {
    errors.push('the p= tag (public key) is missing');
    return record;
  }
  if (record.revoked) return record;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(publicKey)) {
    errors.push('p= is not base64');
    return record;
  }
  const der = Buffer.from(publicKey, 'base64');
  if (keyType === 'rsa') {
    try {
      const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (key.asymmetricKeyType !== 'rsa' || bits === undefined) errors.push('p= is not an RSA public key');
      else record.rsaBits = bits;
    } catch {
      errors.push('p= does not decode as an RSA public key');
    }
    if (record.rsaBits !== undefined && record.rsaBits < MIN_RSA_BITS) {
      errors.push(`the RSA key has ${record.rsaBits} bits; receivers reject keys under ${MIN_RSA_BITS} bits`);
    } else if (record.rsaBits !== undefined && record.rsaBits < RECOMMENDED_RSA_BITS) {
      warnings.push(`the RSA key has ${record.rsaBits} bits; ${RECOMMENDED_RSA_BITS} bits is recommended`);
    }
  } else if (keyType === 'ed25519') {
    if (der.length !== 32) errors.push(`an Ed25519 key is 32 bytes, this one ${der.length}`);
  } else {
    errors.push(`k=${tags.k} is not a key type receivers know (rsa or ed25519)`);
  }
  if (record.testing) warnings.push('t=y: the domain says it is testing DKIM; some receivers treat signatures as unsigned');
  return record;
}

/** The CNAME SES Easy DKIM needs for one token. */
export function easyDkimRecord(token: string, domain: string, signingHostedZone: string): { name: string; target: string } {
  return { name: `${token}._domainkey.${domain}`, target: `${token}.${signingHostedZone}` };
}
