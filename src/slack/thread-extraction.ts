/**
 * The seam between the Slack thread handler and the ticket-text extraction of the bounce
 * knowledge (`src/knowledge/ticket-text.ts`). The handler needs only the target, the
 * interpreted replies and the notes; tests can inject any function of this shape.
 */
import type { InterpretedReply } from '../core/replies.js';
import type { Target } from '../core/target.js';
import { extractFromThread } from '../knowledge/ticket-text.js';

export interface ThreadExtraction {
  target?: Target;
  replies: InterpretedReply[];
  notes: string[];
}

export type ThreadExtractor = (messages: string[]) => ThreadExtraction | Promise<ThreadExtraction>;

export const defaultThreadExtractor: ThreadExtractor = (messages) => extractFromThread(messages);
