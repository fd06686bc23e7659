/**
 * Aggregation of watch items into groups: sender identity × recipient domain × kind and
 * category, each open for one window from its first event. Pure and clock-driven (the
 * caller passes `now`), so tests replay bursts without waiting.
 *
 * Quiet by default: a group asks to be posted when
 * - it is a complaint, a reject or a rendering failure (always);
 * - its category is new for that sender identity (not seen within NEW_CATEGORY_MEMORY_MS);
 * - its count reaches the threshold (MAILDIAG_EVENTS_MIN_BOUNCES; bounces and delays).
 * Memory is bounded: at most MAX_OPEN_GROUPS groups; past that, new recipient domains fold
 * into one `(other domains)` group per identity and category.
 */
import { createHash } from 'node:crypto';
import type { GroupKind, WatchItem } from './classify.js';

export const MAX_OPEN_GROUPS = 2_000;
export const OTHER_DOMAINS = '(other domains)';
/** How long a category stays "known" for a sender identity after it was last seen. */
export const NEW_CATEGORY_MEMORY_MS = 7 * 86_400_000;
const MAX_KNOWN_CATEGORIES = 20_000;
/** Addresses kept per group for the message (counts stay exact). */
export const MAX_ADDRESSES_KEPT = 50;

export type PostReason = 'always' | 'new-category' | 'threshold';

export interface Group {
  /** Short stable id (logs, button values). */
  id: string;
  key: string;
  kind: GroupKind;
  identity: string;
  recipientDomain: string;
  category: string;
  openedAt: Date;
  closesAt: Date;
  firstEventAt: Date;
  lastEventAt: Date;
  /** Items (recipients affected). */
  count: number;
  /** Distinct SES messages. */
  messages: number;
  addresses: Set<string>;
  addressCount: number;
  suppressedNow: Set<string>;
  suppressedNowCount: number;
  alreadySuppressed: Set<string>;
  alreadySuppressedCount: number;
  /** The item shown as typical: the first one with an interpretation, else the first. */
  typical: WatchItem;
  /** Why it posts; undefined while quiet. */
  postReason: PostReason | undefined;
  newCategory: boolean;
}

export interface Grouper {
  /** Adds items; returns the groups that changed (each once). */
  add(items: readonly WatchItem[], now: Date): Group[];
  /** Removes and returns the groups whose window has closed. */
  closeExpired(now: Date): Group[];
  readonly open: number;
  /** Items folded into `(other domains)` because too many groups were open. */
  readonly folded: number;
  /** Loads categories seen before (from the store, at start): they are not new. */
  seedKnown(entries: ReadonlyArray<{ key: string; lastSeen: Date }>): void;
  /** Category keys seen since the last call, with when (to write to the store). */
  drainSeen(): Array<{ key: string; at: Date }>;
}

function shortId(key: string, openedAt: Date): string {
  return createHash('sha256').update(`${key}\n${openedAt.toISOString()}`).digest('hex').slice(0, 12);
}

function addBounded(set: Set<string>, value: string): boolean {
  if (set.has(value)) return false;
  if (set.size < MAX_ADDRESSES_KEPT) set.add(value);
  return true;
}

