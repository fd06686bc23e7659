import type { SesInsightEvent, SesMessageInsights } from '../../core/aws-ports.js';
import type { AwsCheck } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding, type Status, worstStatus } from '../../core/finding.js';
import type { RunContext } from '../../core/ports.js';
import type { InterpretedReply } from '../../core/replies.js';
import { sesAccount } from './account.js';
import { awsErrorFinding, regionsOf } from './common.js';

const LAYER = 'ses';
const CHECK = 'message';
const TITLE = 'SES message insights';
/** GetMessageInsights allows one call per second per account: look up a few messages only. */
export const MAX_MESSAGES = 3;

export type MessageLookup =
  | { kind: 'found'; messageId: string; region: string; insights: SesMessageInsights }
  | { kind: 'not-found'; messageId: string; regions: string[]; vdmOffIn: string[] }
  | { kind: 'error'; messageId: string; region: string; error: unknown };

/**
 * The insights of each SES message id named in the input, looked up in every region in scope
 * where VDM is on, once per run (the recipient layer reads the bounces' replies from here too).
 */
export function messageLookups(ctx: RunContext): Promise<MessageLookup[]> {
  return ctx.memo('ses.message-insights', async () => {
    const aws = ctx.aws;
    if (!aws) return [];
    const regions = regionsOf(ctx);
    return Promise.all(
      ctx.target.messageIds.slice(0, MAX_MESSAGES).map(async (messageId): Promise<MessageLookup> => {
        const vdmOffIn: string[] = [];
        const searched: string[] = [];
        // Regions one after another: a message lives in one region, and the API allows 1 call/s.
        for (const region of regions) {
          try {
            const account = await sesAccount(ctx, region);
            if (!account.vdmEnabled) {
              vdmOffIn.push(region);
              continue;
            }
            searched.push(region);
            const insights = await aws.ses(region).getMessageInsights(messageId);
            if (insights) return { kind: 'found', messageId, region, insights };
          } catch (error) {
            return { kind: 'error', messageId, region, error };
          }
        }
        return { kind: 'not-found', messageId, regions: searched, vdmOffIn };
      }),
    );
  });
}

const EVENT_STATUS: Record<string, Status> = {
  DELIVERY: 'pass',
  SEND: 'info',
  OPEN: 'pass',
  CLICK: 'pass',
  DELIVERY_DELAY: 'warn',
  COMPLAINT: 'warn',
  BOUNCE: 'fail',
  REJECT: 'fail',
  RENDERING_FAILURE: 'fail',
};

function eventStatus(event: SesInsightEvent): Status {
  if (event.type === 'BOUNCE' && event.bounce?.bounceType === 'TRANSIENT') return 'warn';
  return EVENT_STATUS[event.type] ?? 'info';
}

function describeEvent(event: SesInsightEvent): string {
  const when = event.timestamp ? ` at ${event.timestamp.toISOString()}` : '';
  if (event.bounce) {
    const diagnostic = event.bounce.diagnosticCode ? `: ${event.bounce.diagnosticCode}` : '';
    return `${event.type} ${event.bounce.bounceType ?? '?'} / ${event.bounce.bounceSubType ?? '?'}${when}${diagnostic}`;
  }
  if (event.complaint) return `${event.type} (${event.complaint.complaintFeedbackType ?? 'feedback type not given'})${when}`;
  return `${event.type}${when}`;
}

/** The remote replies SES recorded for bounced destinations of the messages in the input. */
export async function messageInsightReplies(ctx: RunContext): Promise<Array<{ reply: InterpretedReply; source: string }>> {
  const lookups = await messageLookups(ctx);
  if (!lookups.some((lookup) => lookup.kind === 'found')) return [];
  // The bounce knowledge loads on first use (the CLI's start, issue 15).
  const { interpretReplies } = await import('../../knowledge/bounce/classify.js');
  return lookups.flatMap((lookup) => {
    if (lookup.kind !== 'found') return [];
    return lookup.insights.destinations.flatMap((destination) =>
      destination.events.flatMap((event) => {
        const code = event.bounce?.diagnosticCode;
        const reply = code ? interpretReplies(code, { recipient: destination.destination })[0] : undefined;
        return reply ? [{ reply, source: `SES message insights for ${lookup.messageId} (${lookup.region})` }] : [];
      }),
    );
  });
}

