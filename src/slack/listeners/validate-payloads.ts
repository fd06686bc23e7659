/**
 * Global middleware, first in line: a payload whose fields do not have the types our
 * listeners read (see ../payload-schema.ts) is acknowledged, logged with the offending
 * field names (never values) and dropped: no listener, store or AWS call sees it.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { validateSlackPayload } from '../payload-schema.js';

export function validatePayloads(deps: Pick<SlackDeps, 'log'>): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const verdict = validateSlackPayload(args.body);
    if (!verdict.ok) {
      deps.log.warn({ kind: verdict.kind, issues: verdict.issues }, 'refused: malformed Slack payload');
      // Acknowledge so Slack does not retry; events were already acked by Bolt.
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await args.next();
  };
}
