import type { LayerModule } from '../../core/engine.js';
import { suppressionCheck } from './listed.js';

/** Suppression list: is each recipient on the SES account-level list, and why. */
export const suppressionLayer: LayerModule = {
  layer: 'suppression',
  checks: [suppressionCheck],
};
