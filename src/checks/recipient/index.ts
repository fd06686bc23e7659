import type { LayerModule } from '../../core/engine.js';
import { recipientMxCheck } from './mx.js';
import { repliesCheck } from './replies.js';

/** The recipient server: who hosts the recipient's mail, and what its replies mean. */
export const recipientLayer: LayerModule = {
  layer: 'recipient',
  checks: [recipientMxCheck, repliesCheck],
};
