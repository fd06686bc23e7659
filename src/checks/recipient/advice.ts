/**
 * Advice that depends on the situation, not on the reply alone (pure): who can act on a
 * reply, and which credential it concerns. The bounce knowledge says what a reply means; this
 * says what the reader of this report, the sender's support agent, can do about it.
 */
import type { Layer, Status } from '../../core/finding.js';
import type { InterpretedReply } from '../../core/replies.js';
import type { Target } from '../../core/target.js';

export interface ReplyAdvice {
  layer: Layer;
  /** Replaces the reply's own status when the situation decides it. */
  status?: Status;
  explanation: string;
  fix: string;
  /** Appended to the summary (e.g. the SMTP username the reply concerns). */
  about?: string;
}

/** Exchange Online's tenant/IP blocks (5.7.700-5.7.750) and banned-IP range (5.7.606-5.7.649). */
const EXO_TENANT_BLOCK = /^5\.7\.7(?:[0-4]\d|50)$/;
const EXO_BANNED_IP = /^5\.7\.6(?:0[6-9]|[1-4]\d)$/;

export function adviseReply(reply: InterpretedReply, target: Target): ReplyAdvice {
  const keys = target.smtpUsers;
  const keyWords = keys.length > 0 ? keys.join(', ') : undefined;
  // The reply's recipient, else the one recipient the input names.
  const recipient = reply.recipient ?? (target.recipients.length === 1 ? target.recipients[0] : undefined);
  const recipientDomain = recipient?.slice(recipient.lastIndexOf('@') + 1);
  const base: ReplyAdvice = { layer: reply.layer, explanation: reply.explanation, fix: reply.fix };

  // SES's reply to SigV2 SMTP credentials (made before 2019-01-10) reads like throttling but is about the credential.
  if (/SigV2/i.test(reply.raw)) {
    return {
      layer: 'relay',
      status: 'fail',
      explanation:
        'SES answers "Maximum SigV2 SMTP sending rate exceeded" to SMTP passwords derived with the retired SigV2 algorithm, which SES used for SMTP credentials created before 2019-01-10. It is not a quota problem: the credential has to be replaced.',
      fix: `Create a new access key for the SMTP IAM user${keyWords ? ` (replacing ${keyWords})` : ''}, derive a SigV4 SMTP password for the relay's region, and put both in the relay${keyWords ? `; then deactivate ${keyWords}` : ''}.`,
      ...(keyWords ? { about: `SMTP username ${keyWords}` } : {}),
    };
  }
  if (reply.layer === 'relay' && keyWords) {
    return { ...base, about: `SMTP username ${keyWords}`, fix: `${reply.fix} (The relay authenticates as ${keyWords}; see that credential's finding.)` };
  }

  const exchange = reply.provider === 'Exchange Online' || reply.provider === 'Outlook.com';
  if (exchange && reply.status && (EXO_TENANT_BLOCK.test(reply.status) || EXO_BANNED_IP.test(reply.status))) {
    const tenant = recipientDomain ? `${recipientDomain}'s` : "the recipient's";
    const banned = EXO_BANNED_IP.test(reply.status);
    return {
      ...base,
      explanation: `${reply.explanation} The block sits in Microsoft's service${banned ? '' : ` or in ${tenant} Exchange Online tenant`}, on the sending IP; the sender cannot lift it by changing anything on its side, and a Microsoft case can only be opened by the tenant's own administrator.`,
      fix: [
        banned
          ? 'Request delisting of the sending IP through Microsoft\'s sender support portal (https://sender.office.com).'
          : `Ask ${tenant} Exchange Online administrator to act: they can check the tenant's connectors and Tenant Allow/Block List and, if Microsoft blocks the traffic, open the case with Microsoft for their own tenant.`,
        'If you send from Amazon SES\'s shared IP addresses (the default), open an AWS Support case with the NDR so AWS can take the IP\'s standing up with Microsoft; with dedicated IPs, the IP is yours to delist.',
      ].join(' '),
    };
  }
  return base;
}
