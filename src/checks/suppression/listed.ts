import type { SesMessageInsights, SesSuppressedDestination } from '../../core/aws-ports.js';
import { AwsCallError } from '../../core/aws-ports.js';
import type { AwsCheck, AwsRunContext } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding } from '../../core/finding.js';
import type { RunContext } from '../../core/ports.js';
import type { InterpretedReply } from '../../core/replies.js';
import { sesAccount } from '../ses/account.js';
import { awsErrorEvidence, awsErrorFinding, daysBetween, isoDate, regionsOf } from '../ses/common.js';

const LAYER = 'suppression';
const CHECK = 'listed';
const TITLE = 'Account suppression list';

const GLOBAL_LIST_NOTE =
  'SES also keeps a global suppression list across all customers; it cannot be queried and shows only as a bounce of subtype "Suppressed".';

/**
 * The bounce knowledge's reading of a remote server's reply (an SES DiagnosticCode). The
 * knowledge (its 50 format readers) loads on first use: a run that meets no reply never loads
 * it (the CLI's start, issue 15).
 */
export async function classifyDiagnostic(diagnosticCode: string, recipient: string): Promise<InterpretedReply | undefined> {
  const { interpretReplies } = await import('../../knowledge/bounce/classify.js');
  return interpretReplies(diagnosticCode, { recipient })[0];
}

interface BounceDetail {
  insights: SesMessageInsights | undefined;
  /** Why insights are missing, when they are. */
  unavailable?: string;
  unavailableEvidence?: EvidenceItem[];
  event?: { timestamp: Date | undefined; bounceType: string | undefined; bounceSubType: string | undefined; diagnosticCode: string | undefined; isp: string | undefined };
  /** For an address suppressed for a complaint: the complaint SES recorded. */
  complaint?: { timestamp: Date | undefined; feedbackType: string | undefined; subType: string | undefined; isp: string | undefined };
}

/** Follows Attributes.MessageId into GetMessageInsights (needs VDM) to find the remote server's reply. */
async function bounceDetail(ctx: AwsRunContext, region: string, entry: SesSuppressedDestination): Promise<BounceDetail> {
  if (!entry.messageId) return { insights: undefined, unavailable: 'SES kept no message id for this entry.' };
  try {
    const account = await sesAccount(ctx, region);
    if (!account.vdmEnabled) {
      return { insights: undefined, unavailable: 'Virtual Deliverability Manager is off, so SES keeps no message insights.' };
    }
    const insights = await ctx.aws.ses(region).getMessageInsights(entry.messageId);
    if (!insights) {
      return { insights, unavailable: 'GetMessageInsights found nothing (message too old, sent from another region, or VDM was off when it was sent).' };
    }
    const destination =
      insights.destinations.find((d) => d.destination.toLowerCase() === entry.emailAddress.toLowerCase()) ?? insights.destinations[0];
    if (entry.reason === 'COMPLAINT') {
      const complaint = destination?.events.find((e) => e.type === 'COMPLAINT' || e.complaint);
      return complaint
        ? {
            insights,
            complaint: {
              timestamp: complaint.timestamp,
              feedbackType: complaint.complaint?.complaintFeedbackType,
              subType: complaint.complaint?.complaintSubType,
              isp: destination?.isp,
            },
          }
        : { insights, unavailable: 'The message insights hold no complaint event for this recipient.' };
    }
    const event = destination?.events.find((e) => e.type === 'BOUNCE' && e.bounce) ?? destination?.events.find((e) => e.bounce);
    return {
      insights,
      ...(event
        ? {
            event: {
              timestamp: event.timestamp,
              bounceType: event.bounce?.bounceType,
              bounceSubType: event.bounce?.bounceSubType,
              diagnosticCode: event.bounce?.diagnosticCode,
              isp: destination?.isp,
            },
          }
        : { unavailable: 'The message insights hold no bounce event for this recipient.' }),
    };
  } catch (error) {
    if (error instanceof AwsCallError) {
      return { insights: undefined, unavailable: `Message insights could not be read: ${error.message}`, unavailableEvidence: awsErrorEvidence(error) };
    }
    throw error;
  }
}

