/** Event dedupe, coalesced progress updates and the private-error classification. */
import { describe, expect, it } from 'vitest';
import { createEventDeduper } from '../../src/slack/event-dedupe.js';
import { mentionArguments } from '../../src/slack/listeners/app-mention.js';
import { createCoalescedUpdater } from '../../src/slack/progress.js';
import { describeSlackFailure } from '../../src/slack/slack-errors.js';
import { manualScheduler } from '../support/manual-scheduler.js';

describe('event dedupe', () => {
  it('accepts an id once within the window, again after expiry, and stays bounded', async () => {
    let now = 0;
    const dedupe = createEventDeduper({ ttlMs: 1000, maxEntries: 3, now: () => now });
    expect(await dedupe.firstSeen('a')).toBe(true);
    expect(await dedupe.firstSeen('a')).toBe(false);
    now = 1001;
    expect(await dedupe.firstSeen('a')).toBe(true);
    for (const id of ['b', 'c', 'd', 'e']) await dedupe.firstSeen(id);
    expect(dedupe.size).toBeLessThanOrEqual(3);
    expect(await dedupe.firstSeen('e')).toBe(false);
  });
});

/** Lets settled promises run their handlers (a macrotask turn; no timer, no sleep). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalesced progress updates', () => {
  it('sends at most one update per interval, latest state wins, final always last', async () => {
    const scheduler = manualScheduler();
    const sent: string[] = [];
    let release: (() => void) | undefined;
    const updater = createCoalescedUpdater<string>({
      minIntervalMs: 1000,
      scheduler,
      send: (state) => {
        sent.push(state);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    updater.push('one');
    expect(sent).toEqual(['one']);
    updater.push('two');
    updater.push('three');
    release?.();
    await flush();
    expect(sent).toEqual(['one']);
    scheduler.advance(1000);
    expect(sent).toEqual(['one', 'three']);
    updater.push('four');
    const finishing = updater.finish('final');
    release?.();
    await flush();
    release?.();
    await finishing;
    expect(sent).toEqual(['one', 'three', 'final']);
  });
});

describe('Slack failures for users', () => {
  it('classifies by the platform error code and names the missing scope', () => {
    const platform = (error: string, extra: Record<string, unknown> = {}) => ({ code: 'slack_webapi_platform_error', data: { ok: false, error, ...extra } });
    expect(describeSlackFailure(platform('not_in_channel')).message).toContain('/invite @maildiag');
    expect(describeSlackFailure(platform('missing_scope', { needed: 'groups:history' })).message).toContain('`groups:history`');
    expect(describeSlackFailure(new Error('xoxb-secret in a message')).message).not.toContain('xoxb');
  });

  it('reads what follows a mention', () => {
    expect(mentionArguments('<@U0BOT> diagnose')).toBe('');
    expect(mentionArguments('<@U0BOT>  example.com to=a@b.example')).toBe('example.com to=a@b.example');
    expect(mentionArguments('<@U0BOT|maildiag> help')).toBe('help');
  });
});
