/**
 * What a reply's text says, per sisimai reason: one pattern per reason, each a list of general
 * phrases with the source they come from. decide.ts asks these in the documented priority
 * orders (KNOWLEDGE.md section 7); nothing here decides on its own.
 *
 * Rules for this table:
 * - every phrase is a general wording used by many servers, documented by an RFC, an MTA's
 *   manual, a provider's published reply list, or sisimai's reason definition
 *   (https://libsisimai.org/en/reason/); never the unique wording of one message;
 * - every pattern is linear: alternations of literals with bounded gaps (`.{0,40}`), no nested
 *   quantifiers, matched case-insensitively against one reply capped at MAX_REPLY_CHARS.
 */
import type { SisimaiReason } from './rules.js';

export interface ReasonText {
  reason: SisimaiReason;
  pattern: RegExp;
  source: string;
}

const SISIMAI = (reason: string): string => `sisimai reason definition "${reason}" (https://libsisimai.org/en/reason/#${reason})`;

export const REASON_TEXTS: readonly ReasonText[] = [
  {
    reason: 'mailboxfull',
    source: `${SISIMAI('mailboxfull')}; RFC 5321 552 "exceeded storage allocation"; RFC 3463 X.2.2`,
    pattern:
      /mail ?box (?:is )?full|mail ?box (?:size )?(?:limit )?exceeded|mailbox (?:exceeds|has exceeded|is over)|mailfolder is full|over ?quota|quota (?:exceeded|full|violation)|(?:exceeded|exceeds|over) (?:the |their |his |her |its |your )?(?:storage|disk|mailbox)? ?quota|exceeded storage allocation|storage (?:allocation|limit) (?:exceeded|reached)|not enough (?:storage|space) (?:in|for)|(?:user|recipient|account)(?:'s)? (?:mailbox |storage )?is (?:over|full)|would exceed (?:the )?(?:mailbox )?quota|insufficient (?:space|storage) (?:in|for) (?:the )?(?:user|mailbox|recipient)|recipient overquota|boite du destinataire pleine|account is full|has reached (?:its|their) storage limit|space has been used up|too much mail data|(?:is )?exceeding (?:their|its|the|his|her) (?:mailbox )?quota|disk ?space quota|(?:user|domain)?disk quota|does not have enough space|\bfull mailbox|mail file size exceeds the maximum|quota usage exceeded|not (?:enough|sufficient) (?:storage |disk )?space|(?:be )?over the allowed quota|would exceed (?:the )?maximum allowed storage|too many messages (?:on the server|in (?:the|this) mailbox)|exceeding (?:its |the )?receiving limits/i,
  },
  {
    reason: 'mesgtoobig',
    source: `${SISIMAI('mesgtoobig')}; RFC 3463 X.3.4 "message too big for system"`,
    pattern:
      /message (?:size |length |file )?(?:is )?too (?:big|large|long)|message (?:size|length) (?:exceeds|exceeded|over)|exceeds? (?:the )?(?:maximum |max |fixed |allowed )?(?:message )?size|size limit exceeded|mail size limit|message too big|is larger than (?:the )?(?:maximum|allowed)|taille limite du message|exceeded maximum inbound message size|line limit exceeded/i,
  },
  {
    reason: 'exceedlimit',
    source: `${SISIMAI('exceedlimit')}; RFC 3463 X.2.3 "message length exceeds administrative limit"`,
    pattern: /message (?:header )?size exceeds (?:the )?(?:administrative )?limit|exceeds? (?:the )?administrative limit|message header (?:size )?(?:is )?too (?:large|long)/i,
  },
  {
    reason: 'suspend',
    source: `${SISIMAI('suspend')}; RFC 3463 X.7.13 "user account disabled"; Google's 5.2.1 reply list`,
    pattern:
      /(?:account|mailbox|user|recipient|address) (?:has been |is |was )?(?:currently )?(?:disabled|suspended|deactivated|inactive|frozen|locked|blocked|expired|on hold|closed)|(?:disabled|suspended|deactivated|inactive|expired|closed) (?:account|mailbox|user)|account that you tried to reach is (?:disabled|inactive)|extended inactivity|not (?:currently )?being accepted for this mailbox|boite du destinataire archivee|archived recipient|le compte du destinataire est bloque|account (?:has been )?(?:discontinued|terminated)|(?:is|has been) (?:currently |temporarily )?suspended|temporar(?:il)?y locked|user is terminated|temporarily inactive|suspend(?:ed)? the service|(?:user|domain) (?:or domain )?is disabled|no longer accepts mail/i,
  },
  {
    reason: 'hasmoved',
    source: `${SISIMAI('hasmoved')}; RFC 3463 X.1.6 "destination mailbox has moved"`,
    pattern: /(?:mailbox|address|user|recipient) has (?:been )?moved|\bhas moved\b|no longer (?:at|with) this (?:address|domain)/i,
  },
  {
    reason: 'norelaying',
    source: `${SISIMAI('norelaying')}; RFC 5321 section 3.6.2 (relaying); qmail's rcpthosts message`,
    pattern:
      /relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|refused)|(?:unable|not permitted|not allowed|not configured|refused) to relay|(?:we|i) do not relay|\bno relaying\b|insecure mail relay|relaying (?:mail )?to [^ ]{1,100} (?:is )?not allowed|(?:is )?not in my list of allowed rcpthosts|isn't in my list of allowed rcpthosts|relay not permitted|mail relay (?:denied|refused)|not an open relay|not a gateway|we don't handle mail for|not local host|(?:requires|required) authentication when attempting to send to a non-local|domain isn't in my list of allowed rcpthosts?|\bas a relay\b|specified domain is not allowed/i,
  },
  {
    reason: 'authfailure',
    source: `${SISIMAI('authfailure')}; RFC 7372 (X.7.20-X.7.29); RFC 7208 (SPF); RFC 7489 (DMARC); Google's 5.7.26 reply`,
    pattern:
      /\bdmarc\b|\bspf\b.{0,40}(?:fail|not (?:pass|allowed|designated)|invalid|check)|(?:fail(?:ed|s)?|not pass) (?:to pass )?\bspf\b|\bdkim\b.{0,40}(?:fail|invalid|missing|not (?:pass|valid))|(?:fail(?:ed|s)?|not pass|no) (?:valid )?\bdkim\b|does not have authentication information|fails? to pass authentication checks|authentication checks? (?:failed|did not pass)|sender policy framework|is not (?:allowed|authorized|designated) to send mail (?:from|on behalf)|not designated to send|unauthenticated (?:e-?mail|message)|bad spf records|inspect your spf settings|per it's spf record/i,
  },
  {
    reason: 'userunknown',
    source: `${SISIMAI('userunknown')}; RFC 3463 X.1.1 "bad destination mailbox address"; Postfix local_recipient_maps and access(5) messages; qmail-smtpd; Exim "Unknown local part"; Domino/Notes directory messages`,
    pattern:
      /(?:user|recipient|mailbox|address|account|addressee|local part) (?:name )?(?:is )?(?:unknown|not found|not known|not recognized|not recognised|invalid|does ?n[o']t exist|not exist|not listed|non-existent|unavailable)|unknown (?:user|recipient|mailbox|address|local[- ]part|account|addressee)|no such (?:user|mailbox|recipient|account|address|local user|person)|invalid (?:recipient|mailbox|user|address|account)|(?:recipient|user|addressee) (?:address )?rejected: (?:user unknown|unknown user|invalid|undeliverable|access denied|no such)|recipient address rejected(?![:a-z ])|recipient address rejected: (?:unknown|user|invalid|undeliverable)|(?:address|mailbox|user|recipient|account) (?:that you tried to reach )?does not exist|does not exist here|(?:is )?not a (?:valid|known) (?:user|mailbox|recipient|address)|no mailbox here by that name|mailbox (?:not found|unavailable|not present)|recipnotfound|recipientnotfound|recipient not found|user doesn't have an? .{1,60} account|not listed in (?:the )?(?:domino directory|public name & address book|address book|directory)|bad destination mailbox|email account that you tried to reach does not exist|destination (?:address|mailbox) (?:is )?(?:unknown|invalid)|no account by that name|undeliverable address|adresse d au moins un destinataire invalide|nicht vorhanden|unknown or illegal alias|there is no one at this address|wrong or no longer valid|bad ?(?:rcpt ?to|recipient ?to) list|not in my validrcptto|missing home directory|user not active|utilisateur inconnu|unknown virtual user|nessun utente|no existe (?:dicha persona|ese usuario)|not a local address|recipient (?:is )?not (?:accepted|local|ok)|destination addresses were unknown|destination server rejected recipients|e-?mail address could not be found|is not an active address|no mail ?box (?:is )?(?:available|found|by that name)|mailbox unavaiable|no valid recipients|envelope recipient (?:has been )?denied|does not exist at the organization|in name directory|non-?existent user|user \S{1,254} (?:was not found|does not exist)|user \([^)]{0,254}\) unknown|unknown e-?mail address|recipient \S{1,254} was not found in|mailbox \S{1,254} does not exist/i,
  },
  {
    reason: 'filtered',
    source: `${SISIMAI('filtered')}; RFC 3463 X.2.1 "mailbox disabled, not accepting messages"`,
    pattern:
      /user reject|rejected by (?:the )?(?:recipient|user)(?:'s)? (?:filter|preferences|settings)|due to (?:the )?recipient(?:'s)? preferences|(?:is )?not accepting (?:any )?mail from|has restricted (?:sms )?e-?mail|message filtered|filtered by|content filter(?:ing)? (?:rejected|denied)|refuse(?:d|s)? to receive (?:mail|e-?mail|messages)|you have been blocked by the recipient|blocked by (?:the )?recipient|only accepting mail from specific|rejected due to user rules|this account is protected by|refuses? to receive this mail|resolver\.rst\.notauthorized|is not accepting any mail/i,
  },
  {
    reason: 'requireptr',
    source: `${SISIMAI('requireptr')}; RFC 7372 X.7.25 "reverse DNS validation failed"; Postfix reject_unknown_client_hostname; Sendmail "IP name lookup failed"`,
    pattern:
      /reverse dns|reverse (?:lookup|hostname|name)|\bptr\b|\brdns\b|cannot find your (?:reverse )?hostname|ip name (?:lookup|possibly forged)|client host(?:name)? (?:is )?(?:unknown|not resolv)|cannot resolve your (?:address|hostname)|no (?:reverse|dns) (?:record|entry) for (?:your )?ip|forward dns entry does not point to the sending ip|unresolvable relay host name|mismatches client ip|unverifyable sending ips|reverse dns lookup for host/i,
  },
  {
    reason: 'notcompliantrfc',
    source: `${SISIMAI('notcompliantrfc')}; RFC 5322 section 3.6 (header counts); Google's reply list ("multiple addresses in From", "not RFC 5322 compliant"); Amazon SES "Duplicate header"`,
    pattern:
      /rfc ?(?:5322|2822|822)\b.{0,30}(?:complian|conform|violat|format)|not (?:rfc|standards?)[ -]?(?:5322 |2822 )?complian|multiple addresses in (?:the )?from:? ?(?:header|$)|duplicate header|(?:more than one|multiple) (?:from|date|subject|message-id|to|sender) headers?|missing (?:a )?(?:required )?(?:from|date|message-id) header|header (?:is )?(?:malformed|not rfc)/i,
  },
  {
    reason: 'badreputation',
    source: `${SISIMAI('badreputation')}; Google's 5.7.1/4.7.0 reputation replies`,
    pattern: /(?:low|poor|bad|negative) (?:ip |sender |domain )?reputation|reputation (?:of|for) (?:the |your )?(?:sending|sender|ip|domain)|sender score|reputation score|due to (?:ip|domain) reputation|(?:ip|domain)(?:\/domain)? reputation problems|deferred due to unexpected volume or user complaints/i,
  },
  {
    reason: 'contenterror',
    source: `${SISIMAI('contenterror')}; RFC 3463 X.6.x (media errors); RFC 6152 (8BITMIME)`,
    pattern: /improper use of 8-?bit data|8-?bit data (?:not allowed|in header)|invalid mime|mime (?:error|syntax)|content[- ]type (?:is )?not (?:allowed|supported)|bare (?:lf|<lf>|linefeed|newline)|header syntax error|illegal (?:characters|header)|header size exceeds|mime complexity|improperly[- ]formatted binary content|unnecessary base64 encoding/i,
  },
  {
    reason: 'rejected',
    source: `${SISIMAI('rejected')}; RFC 3463 X.1.7/X.1.8 (sender address); Postfix reject_unknown_sender_domain and smtpd_sender_restrictions; Exim sender verification`,
    pattern:
      /sender (?:address |domain )?(?:is )?(?:rejected|refused|denied|invalid|blocked|not allowed|unknown)|(?:invalid|bad|unknown|unverified|unroutable) (?:envelope )?sender|sender verif(?:y|ication) failed|domain of sender address .{1,120} does not exist|sender domain (?:does not exist|not found|must resolve|must exist)|from:? (?:address |domain )?(?:is )?(?:invalid|not allowed|rejected)|envelope (?:sender|from) (?:has been )?(?:denied|rejected|blocked)|mail from (?:address )?(?:rejected|refused|not accepted)|return[- ]path (?:is )?(?:invalid|rejected)|(?:your|the) (?:e-?mail )?address (?:has been |is )?(?:blacklisted|blocked|banned)|emetteur invalide|invalid sender|not owned by user|all recipient addresses rejected|access denied \(in reply to mail from|sender blacklisted|administrative prohibition|\bbatv\b|backscatter protection|bogus mail from|determine purported responsible address|without a valid sender domain|empty envelope senders? (?:not allowed|rejected)|envelope blocked|no third-party dsns|fully qualified (?:e-?mail )?address required|is not a registered gateway user|e-?mail address is not verified|returned mail not accepted here|sender (?:address )?has been blacklisted|sender (?:e-?mail )?address rejected|sender is (?:in my black ?list|spammer)|sender not pre-approved|sender (?:domain )?is empty|sender was rejected|unsigned dsn|not allowed to post to this (?:mailing )?list|sending to\/from an address that has been blacklisted|your access to submit messages to this e-?mail system has been rejected|list of senders to accept mail from|delivery not authorized, message refused|this server does not accept mail from|empty e-?mail address|from a different address or alias|bouncedeny|senderfilterconfig/i,
  },
  {
    reason: 'hostunknown',
    source: `${SISIMAI('hostunknown')}; RFC 3463 X.1.2; Postfix "Host or domain name not found"; Exim "Unrouteable address"; qmail "couldn't find any host named"`,
    pattern:
      /host (?:or domain name )?(?:not found(?!, try again)|unknown)|host [a-z0-9.-]{1,255} not found|unknown host|(?:domain|host) (?:name )?(?:does not|doesn't) exist|no such (?:domain|host)|domain (?:is )?(?:not found|unknown|invalid|not reachable)|unknown domain|unrout(?:e)?able (?:mail )?(?:address|domain)|(?:couldn't|could not|cannot|can't) find any (?:host|mx)|all relevant mx records point to non-existent hosts|name or service not known|recipient domain (?:not found|does not exist|must exist)|bad destination system address|(?<![@.\w-])(?:[a-z0-9-]{1,63}\.){1,10}[a-z]{2,24} does not exist|nxdomain|domain must exist|mail domain (?:mentioned in (?:the )?e-?mail address )?is unknown|account or domain may not exist/i,
  },
  {
    reason: 'spamdetected',
    source: `${SISIMAI('spamdetected')}; Amavis "UBE" (unsolicited bulk email) replies; SpamAssassin score replies`,
    pattern: /\bspam\b|\bspams\b|unsolicited|blacklisted url|\buribl\b|\bsurbl\b|message content rejected|\bube\b|junk (?:mail|e-?mail)|bulk (?:mail|e-?mail)|spam ?score|classified as (?:junk|bulk)|message (?:was )?(?:identified|detected|flagged) as|looks like (?:spam|junk)|high probability of being|spamassassin|content filter rejection|mail content denied|unacceptable content|spamprofiler|recurrent pattern detection|banned content|rejecting mail content|spamming not allowed|failed several antispam checks|temporarily blocked by our filter|bulk\.advertising|our system has detected that this message is/i,
  },
  {
    reason: 'speeding',
    source: `${SISIMAI('speeding')}; Google's 4.2.1/5.2.1 "receiving mail at a rate" reply`,
    pattern: /receiving mail at a rate|rate that prevents additional messages|(?:sending|mail|message)s? (?:too fast|at too high a rate)|(?<!connection )rate limit(?:ed| exceeded)|exceeded (?:the )?(?:sending |message )?rate|too many (?:messages|mails|emails) (?:in|from|too)|frequency limit|try again slower/i,
  },
  {
    reason: 'toomanyconn',
    source: `${SISIMAI('toomanyconn')}; RFC 3463 X.5.3 "too many recipients"; RFC 5321 421`,
    pattern: /too many (?:connections|concurrent|simultaneous|sessions|recipients|smtp sessions|errors)|connection (?:limit|rate limit) (?:exceeded|reached)|(?:maximum|max) (?:number of )?(?:connections|recipients) (?:exceeded|reached)|concurrent connections? limit|slow down|maximum connection limit|per-domain connection limit|max(?:imum)? e-?mails per hour|throttling failure|trop de connexions/i,
  },
  {
    reason: 'blocked',
    source: `${SISIMAI('blocked')}; Postfix reject_rbl_client and "refused to talk to me"; Spamhaus/SpamCop DNSBL replies`,
    pattern:
      /blocked using|listed (?:in|on|at|by) (?:the )?(?:[a-z0-9.-]{1,60} )?(?:dnsbl|rbl|block ?list|black ?list|spamhaus|spamcop|barracuda|sorbs)|\b(?:dns)?rbl\b|block ?list(?:ed)?|black ?list(?:ed)?|spamhaus|spamcop|client host (?:\[[^\]]{1,60}\] )?(?:rejected|blocked)|refused to talk to me|dynamic(?:ally assigned)? ip|dial-?up|residential (?:ip|address)|(?:your|sending|client|source) ip (?:address )?(?:\[?[0-9a-f.:]{3,45}\]? )?(?:has been |is |was )?(?:blocked|banned|rejected|not allowed|listed|blacklisted)|ip (?:address )?(?:is )?(?:blocked|banned|blacklisted)|banned sending ip|open relay|blocked for abuse|(?:\d{1,3}\.){3}\d{1,3}\]? (?:is |has been )?blocked|not accepting connections|(?:use|through) the smtp server of your (?:isp|provider)|connection (?:rejected|blocked) (?:from|due to|by)|connection refused (?:from|due to)|access (?:denied|refused) for (?:your )?(?:ip|host)|mail server (?:is )?(?:blocked|blacklisted)|service refuse|bad sender ip|blocked - see http|refused - see http|dnsbl:|extreme bad ip profile|host network not allowed|invalid ip for sending mail|no access from mail server|not currently accepting mail from your ip|has not passed validation|rejecting open proxy|sender ip address rejected|server access forbidden by your ip|after initial connection|looks suspiciously like spammer|too many spams from your ip|unwanted messages have been sent from the following ip|you are not allowed to connect|your server requires confirmation|confirm this mail server|access from ip address \S{1,60} blocked|connections will not be accepted from|barracudacentral\.org|listed as abusive|ip address is listed at|abuseat\.org|(?:mail|e-?mail) server at \S{1,100} is blocked|dynamic\/zombied|helo command rejected|closing transmission channel|\bgo away\b/i,
  },
  {
    reason: 'virusdetected',
    source: `${SISIMAI('virusdetected')}`,
    pattern: /\bvirus|malware|infected|trojan|\bworm\b|phishing (?:content|url|link)|potentially executable attachment/i,
  },
  {
    reason: 'policyviolation',
    source: `${SISIMAI('policyviolation')}; Yahoo's "not accepted for policy reasons"; Google's "content presents a potential security issue"`,
    pattern:
      /policy (?:reasons|violation|rejection)|violat\w{0,10} (?:of )?(?:our|the|local|site|usage)? ?(?:\w{1,20} )?polic|against (?:our|the) polic|(?:denied|rejected|blocked|refused) (?:by|due to) (?:local |our |site )?policy|protocol violation|header error|content presents a potential|prohibited (?:attachment|file)|not allowed (?:by|per) (?:policy|our terms)|acceptable use policy|\baup\b|illegal attachment|members-only list|closed mailing list|due to security policies|rejected due to organizational settings|bounced due to organizational settings|rejected by organization policy|not subscribed to this group|do not accept messages containing images|mass mailer|captcha|messages with multiple addresses|header are not accepted|message given low priority|not accepting mail with/i,
  },
  {
    reason: 'systemerror',
    source: `${SISIMAI('systemerror')}; RFC 3463 X.3.x; RFC 5321 451 "local error in processing"`,
    pattern:
      /system (?:error|failure|problem)|internal (?:server )?error|server error|local error|(?:mail )?system (?:is )?(?:not available|unavailable)|service (?:is )?(?:currently )?unavailable|transaction failed|insufficient permission|configuration error|temporary (?:local )?problem|error in processing|(?:could not|cannot|unable to) (?:load|open|read|write)|mail (?:system|server) (?:is )?(?:misconfigured|not configured)|unable to process|loops back to (?:me|myself)|forwarding loop broken|loop was found in the mail exchanger|can't create (?:user )?output file|interrupted system call|encountered an error while being processed|queue file write error|server is misconfigured|system config(?:uration)? error|timeout waiting for input/i,
  },
  {
    reason: 'networkerror',
    source: `${SISIMAI('networkerror')}; RFC 3463 X.4.x (network and routing); Postfix "Name service error"; Exim "host lookup did not complete"`,
    pattern:
      /host not found, try again|network error|temporary failure in name resolution|dns (?:error|failure|lookup failed|query failed|problem)|temporary dns|servfail|malformed or unexpected name server reply|host lookup did not complete|lost connection|connection (?:reset|dropped|closed by)|no route to host|network (?:is )?unreachable|routing loop|mail loop|(?:maximum |too many )?hop count (?:exceeded)?|too many hops|message (?:is )?looping|unable to resolve|could not (?:look up|resolve)|could not connect and send|dns records for the destination (?:computer )?could not be found|host is unreachable|host name lookup failure|forwarding loop|malformed name server reply|unrouteable mail domain/i,
  },
  {
    reason: 'systemfull',
    source: `${SISIMAI('systemfull')}; RFC 3463 X.3.1 "mail system full"; RFC 5321 452 "insufficient system storage"`,
    pattern: /(?:mail )?system (?:is )?full|disk (?:is )?full|insufficient (?:system|disk) (?:storage|space)|out of (?:disk |storage )?space|no space left/i,
  },
  {
    reason: 'notaccept',
    source: `${SISIMAI('notaccept')}; RFC 7505 (null MX); RFC 3463 X.3.2 "system not accepting network messages"`,
    pattern: /no mx (?:records? |hosts? )?(?:found )?for|(?:host|domain|server|system) does not accept (?:any )?(?:e-?)?mail|does not accept (?:e-?)?mail|null mx|no smtp service|not accepting (?:network )?messages|accepts no mail|mail receiving disabled|no route for current request|smtp protocol returned a permanent error/i,
  },
  {
    reason: 'expired',
    source: `${SISIMAI('expired')}; RFC 3463 X.4.7 "delivery time expired"; qmail "in the queue too long"; Exim "retry timeout exceeded"`,
    pattern:
      /delivery time expired|(?:message|envelope) expired|(?:has|have) expired|expired after|retry time(?:out)? (?:not reached|exceeded)|gave up|giving up|too long in (?:the )?queue|queue (?:time|lifetime) (?:exceeded|expired)|could not be delivered (?:for|within|in) .{1,20}(?:days|hours)|unable to deliver (?:in|within)|(?:connection|session|command|smtp) (?:timed out|timeout)|timed out (?:while|after|waiting)|no answer from host|has not been delivered (?:yet|for)|delivery attempts? (?:will|have) (?:continue|been)|delivery expired|have been failing for a long time|has been delayed|not been collected after|message timed out|server did not respond|after multiple retries|not reachable within the allowed queue period|could not be delivered for more than|could not find a gateway for|failed to deliver to domain/i,
  },
  {
    reason: 'failedstarttls',
    source: `${SISIMAI('failedstarttls')}; RFC 3207 (STARTTLS); RFC 3463 X.7.10 "encryption needed"`,
    pattern: /starttls|tls (?:is )?required|requires? (?:a )?(?:secure|encrypted|tls) connection|tls negotiation failed|encryption required|must use tls|does not support tls/i,
  },
  {
    reason: 'securityerror',
    source: `${SISIMAI('securityerror')}; RFC 4954 (SMTP AUTH: 530 5.7.0, 535 5.7.8); RFC 3463 X.7.x`,
    pattern:
      /authentication (?:required|failed|unsuccessful)|must (?:authenticate|be authenticated)|not authori[sz]ed|permission denied|security (?:policy|reasons)|(?:sender|client) (?:is )?not authenticated|auth(?:entication)? (?:is )?not allowed|invalid credentials|authentication credentials invalid|unauthenticated senders? (?:are )?not (?:allowed|accepted)|authentification requise|authentication failure|authentication turned on in your (?:e-?mail )?client|verification failure|not subscribed to ses|don't authenticate|is a dead domain/i,
  },
  {
    reason: 'suppressed',
    source: `${SISIMAI('suppressed')}; Amazon SES suppression list documentation`,
    pattern: /suppression list|suppressed (?:sending|address|recipient)|has suppressed|on the (?:account-level |global )?suppression/i,
  },
  {
    reason: 'mailererror',
    source: `${SISIMAI('mailererror')}; Sendmail/Postfix local delivery agent messages`,
    pattern: /mailer error|command (?:died|failed|exited) with|pipe to \||procmail|unknown mailer|local delivery (?:agent )?failed|x-unix|\bexit \d{1,3}\b|maildrop|command output:/i,
  },
];

const BY_REASON = new Map<SisimaiReason, RegExp>(REASON_TEXTS.map((row) => [row.reason, row.pattern]));

/** Answers for the text last asked about: decide() asks several reasons (some twice) of one text. */
let memoText = '';
const memo = new Map<SisimaiReason, boolean>();

/** True when the text states the reason (see the table above). */
export function textSays(reason: SisimaiReason, text: string): boolean {
  if (text === '') return false;
  if (text !== memoText) {
    memoText = text;
    memo.clear();
  }
  const known = memo.get(reason);
  if (known !== undefined) return known;
  const pattern = BY_REASON.get(reason);
  const says = pattern?.test(text) === true;
  memo.set(reason, says);
  return says;
}