function listedFinding(
  ctx: RunContext,
  region: string,
  recipient: string,
  entry: SesSuppressedDestination,
  detail: BounceDetail,
  classification: InterpretedReply | undefined,
): Finding {
  const since = entry.lastUpdateTime;
  const days = since ? daysBetween(since, ctx.clock.now()) : undefined;
  const evidence: EvidenceItem[] = [
    { label: `GetSuppressedDestination ${recipient} (${region})`, value: `Reason ${entry.reason}, LastUpdateTime ${isoDate(since)}`, code: true },
    ...(entry.messageId ? [{ label: 'Attributes.MessageId', value: entry.messageId, code: true }] : []),
    ...(entry.feedbackId ? [{ label: 'Attributes.FeedbackId', value: entry.feedbackId, code: true }] : []),
  ];
  if (detail.event) {
    evidence.push({
      label: 'GetMessageInsights bounce',
      value: `${detail.event.bounceType ?? '?'} / ${detail.event.bounceSubType ?? '?'} at ${isoDate(detail.event.timestamp)}${detail.event.isp ? ` (ISP ${detail.event.isp})` : ''}`,
      code: true,
    });
    if (detail.event.diagnosticCode) {
      evidence.push({ label: 'DiagnosticCode (the remote server\'s reply)', value: detail.event.diagnosticCode, code: true });
      if (classification) {
        evidence.push({
          label: 'interpreted as',
          value: `${classification.provider}: ${classification.category} (${classification.reason}${classification.status ? `, ${classification.status}` : ''}, confidence ${classification.confidence})`,
        });
      }
    }
  } else if (detail.complaint) {
    evidence.push({
      label: 'GetMessageInsights complaint',
      value: `COMPLAINT${detail.complaint.feedbackType ? `, feedback type ${detail.complaint.feedbackType}` : ''}${detail.complaint.subType ? `, subtype ${detail.complaint.subType}` : ''} at ${isoDate(detail.complaint.timestamp)}${detail.complaint.isp ? ` (ISP ${detail.complaint.isp})` : ''}`,
      code: true,
    });
  } else if (detail.unavailable) {
    evidence.push({ label: 'message insights', value: detail.unavailable });
    evidence.push(...(detail.unavailableEvidence ?? []));
  }

  const recipientSideBroken = classification !== undefined && classification.layer === 'recipient';
  const complained = entry.reason === 'COMPLAINT';
  const why =
    entry.reason === 'COMPLAINT'
      ? 'The recipient marked a message as spam, so SES stopped sending to the address.'
      : 'A message to this address bounced permanently, so SES added it to the account\'s suppression list.';
  return makeFinding(LAYER, CHECK, {
    id: `${recipient}:${region}`,
    status: 'fail',
    priority: 1,
    title: TITLE,
    summary: `${recipient} is on the SES account suppression list in ${region} (reason ${entry.reason}${since ? ` since ${isoDate(since).slice(0, 10)}${days !== undefined ? `, ${days} days ago` : ''}` : ''}): SES drops every message to it.`,
    evidence,
    explanation: `${why} SES accepts later sends to a suppressed address but never delivers them, and the sender gets no error.${classification ? ` The remote server's reply: ${classification.explanation}` : ''}`,
    fix: complained
      ? `Do not remove ${recipient} until its recipient has asked to receive mail again (for example by opting in again, or in writing to you); a complaint is not a delivery problem to fix. Once they have, remove it from the suppression list in ${region} (SES console → Suppression list, or the button below, whose approvers are told the same).`
      : recipientSideBroken
      ? `Fix the recipient side first (${classification!.fix}), then remove ${recipient} from the suppression list in ${region}; removing it alone will not help.`
      : `Once the cause is fixed, remove ${recipient} from the suppression list in ${region} (SES console → Suppression list, or the button below).`,
    remediation: { kind: 'remove-suppression', email: recipient, region, reason: entry.reason },
  });
}

export interface RecordedReply {
  reply: InterpretedReply;
  /** Where the reply was found, for evidence. */
  source: string;
}

/**
 * The remote servers' replies SES recorded (message insights) for suppressed recipients, so
 * the recipient layer can interpret them too. Shares the run's memoised AWS calls with this
 * layer's check: it sends no request of its own. Failures are this layer's to report.
 */
export function suppressionReplies(ctx: RunContext): Promise<RecordedReply[]> {
  return ctx.memo('suppression.replies', async () => {
    const aws = ctx.aws;
    if (!aws || ctx.target.recipients.length === 0) return [];
    const lists = await Promise.all(
      regionsOf(ctx).flatMap((region) =>
        ctx.target.recipients.map(async (recipient): Promise<RecordedReply[]> => {
          const entry = await aws.ses(region).getSuppressedDestination(recipient).catch(() => undefined);
          if (!entry) return [];
          const detail = await bounceDetail({ ...ctx, aws }, region, entry);
          const code = detail.event?.diagnosticCode;
          const reply = code ? await classifyDiagnostic(code, recipient) : undefined;
          return reply ? [{ reply, source: `SES message insights for ${entry.messageId ?? 'the suppressing message'} (${region})` }] : [];
        }),
      ),
    );
    return lists.flat();
  });
}

export const suppressionCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  requires: ['aws'],
  async run(ctx) {
    const recipients = ctx.target.recipients;
    if (recipients.length === 0) {
      return [
        makeFinding(LAYER, CHECK, {
          status: 'info',
          title: TITLE,
          summary: 'No recipient given, so no address was looked up on the suppression list.',
          explanation: 'Suppression is per recipient address.',
          fix: 'Run again with to=<recipient address>.',
        }),
      ];
    }
    const regions = regionsOf(ctx);
    // Warm the per-run GetAccount (VdmEnabled decides whether insights exist) alongside the lookups.
    const warm = regions.map((region) => sesAccount(ctx, region).catch(() => undefined));
    const pairs = regions.flatMap((region) => recipients.map((recipient) => ({ region, recipient })));
    const findings = await Promise.all(
      pairs.map(async ({ region, recipient }): Promise<Finding> => {
        let entry: SesSuppressedDestination | undefined;
        try {
          entry = await ctx.aws.ses(region).getSuppressedDestination(recipient);
        } catch (error) {
          return awsErrorFinding(LAYER, CHECK, { id: `${recipient}:${region}`, title: TITLE, what: `whether ${recipient} is suppressed in ${region}`, error });
        }
        if (!entry) {
          return makeFinding(LAYER, CHECK, {
            id: `${recipient}:${region}`,
            status: 'pass',
            title: TITLE,
            summary: `${recipient} is not on the SES account suppression list in ${region}.`,
            evidence: [{ label: `GetSuppressedDestination ${recipient} (${region})`, value: 'NotFoundException (not listed)', code: true }],
            explanation: `SES does not drop mail to this address because of the account's list. ${GLOBAL_LIST_NOTE}`,
          });
        }
        const detail = await bounceDetail(ctx, region, entry);
        const code = detail.event?.diagnosticCode;
        return listedFinding(ctx, region, recipient, entry, detail, code ? await classifyDiagnostic(code, recipient) : undefined);
      }),
    );
    await Promise.all(warm);
    return findings;
  },
};
