/**
 * The registry of report formats, in the order they are tried: provider- and product-specific
 * layouts first, then the MTAs whose layout others reuse, then the generic RFC formats. The
 * first module whose detection holds reads the message (see ../parse.ts); the shared reader
 * (RFC 3464 fields, SMTP transcripts) runs for every format.
 */
import { activehunter } from './activehunter.js';
import { amazonses } from './amazonses.js';
import { amazonworkmail } from './amazonworkmail.js';
import { biglobe } from './biglobe.js';
import { courier } from './courier.js';
import { domino } from './domino.js';
import { dragonfly } from './dragonfly.js';
import { exchange2003 } from './exchange2003.js';
import { exchange2007 } from './exchange2007.js';
import { exim } from './exim.js';
import { ezweb } from './ezweb.js';
import { fml } from './fml.js';
import { gmail } from './gmail.js';
import { gmx } from './gmx.js';
import { googlegroups } from './googlegroups.js';
import { gsuite } from './gsuite.js';
import { imailserver } from './imailserver.js';
import { kddi } from './kddi.js';
import { mailfoundry } from './mailfoundry.js';
import { mailru } from './mailru.js';
import { mcafee } from './mcafee.js';
import { messagingserver } from './messagingserver.js';
import { mfilter } from './mfilter.js';
import { mxlogic } from './mxlogic.js';
import { notes } from './notes.js';
import { office365 } from './office365.js';
import { opensmtpd } from './opensmtpd.js';
import { outlook } from './outlook.js';
import { postfix } from './postfix.js';
import { qmail } from './qmail.js';
import { receivingses } from './receivingses.js';
import { arf, rfc3464, rfc3834 } from './rfc.js';
import { sendmail } from './sendmail.js';
import { amavis, barracuda, bigfoot, einsundeins, powermta, sendgrid, yandex } from './simplenotices.js';
import { surfcontrol } from './surfcontrol.js';
import type { FormatModule, MessageHead } from './types.js';
import { x1, x2, x3, x4, x6 } from './unnamed.js';
import { v5sendmail } from './v5sendmail.js';
import { verizon } from './verizon.js';
import { yahoo } from './yahoo.js';
import { zoho } from './zoho.js';

export const FORMAT_MODULES: readonly FormatModule[] = [
  arf,
  // Providers and products, recognised by their sender or their own wording.
  amazonses, receivingses, amazonworkmail, office365, outlook, googlegroups, gsuite, gmail, yahoo, zoho, mailru, gmx,
  yandex, sendgrid, einsundeins, biglobe, kddi, ezweb, verizon, fml,
  domino, notes, exchange2003, exchange2007, messagingserver, imailserver, mcafee, mxlogic, mfilter, mailfoundry,
  surfcontrol, activehunter, barracuda, amavis, powermta, bigfoot,
  x1, x2, x3, x4, x6,
  // MTAs whose layouts others reuse.
  dragonfly, opensmtpd, courier, qmail, v5sendmail, postfix, exim, sendmail,
  // Generic formats.
  rfc3464, rfc3834,
];

/** The first module whose every detection condition holds, or undefined. */
export function identifyFormat(head: MessageHead): FormatModule | undefined {
  const body = head.body.slice(0, 20_000);
  const headers = head.headers.slice(0, 20_000);
  return FORMAT_MODULES.find(({ detect }) => {
    if (!detect.from && !detect.subject && !detect.headers && !detect.body) return false;
    if (detect.from && !detect.from.test(head.from)) return false;
    if (detect.subject && !detect.subject.test(head.subject)) return false;
    if (detect.headers && !detect.headers.test(headers)) return false;
    return !detect.body || detect.body.test(body);
  });
}

export type { FormatModule, MessageHead } from './types.js';
