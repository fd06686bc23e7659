import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { InputError } from './errors.js';
import type { InterpretedReply } from './replies.js';
import { MAX_COMMAND_TEXT, TARGET_CAPS } from './limits.js';
import { isSesRegion } from './regions.js';

/** What a diagnosis run is about. Built from slash-command text, CLI flags or a ticket thread. */
export interface Target {
  /** ASCII (punycode) form of the sending domain. */
  senderDomain: string;
  senderAddress?: string;
  recipients: string[];
  /** Regions named in the input; empty means "use the configured regions". */
  regions: string[];
  /** SMTP usernames (IAM access key ids) to check. */
  smtpUsers: string[];
  mailFromDomain?: string;
  dkimTokens?: string[];
  dkimSelector?: string;
  /** SES message ids found in the input. */
  messageIds: string[];
  /** Regions of the SES SMTP endpoints the input shows the relay connecting to (email-smtp.<region>...). */
  relayEndpointRegions?: string[];
  /** Replies interpreted from a bounce or thread text. */
  replies: InterpretedReply[];
  /** Why the sender and recipients were chosen (thread extraction fills this). */
  notes: string[];
}

export function emptyTarget(senderDomain: string): Target {
  return { senderDomain, recipients: [], regions: [], smtpUsers: [], messageIds: [], replies: [], notes: [] };
}

const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
const TEMPORARY_KEY_ID = /^ASIA[A-Z0-9]{16}$/;
const LOCAL_PART = /^[^\s@<>()[\]\\,;:"]{1,64}$/;
const OPTION_NAMES = ['to', 'region', 'smtp-user', 'message-id'] as const;
/** SES message ids: `<16 hex>-<uuid>-000000`. */
const SES_MESSAGE_ID = /^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0{6}$/;

/** Removes Slack's link markup and the punctuation people paste around names. */
export function unwrapSlackToken(token: string): string {
  let value = token.trim();
  // Slack sends <mailto:a@b|a@b>, <http://b|b>, <http://b>; keep the target, not the label.
  const link = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(value);
  if (link?.[1]) value = link[1];
  if (/^mailto:/i.test(value)) value = value.slice('mailto:'.length);
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]+)/i.exec(value);
  if (url?.[1]) value = url[1];
  value = value.replace(/^[\s"'`([{<,;:]+/, '').replace(/[\s"'`)\]}>,;:!?]+$/, '');
  return value;
}

/** Validates and normalises a domain to lower-case ASCII; throws InputError naming `token`. */
export function normalizeDomain(raw: string, token: string = raw): string {
  let name = raw.trim().replace(/\.+$/, '');
  if (name === '') throw new InputError(`'${token}' is not a domain or email address`, token);
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) {
    throw new InputError(`'${token}' is an IP address; give the sending domain or address instead`, token);
  }
  if (name.length > MAX_DOMAIN_LENGTH) {
    throw new InputError(`'${abbreviate(token)}' is longer than ${MAX_DOMAIN_LENGTH} characters, so it cannot be a domain`, token);
  }
  const tooLongLabel = name.split('.').find((label) => label.length > MAX_LABEL_LENGTH);
  if (tooLongLabel) {
    throw new InputError(
      `the label '${abbreviate(tooLongLabel)}' in '${abbreviate(token)}' is longer than ${MAX_LABEL_LENGTH} characters`,
      token,
    );
  }
  const ascii = domainToASCII(name.toLowerCase());
  if (ascii === '') throw new InputError(`'${token}' is not a domain or email address`, token);
  name = ascii;
  if (name.length > MAX_DOMAIN_LENGTH) {
    throw new InputError(`'${abbreviate(token)}' is longer than ${MAX_DOMAIN_LENGTH} characters in its ASCII form`, token);
  }
  const labels = name.split('.');
  const valid =
    labels.length >= 2 &&
    labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label) && label.length <= MAX_LABEL_LENGTH) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) throw new InputError(`'${token}' is not a domain or email address`, token);
  return name;
}

export interface ParsedAddress {
  address: string;
  domain: string;
}

