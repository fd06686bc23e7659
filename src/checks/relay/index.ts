import type { LayerModule } from '../../core/engine.js';
import { credentialsCheck } from './credentials.js';
import { smtpEndpointCheck } from './endpoint.js';
import { sendPermissionCheck } from './permission.js';

/** Relay credentials: the SMTP IAM users' keys, their permission to send, and the SES SMTP endpoint. */
export const relayLayer: LayerModule = {
  layer: 'relay',
  checks: [credentialsCheck, sendPermissionCheck, smtpEndpointCheck],
};
