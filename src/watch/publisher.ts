/**
 * Puts groups in the events channel: one chat.postMessage when a group first asks to be
 * posted, then chat.update as it grows (coalesced: at most one update per group per
 * UPDATE_INTERVAL_MS, the latest state wins), and a last update when its window closes.
 *
 * Bounded whatever the input: at most MAX_POSTS_PER_WINDOW new messages per window across
 * all groups; groups past that budget are logged, counted and listed together in one
 * "held back" message (posted once, then updated like a group). Posts go through the app's
 * channel pacer, and a failed post is not retried for RETRY_POST_AFTER_MS.
 */
import type { Logger } from 'pino';
import type { SlackGateway } from '../slack/gateway.js';
import { createCoalescedUpdater, type CoalescedUpdater, type Scheduler } from '../slack/progress.js';
import { describeSlackFailure } from '../slack/slack-errors.js';
import type { Group } from './groups.js';
import { renderGroupMessage, renderHeldBackMessage } from './render.js';

export const UPDATE_INTERVAL_MS = 10_000;
export const MAX_POSTS_PER_WINDOW = 25;
const RETRY_POST_AFTER_MS = 60_000;

export interface PublisherStats {
  posts: number;
  updates: number;
  failedPosts: number;
  failedUpdates: number;
  heldBack: number;
}

export interface Publisher {
  /** Groups that changed in a batch. */
  changed(groups: readonly Group[]): void;
  /** Groups whose window closed: a last update if they were posted, then forgotten. */
  closed(groups: readonly Group[]): void;
  /** Waits for posts and updates in flight and sends pending ones (shutdown, tests). */
  flush(): Promise<void>;
  readonly stats: PublisherStats;
  /** ts of a group's message, once posted. */
  messageTs(groupId: string): string | undefined;
}

interface OverflowState {
  ts: string | undefined;
  posting: Promise<void> | undefined;
  /** Its state is the number of groups listed; the message is rendered when sent. */
  updater: CoalescedUpdater<number> | undefined;
  dirty: boolean;
  failedAt: number | undefined;
}

interface Posted {
  ts: string | undefined;
  posting: Promise<void> | undefined;
  updater: CoalescedUpdater<Group> | undefined;
  dirty: boolean;
  failedAt: number | undefined;
}

