/**
 * Interprets bounces and SMTP replies with the ordered rule table in rules.ts.
 *
 * - `interpretBounce(input)`: a whole bounce (.eml bytes or text) or a pasted NDR.
 * - `interpretReplyText(text, hints)`: one reply line (an SES DiagnosticCode, a line from a thread).
 *
 * Pure: no I/O, nothing in the input is executed or fetched.
 */
import type { InterpretedReply } from '../../core/replies.js';
import { defaultRuleFor } from './by-reason.js';
import { decide, GUESSED_REASONS } from './decide.js';
import { parseBounce, parseBounceText, type ReplyFragment } from './parse.js';
import { remoteHostReason } from './rhost/index.js';
import { BOUNCE_RULES, type BounceRule, type Provider, UNRECOGNISED_RULE } from './rules.js';

export interface InterpretResult {
  /** One per recipient or reply found, in the order of the message. */
  replies: InterpretedReply[];
  /** What was cut, skipped or not recognised; empty when all went well. */
  notes: string[];
}

export interface ReplyHints {
  /** Provider that sent the reply, when the caller knows it (e.g. from the recipient's MX). */
  provider?: string;
  recipient?: string;
  remoteHost?: string;
  /** The recipient domain's MX hosts: they choose a provider's code table when the reply names no host. */
  mxHosts?: readonly string[];
}

/** Ordered: the first pattern that matches names the provider. Checked against hosts and reply text. */
const PROVIDER_PATTERNS: ReadonlyArray<readonly [Provider, RegExp]> = [
  ['Amazon SES', /amazonses\.com|email-smtp\.[a-z0-9-]{1,30}\.amazonaws\.com|Amazon SES/i],
  ['Amazon WorkMail', /awsapps\.com|\bworkmail\b/i],
  ['Exchange Online', /protection\.outlook\.com|prod\.outlook\.com|onmicrosoft\.com|exchangelabs\.com|\bAS\(\d{6,12}\)|RESOLVER\.(?:ADR|RST)\.|go\.microsoft\.com|Office 365|Exchange Online/i],
  ['Outlook.com', /\b(?:hotmail|outlook|live|msn)\.com\b/i],
  ['Google Groups', /googlegroups\.com|groups\.google\.com|Google Groups/i],
  ['Google', /\bgoogle\.com\b|googlemail\.com|\bgmail\.com\b|\bgsmtp\b|support\.google\.com/i],
  ['Yahoo', /yahoo(?:dns)?\.(?:com|net|co\.jp)|\baol\.com\b|verizonmedia|yahooinc/i],
  ['iCloud', /icloud\.com|\bme\.com\b|\bmac\.com\b/i],
  ['Zoho', /zoho\.(?:com|eu|in)/i],
  ['Tencent QQ', /\bqq\.com\b/i],
  ['Mail.ru', /\bmail\.ru\b/i],
  ['SendGrid', /sendgrid\.net/i],
  ['GoDaddy', /secureserver\.net/i],
  ['Cox', /\bcox\.net\b|cloudfilter\.net/i],
];

/** Names the provider from a host name or a reply text; `undefined` when nothing says. */
export function detectProvider(value: string | undefined): Provider | undefined {
  if (!value) return undefined;
  const sample = value.slice(0, 4000);
  for (const [provider, pattern] of PROVIDER_PATTERNS) if (pattern.test(sample)) return provider;
  return undefined;
}

/** Interprets a whole bounce message (.eml) or pasted bounce text. Never throws for bad input. */
export async function interpretBounce(input: string | Buffer): Promise<InterpretResult> {
  const parsed = await parseBounce(input);
  const reporter = detectProvider(parsed.reportingHost) ?? detectProvider(parsed.from);
  // Google Groups' notices come from Google's mailer; the body says it is a group.
  const groupNotice = reporter === 'Google' && /groups\.google\.com|Google Groups/i.test(parsed.summary);
  const replies = parsed.fragments
    .map((fragment) => ({ fragment, reply: interpretFragment(fragment, groupNotice ? 'Google Groups' : reporter) }))
    // A notice's free text that no rule recognises is not a reply (for example a plain letter).
    .filter(({ fragment, reply }) => fragment.origin !== 'summary' || recognised(reply))
    .map(({ reply }) => reply);
  const notes = [...parsed.notes];
  const summaryFragment = parsed.fragments.find((fragment) => fragment.origin === 'summary');
  if (replies.length === 0 && parsed.format !== undefined && summaryFragment) {
    // A report in a known format whose reason nothing names: sisimai's "undefined" (KNOWLEDGE.md section 7, fallback 8).
    const rule = defaultRuleFor('undefined', 'fallback:nothing');
    replies.push({
      ...interpretFragment({ ...summaryFragment, formatReason: 'undefined' }, reporter),
      category: rule.category,
      layer: rule.layer,
      reason: rule.reason,
      confidence: rule.confidence,
      explanation: `A ${parsed.format} report that names no reason for this recipient.`,
      fix: rule.fix,
      ruleId: rule.id,
    });
  }
  if (replies.length === 0) notes.push('Nothing recognised: no SMTP reply, delivery report or bounce notice was found in the input.');
  return { replies, notes };
}

