import type { LayerModule } from '../../core/engine.js';
import { mxCheck } from './mx.js';

/** DNS authentication: MX, SPF, DKIM, DMARC, custom MAIL FROM. */
export const dnsLayer: LayerModule = {
  layer: 'dns',
  checks: [mxCheck],
};