export function createGrouper(options: { windowMs: number; minBounces: number }): Grouper {
  const groups = new Map<string, Group>();
  /** `identity kind category` → last seen (ms). */
  const known = new Map<string, number>();
  const seenAddresses = new Map<string, Set<string>>();
  const seenMessages = new Map<string, Set<string>>();
  /** Keys touched since drainSeen: written through to the store after each batch. */
  const touched = new Map<string, number>();
  let folded = 0;

  const isNewCategory = (item: WatchItem, at: number): boolean => {
    const key = `${item.identity}\u0000${item.kind}\u0000${item.category}`;
    const last = known.get(key);
    known.delete(key);
    known.set(key, at);
    touched.set(key, at);
    if (known.size > MAX_KNOWN_CATEGORIES) known.delete(known.keys().next().value as string);
    return last === undefined || at - last > NEW_CATEGORY_MEMORY_MS;
  };

  const decide = (group: Group): PostReason | undefined => {
    if (group.kind === 'Complaint' || group.kind === 'Reject' || group.kind === 'RenderingFailure') return 'always';
    if (group.newCategory) return 'new-category';
    if (group.count >= options.minBounces) return 'threshold';
    return undefined;
  };

  return {
    add(items, now) {
      const changed = new Set<Group>();
      const at = now.getTime();
      for (const item of items) {
        let domain = item.recipientDomain;
        let key = `${item.identity}\u0000${domain}\u0000${item.kind}\u0000${item.category}`;
        let group = groups.get(key);
        if (!group && groups.size >= MAX_OPEN_GROUPS) {
          domain = OTHER_DOMAINS;
          key = `${item.identity}\u0000${domain}\u0000${item.kind}\u0000${item.category}`;
          group = groups.get(key);
          folded += 1;
        }
        const newCategory = isNewCategory(item, at);
        if (!group) {
          group = {
            id: shortId(key, now),
            key,
            kind: item.kind,
            identity: item.identity,
            recipientDomain: domain,
            category: item.category,
            openedAt: now,
            closesAt: new Date(at + options.windowMs),
            firstEventAt: item.event.timestamp ?? now,
            lastEventAt: item.event.timestamp ?? now,
            count: 0,
            messages: 0,
            addresses: new Set(),
            addressCount: 0,
            suppressedNow: new Set(),
            suppressedNowCount: 0,
            alreadySuppressed: new Set(),
            alreadySuppressedCount: 0,
            typical: item,
            postReason: undefined,
            newCategory,
          };
          groups.set(key, group);
          seenAddresses.set(key, new Set());
          seenMessages.set(key, new Set());
        }
        group.count += 1;
        const eventAt = item.event.timestamp ?? now;
        if (eventAt < group.firstEventAt) group.firstEventAt = eventAt;
        if (eventAt > group.lastEventAt) group.lastEventAt = eventAt;
        // Exact distinct counts need every id; the sets are per open group and die with it.
        const messages = seenMessages.get(key);
        if (messages && !messages.has(item.event.mail.messageId)) {
          messages.add(item.event.mail.messageId);
          group.messages += 1;
        }
        if (item.address) {
          const addresses = seenAddresses.get(key);
          if (addresses && !addresses.has(item.address)) {
            addresses.add(item.address);
            group.addressCount += 1;
            addBounded(group.addresses, item.address);
            if (item.suppressedNow) {
              group.suppressedNowCount += 1;
              addBounded(group.suppressedNow, item.address);
            }
            if (item.alreadySuppressed) {
              group.alreadySuppressedCount += 1;
              addBounded(group.alreadySuppressed, item.address);
            }
          }
        }
        if (!group.typical.interpretation && item.interpretation) group.typical = item;
        group.postReason ??= decide(group);
        changed.add(group);
      }
      return [...changed];
    },
    closeExpired(now) {
      const closed: Group[] = [];
      for (const [key, group] of groups) {
        if (group.closesAt.getTime() > now.getTime()) continue;
        groups.delete(key);
        seenAddresses.delete(key);
        seenMessages.delete(key);
        closed.push(group);
      }
      return closed;
    },
    get open() {
      return groups.size;
    },
    get folded() {
      return folded;
    },
    seedKnown(entries) {
      for (const entry of entries) {
        const at = entry.lastSeen.getTime();
        if ((known.get(entry.key) ?? Number.NEGATIVE_INFINITY) < at) known.set(entry.key, at);
      }
      while (known.size > MAX_KNOWN_CATEGORIES) known.delete(known.keys().next().value as string);
    },
    drainSeen() {
      const seen = [...touched].map(([key, at]) => ({ key, at: new Date(at) }));
      touched.clear();
      return seen;
    },
  };
}
