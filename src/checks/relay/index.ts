import type { LayerModule } from '../../core/engine.js';

/** The relay layer. Checks are registered here. */
export const relayLayer: LayerModule = {
  layer: 'relay',
  checks: [],
};