export function createPublisher(options: {
  slack: SlackGateway;
  channel: string;
  windowMs: number;
  scheduler: Scheduler;
  log: Logger;
  updateIntervalMs?: number;
  maxPostsPerWindow?: number;
}): Publisher {
  const { slack, channel, scheduler, log } = options;
  const maxPosts = options.maxPostsPerWindow ?? MAX_POSTS_PER_WINDOW;
  const states = new Map<string, Posted>();
  const postTimes: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const held = new Set<string>();
  /** The held-back message of the current budget period: its groups, and its own message state. */
  let overflow: { groups: Map<string, Group>; state: OverflowState; openedAt: number } | undefined;
  const stats: PublisherStats = { posts: 0, updates: 0, failedPosts: 0, failedUpdates: 0, heldBack: 0 };

  const track = (promise: Promise<void>): void => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };

  /** Runs `work` and keeps it in flight until it settles, so flush() waits for updates too. */
  const tracked = (work: () => Promise<void>): Promise<void> => {
    const promise = work();
    track(promise.catch(() => undefined));
    return promise;
  };

  const render = (group: Group, closed = false) => renderGroupMessage(group, { windowMs: options.windowMs, closed });

  const budgetLeft = (): boolean => {
    const since = scheduler.now() - options.windowMs;
    while (postTimes.length > 0 && (postTimes[0] ?? 0) <= since) postTimes.shift();
    return postTimes.length < maxPosts;
  };

  const postOverflow = (): void => {
    const current = overflow;
    if (!current) return;
    const message = () => renderHeldBackMessage([...current.groups.values()], { maxPosts, windowMs: options.windowMs });
    const state = current.state;
    if (state.updater) {
      state.updater.push(current.groups.size);
      return;
    }
    if (state.posting) {
      state.dirty = true;
      return;
    }
    if (state.ts === undefined && state.failedAt !== undefined && scheduler.now() - state.failedAt < RETRY_POST_AFTER_MS) return;
    const posting = slack
      .postMessage(channel, message())
      .then(({ ts }) => {
        state.ts = ts;
        stats.posts += 1;
        state.updater = createCoalescedUpdater<number>({
          send: (): Promise<void> =>
            tracked(async () => {
              await slack.update(channel, ts, message());
              stats.updates += 1;
            }),
          minIntervalMs: options.updateIntervalMs ?? UPDATE_INTERVAL_MS,
          scheduler,
          onError: (error) => {
            stats.failedUpdates += 1;
            log.warn({ err: error }, 'watch held-back message update failed');
          },
        });
        if (state.dirty) {
          state.dirty = false;
          state.updater.push(current.groups.size);
        }
      })
      .catch((error: unknown) => {
        stats.failedPosts += 1;
        state.failedAt = scheduler.now();
        log.warn({ err: error, slackError: describeSlackFailure(error).code }, 'watch held-back message could not be posted');
      })
      .finally(() => {
        state.posting = undefined;
      });
    state.posting = posting;
    track(posting);
  };

  const post = (group: Group, state: Posted): void => {
    postTimes.push(scheduler.now());
    const posting = slack
      .postMessage(channel, render(group))
      .then(({ ts }) => {
        state.ts = ts;
        stats.posts += 1;
        log.info({ group: group.id, kind: group.kind, identity: group.identity, recipientDomain: group.recipientDomain, category: group.category, count: group.count, reason: group.postReason }, 'watch group posted');
        state.updater = createCoalescedUpdater<Group>({
          send: (g): Promise<void> =>
            tracked(async () => {
              await slack.update(channel, ts, render(g, g.closesAt.getTime() <= scheduler.now()));
              stats.updates += 1;
            }),
          minIntervalMs: options.updateIntervalMs ?? UPDATE_INTERVAL_MS,
          scheduler,
          onError: (error) => {
            stats.failedUpdates += 1;
            log.warn({ group: group.id, err: error, slackError: describeSlackFailure(error).code }, 'watch group update failed');
          },
        });
        // Counts that arrived while the post was in flight.
        if (state.dirty) {
          state.dirty = false;
          state.updater.push(group);
        }
      })
      .catch((error: unknown) => {
        stats.failedPosts += 1;
        state.failedAt = scheduler.now();
        log.warn({ group: group.id, err: error, slackError: describeSlackFailure(error).code }, 'watch group could not be posted');
      })
      .finally(() => {
        state.posting = undefined;
      });
    state.posting = posting;
    track(posting);
  };

  return {
    changed(groups) {
      let heldChanged = false;
      for (const group of groups) {
        if (!group.postReason) continue;
        if (held.has(group.id) && overflow?.groups.has(group.id)) {
          heldChanged = true;
          continue;
        }
        let state = states.get(group.id);
        if (!state) {
          if (!budgetLeft()) {
            if (!held.has(group.id)) {
              held.add(group.id);
              stats.heldBack += 1;
              log.warn({ group: group.id, kind: group.kind, identity: group.identity, recipientDomain: group.recipientDomain, postsInWindow: postTimes.length }, 'watch group held back: post budget for this window used up');
            }
            // One held-back message per budget period lists them all (it is the only post past the budget).
            if (!overflow || scheduler.now() - overflow.openedAt >= options.windowMs) {
              overflow = { groups: new Map(), state: { ts: undefined, posting: undefined, updater: undefined, dirty: false, failedAt: undefined }, openedAt: scheduler.now() };
            }
            overflow.groups.set(group.id, group);
            heldChanged = true;
            continue;
          }
          held.delete(group.id);
          state = { ts: undefined, posting: undefined, updater: undefined, dirty: false, failedAt: undefined };
          states.set(group.id, state);
          post(group, state);
          continue;
        }
        if (state.updater) state.updater.push(group);
        else if (state.posting) state.dirty = true;
        else if (state.failedAt !== undefined && scheduler.now() - state.failedAt >= RETRY_POST_AFTER_MS) post(group, state);
      }
      if (heldChanged) postOverflow();
    },
    closed(groups) {
      for (const group of groups) {
        held.delete(group.id);
        const state = states.get(group.id);
        if (!state) continue;
        states.delete(group.id);
        const finish = async (): Promise<void> => {
          if (state.posting) await state.posting;
          if (state.updater) await state.updater.finish(group);
        };
        track(
          finish().catch((error: unknown) => {
            stats.failedUpdates += 1;
            log.warn({ group: group.id, err: error }, 'watch group final update failed');
          }),
        );
      }
    },
    async flush() {
      for (const state of states.values()) if (state.posting) await state.posting;
      if (overflow?.state.posting) await overflow.state.posting;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    get stats() {
      return stats;
    },
    messageTs(groupId) {
      return states.get(groupId)?.ts;
    },
  };
}
