/**
 * SES SMTP password derivation (SigV4 style), as in the SES Developer Guide
 * "Obtaining Amazon SES SMTP credentials". Pure: the secret is an argument, the result is
 * returned and never stored or logged here.
 */
import { createHmac } from 'node:crypto';

/** Fixed inputs of the SES algorithm: a dummy date, the service, the terminal and the message. */
const DATE = '11111111';
const SERVICE = 'ses';
const TERMINAL = 'aws4_request';
const MESSAGE = 'SendRawEmail';
const VERSION = 0x04;

function hmac(key: Buffer | string, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** The SMTP password for `secretAccessKey` at `region`'s SES SMTP endpoint (44 chars, starts with "B"). */
export function deriveSmtpPassword(secretAccessKey: string, region: string): string {
  if (secretAccessKey === '') throw new RangeError('the secret access key is empty');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new RangeError(`'${region}' is not an AWS region name`);
  let signature = hmac(`AWS4${secretAccessKey}`, DATE);
  for (const part of [region, SERVICE, TERMINAL, MESSAGE]) signature = hmac(signature, part);
  return Buffer.concat([Buffer.from([VERSION]), signature]).toString('base64');
}