function findingFor(lookup: MessageLookup): Finding {
  const id = lookup.messageId;
  if (lookup.kind === 'error') {
    return awsErrorFinding(LAYER, CHECK, { id, title: TITLE, what: `the insights of message ${id} in ${lookup.region}`, error: lookup.error });
  }
  if (lookup.kind === 'not-found') {
    const where = lookup.regions.length > 0 ? `in ${lookup.regions.join(', ')}` : 'anywhere';
    return makeFinding(LAYER, CHECK, {
      id,
      status: 'info',
      title: TITLE,
      summary: `SES has no insights for message ${id} ${where}.`,
      evidence: [
        ...(lookup.regions.length > 0 ? [{ label: 'GetMessageInsights', value: lookup.regions.map((r) => `${r}: NotFoundException`), code: true }] : []),
        ...(lookup.vdmOffIn.length > 0 ? [{ label: 'VDM off in', value: lookup.vdmOffIn.join(', ') }] : []),
      ],
      explanation:
        'Message insights exist only for messages sent while Virtual Deliverability Manager was on, for about 30 days, in the region that sent them.',
      fix:
        lookup.vdmOffIn.length > 0
          ? 'Turn on Virtual Deliverability Manager to keep per-message delivery events, or look the message up in your own event destination (SNS, Firehose).'
          : 'Check the message id and add the sending region with region=<region>.',
    });
  }
  const { insights, region } = lookup;
  const evidence: EvidenceItem[] = [
    { label: 'message', value: `${id} in ${region}${insights.subject ? `, subject "${insights.subject}"` : ''}${insights.fromEmailAddress ? `, from ${insights.fromEmailAddress}` : ''}`, code: true },
    ...insights.destinations.map((d) => ({
      label: `${d.destination}${d.isp ? ` (${d.isp})` : ''}`,
      value: d.events.length > 0 ? d.events.map(describeEvent) : ['no events recorded'],
      code: true,
    })),
  ];
  const outcomes = insights.destinations.map((d) => {
    const last = d.events.filter((e) => e.type !== 'SEND').at(-1);
    return { destination: d.destination, status: last ? eventStatus(last) : ('info' as Status), last };
  });
  const status = worstStatus(outcomes.map((o) => o.status), 'info');
  const phrase = (o: (typeof outcomes)[number]): string => {
    if (!o.last) return `${o.destination}: sent, no later event`;
    if (o.last.type === 'BOUNCE') return `${o.destination}: ${o.last.bounce?.bounceType === 'TRANSIENT' ? 'soft' : 'hard'} bounce`;
    return `${o.destination}: ${o.last.type.toLowerCase().replace('_', ' ')}`;
  };
  return makeFinding(LAYER, CHECK, {
    id,
    status,
    title: TITLE,
    summary: `Message ${id}: ${outcomes.map(phrase).join('; ')}.`,
    evidence,
    explanation:
      status === 'fail'
        ? 'SES handed the message to the recipient server, which refused it; the recorded reply says why (see the recipient layer).'
        : status === 'pass'
          ? 'The recipient server accepted the message: if the recipient cannot find it, look at their spam folder and mail rules.'
          : 'SES recorded these delivery events for the message.',
    fix: status === 'fail' ? 'Act on the recipient server\'s reply (interpreted in the recipient layer).' : '',
    priority: status === 'fail' ? 12 : 70,
  });
}

/** What happened to the SES messages named in the input (from a thread or message-id=). */
export const messageInsightsCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const ids = ctx.target.messageIds;
    if (ids.length === 0) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'skipped',
          title: TITLE,
          summary: 'No SES message id was given, so no message was looked up.',
          fix: 'Add message-id=<SES message id> (from the sending application or a bounce notification), or mention the bot in a thread that quotes one.',
        }),
      ];
    }
    const lookups = await messageLookups(ctx);
    const findings = lookups.map(findingFor);
    if (ids.length > MAX_MESSAGES) {
      findings.push(
        makeFinding(LAYER, CHECK, {
          id: 'more',
          status: 'info',
          title: TITLE,
          summary: `Only the first ${MAX_MESSAGES} of ${ids.length} message ids were looked up (SES allows one insights call per second).`,
          evidence: [{ label: 'not looked up', value: ids.slice(MAX_MESSAGES), code: true }],
        }),
      );
    }
    return findings;
  },
};

