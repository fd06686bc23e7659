/**
 * Slash commands are acked before Bolt sees them (HTTP receiver only). Under a burst the acks
 * of a whole burst go out one after another on one thread, so the last ack waits for every ack
 * before it; Bolt's path (signature check with `tsscmp`, body parsing, the middleware and
 * listener chains of every registered listener) cost about 1 to 2 ms a request, most of an ack.
 *
 * Here a slash command is acked from the buffered request: our own signature check (a prepared
 * key and `timingSafeEqual`), the payload schema, and the listener's own pre-ack decision
 * (`decideSlashAck`: channel, usage, watch, length, a place in the run queue). The decision is
 * then handed to Bolt, after the burst's acks (src/slack/ack-first.ts), with a no-op ack: the
 * listener takes it instead of deciding again, and everything after the ack is unchanged.
 *
 * Only what would pass Bolt takes this path: a request that does not verify here, a malformed
 * payload or anything that is not our slash command goes to Bolt untouched, which verifies,
 * refuses or answers it as before.
 */
import type { ServerResponse } from 'node:http';
import type { BufferedIncomingMessage } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AckFirst } from './ack-first.js';
import type { SlackDeps } from './deps.js';
import { SLASH_COMMAND } from './ids.js';
import { decideSlashAck, type SlashAck } from './listeners/slash-command.js';
import { parseSlashCommand } from './payload-schema.js';
import { slackSignatureVerifier } from './signature.js';

/** Decisions the fast path made, waiting for the listener of the same command body. */
export interface PreAckedCommands {
  /** The decision for this command body, once (the listener then does not decide again). */
  take(command: object): SlashAck | undefined;
}

export interface SlashFastAckOptions {
  deps: Pick<SlackDeps, 'log' | 'runs' | 'allowedChannels'>;
  signingSecret: string;
  /** Runs Bolt's middleware and listeners for an acked command (`app.processEvent` with a no-op ack). */
  dispatch: (body: Record<string, unknown>) => Promise<void>;
  ackFirst: AckFirst;
  log: Logger;
  nowSeconds?: () => number;
}

export interface SlashFastAck {
  preAcked: PreAckedCommands;
  /** Acks the request and returns true, or returns false and leaves it (unanswered) to Bolt. */
  handle(request: BufferedIncomingMessage, res: ServerResponse, body: Record<string, unknown>): boolean;
  /** Commands acked whose listener has not run yet (tests). */
  readonly pending: number;
}

export function createSlashFastAck(options: SlashFastAckOptions): SlashFastAck {
  const verify = slackSignatureVerifier(options.signingSecret, options.nowSeconds);
  const decisions = new Map<object, SlashAck>();
  let pending = 0;
  const log = options.log.child({ component: 'fast-ack' });

  const handOver = async (body: Record<string, unknown>, decision: SlashAck): Promise<void> => {
    pending += 1;
    try {
      // Bolt's work for this command waits until the burst's other requests are acked.
      await options.ackFirst.turn();
      decisions.set(body, decision);
      await options.dispatch(body);
    } catch (error) {
      log.error({ err: error }, 'a slash command failed after its ack');
    } finally {
      pending -= 1;
      if (decisions.delete(body)) {
        // No listener took it (a middleware dropped it): its place in the queue is given back.
        if (decision.kind === 'accepted') decision.reservation.release();
        log.warn({ decision: decision.kind }, 'a slash command was acked but no listener took it');
      }
    }
  };

  return {
    preAcked: {
      take(command) {
        const decision = decisions.get(command);
        if (decision) decisions.delete(command);
        return decision;
      },
    },
    handle(request, res, body) {
      // Bolt parses form bodies only under exactly this content type; anything else is Bolt's.
      if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') return false;
      if (body.command !== SLASH_COMMAND || 'payload' in body || 'ssl_check' in body) return false;
      if (!verify({ timestamp: request.headers['x-slack-request-timestamp'], signature: request.headers['x-slack-signature'], rawBody: request.rawBody })) return false;
      // The same schema the payload middleware applies; a body it refuses is Bolt's to drop.
      const command = parseSlashCommand(body);
      if (!command) return false;
      const decision = decideSlashAck(options.deps, command);
      // As Bolt answers an ack: a JSON body, or an empty 200.
      if (decision.kind === 'reply') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(decision.body));
        log.debug({ decision: decision.kind }, 'slash command answered before Bolt');
        return true;
      }
      res.writeHead(200);
      res.end();
      log.debug({ decision: decision.kind }, 'slash command acked before Bolt');
      void handOver(body, decision);
      return true;
    },
    get pending() {
      return pending;
    },
  };
}
