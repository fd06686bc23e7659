/**
 * The one explicit list of layers. Order is the delivery path: relay, SES, DNS,
 * suppression, recipient. test/checks/registry.test.ts checks every unit against the contract.
 */
import type { LayerModule } from '../core/engine.js';
import { dnsLayer } from './dns/index.js';
import { recipientLayer } from './recipient/index.js';
import { relayLayer } from './relay/index.js';
import { sesLayer } from './ses/index.js';
import { suppressionLayer } from './suppression/index.js';

export const LAYER_MODULES: readonly LayerModule[] = [relayLayer, sesLayer, dnsLayer, suppressionLayer, recipientLayer];
