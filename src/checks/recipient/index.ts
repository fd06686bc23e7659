import type { LayerModule } from '../../core/engine.js';

/** The recipient layer. Checks are registered here. */
export const recipientLayer: LayerModule = {
  layer: 'recipient',
  checks: [],
};
