/** DragonFly Mail Agent (dma): `There was an error delivering your mail to <a>.` then the reason. */
import type { FormatModule } from './types.js';

export const dragonfly: FormatModule = {
  id: 'dragonfly',
  name: 'DragonFly Mail Agent',
  source: 'DragonFly Mail Agent (dma) bounce texts (https://github.com/corecode/dma)',
  detect: { body: /This is the DragonFly Mail Agent/i },
  blocks: {
    recipient: /There was an error delivering your mail to <?([^\s<>]{1,254}@[A-Za-z0-9.-]{1,253}[A-Za-z])>?\.?\s*$/i,
    continuation: /^\S/,
    end: /^Message headers follow/i,
  },
};
