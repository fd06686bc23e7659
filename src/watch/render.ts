/**
 * Block Kit for the watch: one message per event group (updated as the group grows), with a
 * Diagnose button. Everything from the events (addresses, replies, template names) is
 * escaped: an event is data from outside.
 */
import type { Block, SlackMessage } from '../slack/render/blocks.js';
import { context, header, section } from '../slack/render/blocks.js';
import { escapeMrkdwn, escapeWithin, inlineCode } from '../slack/render/mrkdwn.js';
import { ANY_DOMAIN } from './classify.js';
import type { Group } from './groups.js';

/** action_id of the Diagnose button under a group message. */
export const WATCH_DIAGNOSE_ACTION = 'maildiag.watch_diagnose';
export const WATCH_GROUP_BLOCK = 'maildiag.watch.group';

/** What the Diagnose button carries: enough to run `/maildiag <sender> to=<recipient> region=<r> message-id=<id>`. */
export interface DiagnoseButtonValue {
  /** Sender address (SES `mail.source`). */
  s: string;
  /** A recipient of the group (the typical event's). */
  r?: string;
  /** SES region. */
  g?: string;
  /** SES message id of the typical event. */
  m?: string;
  /** Group id (logs). */
  id: string;
}

const KIND_TITLES: Record<Group['kind'], { one: string; many: string; icon: string }> = {
  Bounce: { one: 'bounce', many: 'bounces', icon: ':x:' },
  Complaint: { one: 'complaint', many: 'complaints', icon: ':rotating_light:' },
  DeliveryDelay: { one: 'delivery delay', many: 'delivery delays', icon: ':hourglass_flowing_sand:' },
  Reject: { one: 'rejected message', many: 'rejected messages', icon: ':no_entry:' },
  RenderingFailure: { one: 'rendering failure', many: 'rendering failures', icon: ':jigsaw:' },
};

const REASON_TEXT = { always: 'always posted', 'new-category': 'first of its kind for this sender', threshold: 'over the threshold' } as const;

const time = (date: Date): string => `${date.toISOString().slice(11, 19)} UTC`;

