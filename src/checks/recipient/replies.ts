import type { Check } from '../../core/engine.js';
import { type Finding, makeFinding, type Status } from '../../core/finding.js';
import type { InterpretedReply } from '../../core/replies.js';
import { messageInsightReplies } from '../ses/message-insights.js';
import { type RecordedReply, suppressionReplies } from '../suppression/listed.js';
import { adviseReply } from './advice.js';
import { recipientMx } from './mx.js';

const CHECK = 'replies';
const TITLE = 'Reported server replies';

/** 5xx is a permanent failure, 4xx a temporary one; anything without a code is context. */
export function statusOfReply(reply: InterpretedReply): Status {
  const klass = (reply.replyCode ?? reply.status ?? '').charAt(0);
  if (reply.category === 'unrecognised') return 'info';
  if (klass === '5') return reply.confidence >= 0.5 ? 'fail' : 'warn';
  if (klass === '4') return 'warn';
  return 'info';
}

function codeOf(reply: InterpretedReply): string {
  return [reply.replyCode, reply.status].filter(Boolean).join(' ') || 'no code';
}

/** The same reply recorded twice (the suppressing message is also the one named) counts once. */
function dedupeReplies(replies: RecordedReply[]): RecordedReply[] {
  const seen = new Set<string>();
  return replies.filter(({ reply }) => {
    const key = `${reply.recipient ?? ''}|${reply.raw}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Replies pasted in a ticket, found in a bounce or given with --bounce become findings in the
 * layer they point to (a 535 is a relay problem, a 5.4.1 a recipient one), quoting the reply.
 */
export const repliesCheck: Check = {
  id: CHECK,
  layer: 'recipient',
  title: TITLE,
  async run(ctx) {
    const given: RecordedReply[] = ctx.target.replies.map((reply) => ({ reply, source: 'the ticket or bounce given' }));
    // Replies SES recorded for suppressed recipients count too, unless the ticket already quotes them.
    const [suppressing, fromMessages] = await Promise.all([suppressionReplies(ctx), messageInsightReplies(ctx).catch(() => [])]);
    const recorded = dedupeReplies([...suppressing, ...fromMessages]).filter(
      (r) => !given.some((g) => g.reply.recipient === r.reply.recipient && g.reply.status === r.reply.status && g.reply.replyCode === r.reply.replyCode),
    );
    const replies = [...given, ...recorded];
    if (replies.length === 0) {
      return [
        makeFinding('recipient', CHECK, {
          status: 'skipped',
          title: TITLE,
          summary: 'No bounce or server reply was given, so none was interpreted.',
          fix: 'Mention the bot in the ticket thread that holds the bounce, or pass the bounce to the CLI with --bounce FILE.',
        }),
      ];
    }
    return Promise.all(
      replies.map(async ({ reply: given, source }, index): Promise<Finding> => {
        const domain = given.recipient?.slice(given.recipient.lastIndexOf('@') + 1).toLowerCase();
        // Corroborate the reply's provider with the recipient's MX when the recipient is known.
        const mx = domain ? await recipientMx(ctx, domain).catch(() => undefined) : undefined;
        const mxProvider = mx?.kind === 'mx' && mx.provider !== 'unknown' ? mx.provider : undefined;
        // A pasted reply often lacks the host that would name its provider: the MX does.
        const mxHosts = mx?.kind === 'mx' ? mx.records.map((record) => record.exchange) : [];
        // A reply without a host is read again with the MX: its provider, and its hosts for the
        // provider's code table. The bounce knowledge loads on first use (the CLI's start, issue 15).
        const reread =
          given.provider === 'unknown' && given.remoteHost === undefined && mxHosts.length > 0
            ? (await import('../../knowledge/bounce/classify.js')).interpretReplyText(given.raw, {
                ...(mxProvider ? { provider: mxProvider } : {}),
                mxHosts,
                ...(given.recipient ? { recipient: given.recipient } : {}),
              })
            : undefined;
        const reply: InterpretedReply = reread ? { ...reread, raw: given.raw, recipient: given.recipient ?? reread.recipient } : given;
        const corroborated = mxProvider !== undefined && mxProvider === reply.provider;
        const who = reply.provider !== 'unknown' ? reply.provider : mxProvider ?? 'the remote server';
        const evidence = [
          { label: 'reply', value: reply.raw, code: true },
          { label: 'found in', value: source },
          { label: 'code', value: codeOf(reply) },
          { label: 'from', value: [who, reply.remoteHost].filter(Boolean).join(' · ') },
          ...(reply.reportedBy ? [{ label: 'shown by', value: `${reply.reportedBy} (the client relaying through this server)` }] : []),
          ...(reply.recipient ? [{ label: 'recipient', value: reply.recipient }] : []),
          ...(mxProvider ? [{ label: 'recipient MX provider', value: `${mxProvider}${corroborated ? ' (matches the reply)' : ''}` }] : []),
          { label: 'rule', value: `${reply.ruleId} (${reply.category}, sisimai: ${reply.reason}, confidence ${reply.confidence.toFixed(2)})` },
        ];
        const advice = adviseReply(reply, ctx.target);
        const status = advice.status ?? statusOfReply(reply);
        if (advice.about) evidence.push({ label: 'concerns', value: advice.about });
        return makeFinding(advice.layer, CHECK, {
          id: `${index + 1}`,
          status,
          title: reply.recipient ? `Reply for ${reply.recipient}` : 'Reported reply',
          summary: `${who} answered ${codeOf(reply)}${advice.about ? ` (${advice.about})` : ''}: ${advice.explanation.split(/(?<=\.)\s/)[0] ?? reply.category}`,
          evidence,
          explanation: advice.explanation,
          fix: advice.fix,
          priority: status === 'fail' ? (advice.layer === 'relay' ? 1 : 10) : 60,
        });
      }),
    );
  },
};
