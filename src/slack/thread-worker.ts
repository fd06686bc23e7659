/**
 * Worker-thread entry: reads a long ticket thread away from the thread that acks Slack
 * (src/slack/thread-extraction.ts). One request at a time, in order.
 */
import { parentPort } from 'node:worker_threads';
import { extractFromThread } from '../knowledge/ticket-text.js';

export interface ThreadWorkerRequest {
  id: number;
  messages: string[];
}

parentPort?.on('message', (request: ThreadWorkerRequest) => {
  try {
    parentPort?.postMessage({ id: request.id, extraction: extractFromThread(request.messages) });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