function addressList(kept: Set<string>, total: number): string {
  const shown = [...kept].slice(0, 10).map((a) => inlineCode(a, 120));
  const more = total - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

export function diagnoseValue(group: Group): DiagnoseButtonValue {
  const event = group.typical.event;
  return {
    s: event.mail.source.slice(0, 300),
    ...(group.typical.address ? { r: group.typical.address.slice(0, 300) } : {}),
    ...(event.mail.region ? { g: event.mail.region } : {}),
    ...(event.mail.messageId ? { m: event.mail.messageId.slice(0, 200) } : {}),
    id: group.id,
  };
}

export function renderGroupMessage(group: Group, options: { windowMs: number; closed?: boolean }): SlackMessage {
  const title = KIND_TITLES[group.kind];
  const noun = group.count === 1 ? title.one : title.many;
  const where = group.recipientDomain === ANY_DOMAIN ? '' : ` to ${group.recipientDomain}`;
  const headline = `${title.icon} ${group.count} ${noun} from ${group.identity}${where}`;
  const blocks: Block[] = [header(headline.replace(/^:[a-z_]+: /, ''), WATCH_GROUP_BLOCK)];

  const counts = [
    `*${group.count}* ${noun}`,
    `${group.messages} SES message${group.messages === 1 ? '' : 's'}`,
    ...(group.addressCount > 0 ? [`${group.addressCount} address${group.addressCount === 1 ? '' : 'es'}`] : []),
    `category ${inlineCode(group.category, 120)}`,
  ].join(' · ');
  blocks.push(section(`${title.icon} ${counts}\nSender identity *${escapeMrkdwn(group.identity)}*${where ? `, recipient domain *${escapeMrkdwn(group.recipientDomain)}*` : ''}`));

  const typical = group.typical;
  const event = typical.event;
  const lines: string[] = [];
  if (typical.interpretation) {
    const reply = typical.interpretation;
    lines.push(`*Typical reply* (${escapeMrkdwn(reply.provider)}): ${inlineCode(typical.diagnosticCode ?? reply.raw, 500)}`);
    lines.push(`*What it means:* ${escapeWithin(reply.explanation, 700)}`);
    lines.push(`*Fix:* ${escapeWithin(reply.fix, 500)}`);
  } else if (group.kind === 'Bounce') {
    lines.push(`*Typical event:* ${escapeMrkdwn(event.bounce?.bounceType ?? 'Undetermined')} bounce, sub-type ${inlineCode(event.bounce?.bounceSubType ?? 'Undetermined', 60)}${typical.diagnosticCode ? `: ${inlineCode(typical.diagnosticCode, 500)}` : ' (SES reported no remote reply)'}`);
    if (typical.alreadySuppressed) lines.push('SES did not send: the address is on a suppression list. Remove it only after the recipient side is fixed.');
  } else if (group.kind === 'Complaint') {
    lines.push(`*Typical event:* the recipient marked the message as spam (feedback type ${inlineCode(event.complaint?.feedbackType ?? 'not given', 60)}). SES adds complaining addresses to the account suppression list when it is enabled for COMPLAINT; a complaint rate above 0.1% puts the account at risk.`);
  } else if (group.kind === 'DeliveryDelay') {
    lines.push(`*Typical event:* delay type ${inlineCode(event.delay?.delayType ?? 'Undetermined', 60)}${typical.diagnosticCode ? `: ${inlineCode(typical.diagnosticCode, 500)}` : ''}; SES keeps retrying${event.delay?.expirationTime ? ` until ${escapeMrkdwn(event.delay.expirationTime)}` : ''}.`);
  } else if (group.kind === 'Reject') {
    lines.push(`*Typical event:* SES accepted the message but did not send it: ${inlineCode(event.reject?.reason || 'rejected', 200)} (SES rejects messages that contain a virus).`);
  } else if (group.kind === 'RenderingFailure') {
    lines.push(`*Typical event:* template ${inlineCode(event.failure?.templateName ?? 'unknown', 120)} could not be rendered: ${inlineCode(event.failure?.errorMessage ?? '', 500)}. Nothing was sent; fix the template data.`);
  }
  if (event.mail.subject) lines.push(`Subject of that message: ${inlineCode(event.mail.subject, 200)}`);
  blocks.push(section(lines.join('\n')));

  if (group.suppressedNowCount > 0 || group.alreadySuppressedCount > 0) {
    const parts: string[] = [];
    if (group.suppressedNowCount > 0) {
      const why = group.kind === 'Complaint' ? 'complaint' : 'hard bounce';
      parts.push(`*Now suppressed* (${why}; SES adds these to the account suppression list when it is enabled for ${group.kind === 'Complaint' ? 'COMPLAINT' : 'BOUNCE'}): ${addressList(group.suppressedNow, group.suppressedNowCount)}`);
    }
    if (group.alreadySuppressedCount > 0) parts.push(`*Already suppressed* (SES did not send): ${addressList(group.alreadySuppressed, group.alreadySuppressedCount)}`);
    blocks.push(section(parts.join('\n')));
  } else if (group.addressCount > 0) {
    blocks.push(section(`*Addresses:* ${addressList(group.addresses, group.addressCount)}`));
  }

  const windowMinutes = Math.round(options.windowMs / 60_000);
  blocks.push(
    context(
      [
        `first ${time(group.firstEventAt)}, last ${time(group.lastEventAt)}`,
        `${options.closed ? 'window closed' : `grouped over ${windowMinutes} min`} (${REASON_TEXT[group.postReason ?? 'threshold']})`,
        ...(event.mail.region ? [`region ${escapeMrkdwn(event.mail.region)}`] : []),
        ...(event.mail.configurationSet ? [`configuration set ${escapeMrkdwn(event.mail.configurationSet)}`] : []),
        `group \`${group.id}\``,
      ].join(' · '),
    ),
  );
  blocks.push({
    type: 'actions',
    // Every field of the value is capped (diagnoseValue), so it stays far below Slack's 2,000 characters.
    elements: [{ type: 'button', action_id: WATCH_DIAGNOSE_ACTION, text: { type: 'plain_text', text: 'Diagnose' }, value: JSON.stringify(diagnoseValue(group)), style: 'primary' }],
  });
  return { text: `${headline} (${REASON_TEXT[group.postReason ?? 'threshold']})`, blocks };
}

/** Groups shown by name in the held-back message; the rest are counted. */
const HELD_BACK_LISTED = 20;

/**
 * One message per window for the groups that asked to be posted after the window's post
 * budget was used up: each listed with its counts, so nothing is silently dropped.
 */
export function renderHeldBackMessage(groups: readonly Group[], options: { maxPosts: number; windowMs: number }): SlackMessage {
  const sorted = [...groups].sort((a, b) => b.count - a.count);
  const lines = sorted.slice(0, HELD_BACK_LISTED).map((g) => {
    const title = KIND_TITLES[g.kind];
    const where = g.recipientDomain === ANY_DOMAIN ? '' : ` → ${escapeMrkdwn(g.recipientDomain)}`;
    return `${title.icon} *${g.count}* ${g.count === 1 ? title.one : title.many} · ${escapeMrkdwn(g.identity)}${where} · ${inlineCode(g.category, 80)}`;
  });
  const more = sorted.length - lines.length;
  const title = `${groups.length} more event group${groups.length === 1 ? '' : 's'} this window`;
  return {
    text: title,
    blocks: [
      header(title),
      section(`${lines.join('\n')}${more > 0 ? `\n… and ${more} more groups` : ''}`),
      context(`The channel gets at most ${options.maxPosts} group messages per ${Math.round(options.windowMs / 60_000)} min window; these groups are listed here instead (most events first). \`/maildiag watch\` shows the totals.`),
    ],
  };
}
