/**
 * The one seam between the Slack thread handler and the ticket-text extraction owned by the
 * bounce-knowledge work (`src/knowledge/ticket-text.ts`, `extractFromThread(messages)`).
 * Until that module lands, a minimal address-only fallback keeps thread mentions useful;
 * once it exists it is picked up here without other changes (then this loader can become
 * a static import).
 */
import { InputError } from '../core/errors.js';
import type { InterpretedReply } from '../core/replies.js';
import { emptyTarget, normalizeAddress, type Target } from '../core/target.js';

export interface ThreadExtraction {
  target?: Target;
  replies: InterpretedReply[];
  notes: string[];
}

export type ThreadExtractor = (messages: string[]) => ThreadExtraction | Promise<ThreadExtraction>;

// A variable specifier: the module may not exist yet, and tsc must not require it.
const TICKET_TEXT_MODULE = '../knowledge/ticket-text.js';

/** Loads `extractFromThread` from the knowledge module, or the fallback when it is absent. */
export async function loadThreadExtractor(): Promise<{ extract: ThreadExtractor; source: 'knowledge' | 'fallback' }> {
  try {
    const loaded: unknown = await import(TICKET_TEXT_MODULE);
    const extract = (loaded as { extractFromThread?: unknown }).extractFromThread;
    if (typeof extract === 'function') return { extract: extract as ThreadExtractor, source: 'knowledge' };
  } catch {
    // Not built yet: fall through to the fallback.
  }
  return { extract: fallbackExtractFromThread, source: 'fallback' };
}

const ADDRESS = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SENDER_CUE = /\b(?:from|sender|send(?:ing)? as|as)\s*:?\s*<?(?:mailto:)?([A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/i;
const SYSTEM_LOCAL_PARTS = /^(?:mailer-daemon|postmaster|no-?reply|bounce[s]?)$/i;

/** Addresses only: a sender from a "From:"-like cue (else the first address), the rest as recipients. */
export function fallbackExtractFromThread(messages: string[]): ThreadExtraction {
  const text = messages.join('\n').replace(/<mailto:([^|>]+)\|[^>]*>/g, '$1');
  const addresses: string[] = [];
  for (const match of text.matchAll(ADDRESS)) {
    const address = tryAddress(match[0]);
    if (address && !addresses.includes(address) && !SYSTEM_LOCAL_PARTS.test(address.split('@')[0] ?? '')) addresses.push(address);
  }
  const cued = tryAddress(SENDER_CUE.exec(text)?.[1] ?? '');
  const sender = cued ?? addresses[0];
  if (!sender) return { replies: [], notes: [] };
  const parsed = normalizeAddress(sender);
  const target: Target = { ...emptyTarget(parsed.domain), senderAddress: parsed.address };
  target.recipients = addresses.filter((a) => a !== parsed.address).slice(0, 5);
  target.notes = [`Sender ${parsed.address} ${cued ? 'taken from a From:/as line' : 'is the first address'} in the thread (address-only extraction).`];
  return { target, replies: [], notes: target.notes };
}

function tryAddress(raw: string): string | undefined {
  try {
    return raw === '' ? undefined : normalizeAddress(raw.replace(/[.,;:]+$/, '')).address;
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
}
