/**
 * The seam between the Slack thread handler and the ticket-text extraction of the bounce
 * knowledge (`src/knowledge/ticket-text.ts`). The handler needs only the target, the
 * interpreted replies and the notes; tests can inject any function of this shape.
 *
 * Reading is synchronous CPU work on the thread that also acks Slack. A short thread takes a
 * few ms, but the longest the bot accepts (500 messages or 1 MiB) held that thread 230 to
 * 300 ms (`scripts/bench-blocking.ts`, issue 13): every ack arriving meanwhile waited. So a
 * thread above `offThreadAboveChars` is read in a worker thread (node's own; one, started on
 * first need, reused, never keeping the process alive when idle). If the worker cannot start
 * or fails, the thread is read here instead: slower acks, nothing lost.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { InterpretedReply } from '../core/replies.js';
import type { Target } from '../core/target.js';
import { extractFromThread } from '../knowledge/ticket-text.js';
import type { ThreadWorkerRequest } from './thread-worker.js';

export interface ThreadExtraction {
  target?: Target;
  replies: InterpretedReply[];
  notes: string[];
}

export type ThreadExtractor = (messages: string[]) => ThreadExtraction | Promise<ThreadExtraction>;

export const defaultThreadExtractor: ThreadExtractor = (messages) => extractFromThread(messages);

/** Threads longer than this (characters in all) are read in the worker: a few ms of work here. */
export const OFF_THREAD_ABOVE_CHARS = 32 * 1024;

export interface WorkerThreadExtractor {
  extract: ThreadExtractor;
  /** Threads read in the worker so far (tests, metrics). */
  readonly readOffThread: number;
  /** Ends the worker; later threads are read on this thread. */
  close(): Promise<void>;
}

export interface WorkerThreadExtractorOptions {
  offThreadAboveChars?: number;
  log?: Pick<Logger, 'warn'>;
  /** The worker's entry (tests); default `thread-worker` beside this module. */
  workerUrl?: URL;
}

type WorkerReply = { id: number; extraction: ThreadExtraction } | { id: number; error: string };

export function createWorkerThreadExtractor(options: WorkerThreadExtractorOptions = {}): WorkerThreadExtractor {
  const threshold = options.offThreadAboveChars ?? OFF_THREAD_ABOVE_CHARS;
  // From source (tests, tsx) the entry is TypeScript and needs tsx's loader; built, plain JS.
  const fromSource = import.meta.url.endsWith('.ts');
  const workerUrl = options.workerUrl ?? new URL(fromSource ? './thread-worker.ts' : './thread-worker.js', import.meta.url);
  const pending = new Map<number, { resolve(extraction: ThreadExtraction): void; reject(error: Error): void }>();
  let worker: Worker | undefined;
  let nextId = 0;
  let closed = false;
  let readOffThread = 0;

  const failAll = (error: Error): void => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(workerUrl, { execArgv: workerUrl.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [] });
    started.on('message', (reply: WorkerReply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else {
        readOffThread += 1;
        waiter.resolve(reply.extraction);
      }
      // Idle: it must not keep the process alive.
      if (pending.size === 0) started.unref();
    });
    started.on('error', (error) => {
      if (worker === started) worker = undefined;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`the thread reader stopped (exit code ${code})`));
    });
    return started;
  };

  const readInWorker = (messages: string[]): Promise<ThreadExtraction> =>
    new Promise((resolve, reject) => {
      worker ??= start();
      worker.ref();
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, messages } satisfies ThreadWorkerRequest);
    });

  return {
    extract(messages) {
      let size = 0;
      for (const message of messages) size += typeof message === 'string' ? message.length : 0;
      if (closed || size <= threshold) return extractFromThread(messages);
      return readInWorker(messages).catch((error: unknown) => {
        options.log?.warn({ err: { message: (error as Error).message } }, 'could not read the thread in the worker; reading it on the main thread');
        return extractFromThread(messages);
      });
    },
    get readOffThread() {
      return readOffThread;
    },
    async close() {
      closed = true;
      const running = worker;
      worker = undefined;
      if (running) await running.terminate();
    },
  };
}
