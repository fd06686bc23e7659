import type { LayerModule } from '../../core/engine.js';

/** The suppression layer. Checks are registered here. */
export const suppressionLayer: LayerModule = {
  layer: 'suppression',
  checks: [],
};
