import type { LayerModule } from '../../core/engine.js';

/** The ses layer. Checks are registered here. */
export const sesLayer: LayerModule = {
  layer: 'ses',
  checks: [],
};
