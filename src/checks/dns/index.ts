import type { LayerModule } from '../../core/engine.js';
import { dkimCheck } from './dkim.js';
import { dmarcCheck } from './dmarc.js';
import { mailFromCheck } from './mail-from.js';
import { mxCheck } from './mx.js';
import { spfCheck } from './spf.js';

/** DNS authentication: MX, SPF, DKIM, DMARC, custom MAIL FROM. */
export const dnsLayer: LayerModule = {
  layer: 'dns',
  checks: [mxCheck, spfCheck, dkimCheck, dmarcCheck, mailFromCheck],
};