/**
 * Interprets text that holds one or more replies (an SES DiagnosticCode, a pasted line).
 * Returns the first reply found, or undefined when the text holds none.
 */
export function interpretReplyText(text: string, hints: ReplyHints = {}): InterpretedReply | undefined {
  return interpretReplies(text, hints)[0];
}

/**
 * Mail clients that relay through an SMTP server and show its reply in their own words. The
 * wording names the client, which is the relay hop of the delivery path.
 */
const RELAY_CLIENT_WORDING: ReadonlyArray<readonly [string, RegExp]> = [
  ['Gmail', /Please check your username\/password\.?\s{0,5}Server returned error/i],
];

/**
 * Recent answers of interpretReplies: the same diagnostic code arrives many times (SES events
 * for one campaign), and interpretation is pure. Bounded in entries and in text length; callers
 * get copies, so they cannot change what the cache holds.
 */
const REPLY_CACHE_ENTRIES = 1000;
const REPLY_CACHE_MAX_TEXT = 4000;
const replyCache = new Map<string, InterpretedReply[]>();

/** Like interpretReplyText, but every reply found in the text. */
export function interpretReplies(text: string, hints: ReplyHints = {}): InterpretedReply[] {
  if (text.length > REPLY_CACHE_MAX_TEXT) return interpretRepliesUncached(text, hints);
  const key = `${hints.provider ?? ''}\u0000${hints.recipient ?? ''}\u0000${hints.remoteHost ?? ''}\u0000${hints.mxHosts?.join(' ') ?? ''}\u0000${text}`;
  let replies = replyCache.get(key);
  if (replies) {
    replyCache.delete(key);
  } else {
    replies = interpretRepliesUncached(text, hints);
    if (replyCache.size >= REPLY_CACHE_ENTRIES) replyCache.delete(replyCache.keys().next().value ?? '');
  }
  replyCache.set(key, replies);
  return replies.map((reply) => ({ ...reply }));
}

function interpretRepliesUncached(text: string, hints: ReplyHints): InterpretedReply[] {
  const parsed = parseBounceText(text);
  const fragments = parsed.fragments.filter((fragment) => fragment.origin !== 'summary' || fragment.replyCode || fragment.status || recognised(interpretFragment(fragment, undefined)));
  const relayClient = RELAY_CLIENT_WORDING.find(([, wording]) => wording.test(text.slice(0, 200_000)))?.[0];
  return fragments.map((fragment) => {
    const reply = interpretFragment(
      {
        ...fragment,
        ...(hints.recipient && !fragment.recipient ? { recipient: hints.recipient } : {}),
        ...(hints.remoteHost && !fragment.remoteHost ? { remoteHost: hints.remoteHost } : {}),
      },
      undefined,
      asProvider(hints.provider),
      hints.mxHosts,
    );
    return relayClient && reply.layer === 'relay' ? { ...reply, reportedBy: relayClient } : reply;
  });
}

/** A reply whose reason came from its text, codes or format, not from a fallback for unmatched text. */
function recognised(reply: InterpretedReply): boolean {
  return reply.reason !== 'onhold' && reply.reason !== 'undefined';
}

function asProvider(name: string | undefined): Provider | undefined {
  if (!name) return undefined;
  return detectProvider(name) ?? (PROVIDER_PATTERNS.find(([provider]) => provider.toLowerCase() === name.toLowerCase())?.[0]);
}