/** Parses `local@domain`; the domain part is normalised, the local part kept as written. */
export function normalizeAddress(raw: string, token: string = raw): ParsedAddress {
  const at = raw.lastIndexOf('@');
  const local = raw.slice(0, at);
  if (at <= 0 || !LOCAL_PART.test(local)) throw new InputError(`'${token}' is not an email address`, token);
  const domain = normalizeDomain(raw.slice(at + 1), token);
  return { address: `${local}@${domain}`, domain };
}

export function normalizeRegion(raw: string, token: string = raw): string {
  const region = raw.trim().toLowerCase();
  if (!isSesRegion(region)) {
    throw new InputError(`unknown AWS region '${token}' (expected a region name such as us-east-1 or eu-west-1)`, token);
  }
  return region;
}

export function normalizeMessageId(raw: string, token: string = raw): string {
  const value = raw.trim().toLowerCase();
  if (!SES_MESSAGE_ID.test(value)) {
    throw new InputError(`'${token}' is not an SES message id (like 0100018f3c2a1b2c-7d8e9f00-1111-2222-3333-444455556666-000000)`, token);
  }
  return value;
}

export function normalizeSmtpUser(raw: string, token: string = raw): string {
  const value = raw.trim().toUpperCase();
  if (TEMPORARY_KEY_ID.test(value)) {
    throw new InputError(`'${token}' is a temporary (STS) access key id; SES SMTP credentials come from a long-term IAM user key (AKIA...)`, token);
  }
  if (!ACCESS_KEY_ID.test(value)) {
    throw new InputError(`'${token}' is not an SMTP username (an IAM access key id: AKIA followed by 16 letters or digits)`, token);
  }
  return value;
}

function abbreviate(value: string, max = 40): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}


/**
 * Parses `<domain | address> [to=<address>]... [region=<region>]... [smtp-user=<AKIA...>]... [message-id=<id>]...`,
 * the grammar shared by the slash command and the CLI. Throws InputError naming the bad token.
 */
export function parseTargetText(text: string): Target {
  const tokens = text.split(/\s+/).filter((token) => token !== '');
  let target: Target | undefined;
  // Sets keep first-seen order and make a repeat O(1): parsing stays linear in the input.
  const recipients = new Set<string>();
  const regions = new Set<string>();
  const smtpUsers = new Set<string>();
  const messageIds = new Set<string>();
  for (const token of tokens) {
    const option = /^([a-z][a-z-]*)=(.*)$/i.exec(token);
    if (option && !option[2]?.startsWith('//')) {
      const name = (option[1] ?? '').toLowerCase();
      const value = unwrapSlackToken(option[2] ?? '');
      if (value === '') throw new InputError(`'${token}' has no value after '='`, token);
      if (name === 'to') recipients.add(normalizeAddress(value, token).address);
      else if (name === 'region') regions.add(normalizeRegion(value, token));
      else if (name === 'smtp-user') smtpUsers.add(normalizeSmtpUser(value, token));
      else if (name === 'message-id') messageIds.add(normalizeMessageId(value, token));
      else throw new InputError(`unknown option '${token}'; the options are ${OPTION_NAMES.map((n) => `${n}=`).join(', ')}`, token);
      continue;
    }
    if (target) throw new InputError(`unexpected '${token}': give one sending domain or address, then options such as to=<address>`, token);
    const value = unwrapSlackToken(token);
    if (value.includes('@')) {
      const parsed = normalizeAddress(value, token);
      target = { ...emptyTarget(parsed.domain), senderAddress: parsed.address };
    } else {
      target = emptyTarget(normalizeDomain(value, token));
    }
  }
  if (!target) throw new InputError('give a sending domain or address, for example `example.com` or `ops@example.com to=alice@customer.com`');
  target.recipients = [...recipients];
  target.regions = [...regions];
  target.smtpUsers = [...smtpUsers];
  target.messageIds = [...messageIds];
  return target;
}

/**
 * Text typed in Slack (slash command, mention): refused before any parsing when longer than
 * MAX_COMMAND_TEXT, then parsed like the CLI's. Throws InputError.
 */
export function parseCommandText(text: string): Target {
  if (text.length > MAX_COMMAND_TEXT) {
    throw new InputError(
      `the command text is ${text.length} characters long; at most ${MAX_COMMAND_TEXT} are read. Name fewer recipients (at most ${TARGET_CAPS.recipients} are checked per run).`,
    );
  }
  return parseTargetText(text);
}
