/** SurfControl (Websense) e-mail filter: `Addressed To:`, `Failed to send to identified host,`. */
import type { FormatModule } from './types.js';

export const surfcontrol: FormatModule = {
  id: 'surfcontrol',
  name: 'SurfControl',
  source: 'SurfControl E-mail Filter delivery failure notices',
  detect: { body: /A transcript of the attempts to send the message follows/i },
  blocks: {
    recipient: /^([^\s<>@:]{1,64}@[A-Za-z0-9.-]{1,253}[A-Za-z]):\s?(.*)$/,
    continuation: /^\s{2,}\S/,
  },
};