/** Provider of the server that produced this reply: its host, then the reply's wording, then the reporter. */
function providerOf(fragment: ReplyFragment, fallback: Provider | undefined): Provider | undefined {
  const fromHost = detectProvider(fragment.remoteHost);
  if (fromHost) return fromHost;
  const fromText = detectProvider(fragment.text);
  if (fromText) return fromText;
  // A reply without an SMTP code is the reporter's own wording (Google's "DNS Error", a group
  // notice); a coded reply came from the remote server, which the reporter is not.
  return fragment.replyCode === undefined ? fallback : undefined;
}

function matches(rule: BounceRule, fragment: ReplyFragment, provider: Provider): boolean {
  if (rule.provider && !rule.provider.includes(provider)) return false;
  if (rule.replyCode && !rule.replyCode.test(fragment.replyCode ?? '')) return false;
  if (rule.status && !rule.status.test(fragment.status ?? '')) return false;
  if (rule.command && !rule.command.test(fragment.command ?? '')) return false;
  if (rule.text && !rule.text.test(fragment.text)) return false;
  return true;
}

/** The first matching rule in table order. */
export function findRule(fragment: ReplyFragment, provider: Provider): BounceRule {
  return BOUNCE_RULES.find((rule) => matches(rule, fragment, provider)) ?? UNRECOGNISED_RULE;
}

/**
 * Provider rows of rules.ts (Amazon SES, Exchange Online, Google, Yahoo, Google Groups): a
 * provider's own code decides both the reason and our category, before the generic decision.
 */
const PROVIDER_ROW = /^(?:ses|exo|google|yahoo|googlegroups)\./;
const PROVIDER_RULES = BOUNCE_RULES.filter((rule) => PROVIDER_ROW.test(rule.id));
/** The generic rows of each reason, in table order. */
const RULES_BY_REASON = new Map<string, BounceRule[]>();
for (const rule of BOUNCE_RULES) {
  if (PROVIDER_ROW.test(rule.id)) continue;
  RULES_BY_REASON.set(rule.reason, [...(RULES_BY_REASON.get(rule.reason) ?? []), rule]);
}

/** The interpretation of one fragment: provider rows, then the remote-host tables, then decide(). */
function interpretFragment(fragment: ReplyFragment, reporter: Provider | undefined, known?: Provider, mxHosts?: readonly string[]): InterpretedReply {
  const detected = detectProvider(fragment.remoteHost) ?? known ?? providerOf(fragment, reporter) ?? 'unknown';
  const { rule, via } = chooseRule(fragment, detected, mxHosts);
  const provider = detected === 'unknown' && rule.impliesProvider ? rule.impliesProvider : detected;
  return {
    raw: fragment.text,
    ...(fragment.recipient ? { recipient: fragment.recipient } : {}),
    ...(fragment.replyCode ? { replyCode: fragment.replyCode } : {}),
    ...(fragment.status ? { status: fragment.status } : {}),
    ...(fragment.remoteHost ? { remoteHost: fragment.remoteHost } : {}),
    ...(fragment.command ? { command: fragment.command } : {}),
    provider,
    category: rule.category,
    layer: rule.layer,
    reason: rule.reason,
    confidence: rule.confidence,
    explanation: rule.explanation,
    fix: rule.fix,
    ruleId: rule.id,
    decidedBy: via,
  };
}

function chooseRule(fragment: ReplyFragment, provider: Provider, mxHosts?: readonly string[]): { rule: BounceRule; via: string } {
  const formatDecides = fragment.formatReason !== undefined && !GUESSED_REASONS.has(fragment.formatReason);
  const action = fragment.action?.toLowerCase();
  const delivered = action === 'delivered' || action === 'relayed' || action === 'expanded';
  if (!formatDecides && !delivered) {
    const providerRule = PROVIDER_RULES.find((rule) => matches(rule, fragment, provider));
    if (providerRule) return { rule: providerRule, via: `provider:${providerRule.id}` };
  }
  const table = formatDecides || delivered ? undefined : remoteHostReason(fragment, provider, mxHosts);
  const decision = table ? { reason: table.reason, via: `rhost:${table.table}` } : decide(fragment);
  // The most precise generic row that agrees with the decided reason names our category.
  const agreeing = RULES_BY_REASON.get(decision.reason)?.find((rule) => matches(rule, fragment, provider));
  return { rule: agreeing ?? defaultRuleFor(decision.reason, decision.via), via: decision.via };
}
