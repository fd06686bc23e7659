import type { LayerModule } from '../../core/engine.js';
import { accountCheck } from './account.js';
import { sesDkimCheck } from './dkim.js';
import { identityCheck } from './identity.js';
import { sesMailFromCheck } from './mail-from.js';
import { messageInsightsCheck } from './message-insights.js';
import { recommendationsCheck } from './recommendations.js';

/** SES identity and account: per region, what SES itself says about the sender and the account. */
export const sesLayer: LayerModule = {
  layer: 'ses',
  checks: [identityCheck, accountCheck, sesDkimCheck, sesMailFromCheck, recommendationsCheck, messageInsightsCheck],
};
