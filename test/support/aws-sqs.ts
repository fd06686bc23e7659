/**
 * SQS for the loopback AWS endpoint: the AWS JSON 1.0 protocol that current
 * @aws-sdk/client-sqs speaks (`X-Amz-Target: AmazonSQS.<Operation>`, content type
 * `application/x-amz-json-1.0`, errors as `{__type, message}` with the query-compatible
 * `x-amzn-query-error` header), checked against the SDK's own protocol settings
 * (`serviceTarget: "AmazonSQS"`, `AwsJson1_0Protocol`, `awsQueryCompatible: true`).
 *
 * Queues behave like SQS where the watch depends on it: a received message is invisible for
 * the visibility timeout and comes back (receive count + 1, a new receipt handle) unless it
 * is deleted with its latest receipt handle; after maxReceiveCount receives it moves to the
 * dead-letter queue; ReceiveMessage long-polls (answers when a message arrives or the wait
 * ends). Time is the queue's own clock, which tests advance by hand.
 */
import { createHash, randomUUID } from 'node:crypto';

export interface SimMessage {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  invisibleUntil: number;
  receiptHandle: string | undefined;
}

export interface SimQueue {
  name: string;
  url: string;
  messages: SimMessage[];
  visibilityTimeoutSeconds: number;
  /** Receives after which a message moves to `deadLetterQueue` (the queue's redrive policy). */
  maxReceiveCount: number | undefined;
  deadLetterQueue: string | undefined;
  deleted: number;
}

export interface SqsFaults {
  /** The next N calls of the named operation answer with this error. */
  failNext: Record<string, { count: number; status: number; code: string; queryCode: string; message: string }>;
}

export interface SqsSim {
  /** Creates (or returns) a queue and its URL under the endpoint. */
  createQueue(name: string, options?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; deadLetterQueue?: string }): SimQueue;
  queue(name: string): SimQueue;
  /** Puts a message on a queue (what SNS does); returns its SQS MessageId. */
  send(queueName: string, body: string): string;
  /** The queue's clock (ms); `advance` moves it (visibility timeouts expire). */
  now(): number;
  advance(ms: number): void;
  faults: SqsFaults;
  /** Makes the next `count` calls of an operation fail (`InternalError` 500 by default). */
  failNext(operation: string, count?: number, error?: Partial<{ status: number; code: string; queryCode: string; message: string }>): void;
  /** Long poll: resolves when a message is visible or the wait has passed (real time, as SQS). */
  waitForMessages(json: Record<string, unknown>): Promise<void>;
  /** Answers one request; used by the endpoint. */
  handle(operation: string, json: Record<string, unknown>): { status: number; payload: unknown; queryError?: string };
  close(): void;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export function createSqsSim(baseUrl: () => string, accountId: string, startMs = Date.UTC(2026, 2, 2, 12)): SqsSim {
  const queues = new Map<string, SimQueue>();
  let clock = startMs;
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const faults: SqsFaults = { failNext: {} };

  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  const byUrl = (url: unknown): SimQueue | undefined => {
    const name = typeof url === 'string' ? url.split('/').pop() : undefined;
    return name ? queues.get(name) : undefined;
  };

  const hasVisible = (queue: SimQueue): boolean => queue.messages.some((m) => m.invisibleUntil <= clock);

  /** Stops at `max`: a receive walks the queue only as far as it needs (the benchmark preloads 10,000). */
  const take = (queue: SimQueue, max: number, visibilitySeconds: number): SimMessage[] => {
    const taken: SimMessage[] = [];
    for (let index = 0; index < queue.messages.length && taken.length < max; index += 1) {
      const message = queue.messages[index] as SimMessage;
      if (message.invisibleUntil > clock) continue;
      // Redrive: a message received maxReceiveCount times moves to the DLQ instead of coming back.
      if (queue.maxReceiveCount !== undefined && message.receiveCount >= queue.maxReceiveCount && queue.deadLetterQueue) {
        queue.messages.splice(index, 1);
        index -= 1;
        const dlq = queues.get(queue.deadLetterQueue);
        dlq?.messages.push({ ...message, invisibleUntil: 0, receiptHandle: undefined });
        continue;
      }
      message.receiveCount += 1;
      message.invisibleUntil = clock + visibilitySeconds * 1000;
      message.receiptHandle = `${message.id}#${message.receiveCount}#${randomUUID()}`;
      taken.push(message);
    }
    return taken;
  };

  /** Deletes by the latest receipt handle; false when the handle is stale or unknown. */
  const remove = (queue: SimQueue, handle: string): boolean => {
    const index = queue.messages.findIndex((m) => m.receiptHandle === handle);
    if (index < 0) return false;
    queue.messages.splice(index, 1);
    queue.deleted += 1;
    return true;
  };

  const wire = (m: SimMessage) => ({
    MessageId: m.id,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: md5(m.body),
    Body: m.body,
    Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
  });

  /** Long poll: resolves when a message is visible or the wait has passed (real time, as SQS). */
  const waitForMessages = (json: Record<string, unknown>): Promise<void> => {
      const queue = byUrl(json.QueueUrl);
      const waitSeconds = Number(json.WaitTimeSeconds ?? 0);
      if (!queue || waitSeconds <= 0 || hasVisible(queue)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = (): void => {
          if (!hasVisible(queue) && timers.has(timer)) return;
          clearTimeout(timer);
          timers.delete(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          timers.delete(timer);
          done();
        }, waitSeconds * 1000);
        timers.add(timer);
        waiters.add(done);
      });
  };

  const sim: SqsSim = {
    waitForMessages,
    createQueue(name, options = {}) {
      const existing = queues.get(name);
      if (existing) return existing;
      const queue: SimQueue = {
        name,
        url: `${baseUrl()}/${accountId}/${name}`,
        messages: [],
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
        maxReceiveCount: options.maxReceiveCount,
        deadLetterQueue: options.deadLetterQueue,
        deleted: 0,
      };
      queues.set(name, queue);
      return queue;
    },
    queue(name) {
      const queue = queues.get(name);
      if (!queue) throw new Error(`no queue ${name}`);
      return queue;
    },
    send(queueName, body) {
      const queue = sim.queue(queueName);
      const id = randomUUID();
      queue.messages.push({ id, body, sentAt: clock, receiveCount: 0, invisibleUntil: 0, receiptHandle: undefined });
      wake();
      return id;
    },
    now: () => clock,
    advance(ms) {
      clock += ms;
      wake();
    },
    faults,
    failNext(operation, count = 1, error = {}) {
      faults.failNext[operation] = {
        count,
        status: error.status ?? 500,
        code: error.code ?? 'InternalError',
        queryCode: error.queryCode ?? 'InternalError',
        message: error.message ?? 'We encountered an internal error. Please try again.',
      };
    },
    handle(operation, json) {
      const fault = faults.failNext[operation];
      if (fault && fault.count > 0) {
        fault.count -= 1;
        return { status: fault.status, payload: { __type: `com.amazonaws.sqs#${fault.code}`, message: fault.message }, queryError: `${fault.queryCode};${fault.status >= 500 ? 'Receiver' : 'Sender'}` };
      }
      const queue = byUrl(json.QueueUrl);
      if (!queue && operation !== 'CreateQueue') {
        return { status: 400, payload: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }, queryError: 'AWS.SimpleQueueService.NonExistentQueue;Sender' };
      }
      switch (operation) {
        case 'ReceiveMessage': {
          const q = queue as SimQueue;
          const max = Math.min(10, Math.max(1, Number(json.MaxNumberOfMessages ?? 1)));
          const visibility = json.VisibilityTimeout === undefined ? q.visibilityTimeoutSeconds : Number(json.VisibilityTimeout);
          return { status: 200, payload: { Messages: take(q, max, visibility).map(wire) } };
        }
        case 'DeleteMessage': {
          const q = queue as SimQueue;
          if (!remove(q, String(json.ReceiptHandle ?? ''))) {
            return { status: 400, payload: { __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', message: 'The input receipt handle is invalid.' }, queryError: 'ReceiptHandleIsInvalid;Sender' };
          }
          return { status: 200, payload: {} };
        }
        case 'DeleteMessageBatch': {
          const q = queue as SimQueue;
          const entries = (Array.isArray(json.Entries) ? json.Entries : []) as Array<{ Id: string; ReceiptHandle: string }>;
          const successful: Array<{ Id: string }> = [];
          const failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
          for (const entry of entries) {
            if (remove(q, entry.ReceiptHandle)) successful.push({ Id: entry.Id });
            else failed.push({ Id: entry.Id, SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle is invalid.' });
          }
          return { status: 200, payload: { Successful: successful, Failed: failed } };
        }
        case 'GetQueueAttributes': {
          const q = queue as SimQueue;
          const delayed = 0;
          const inFlight = q.messages.filter((m) => m.invisibleUntil > clock).length;
          return {
            status: 200,
            payload: {
              Attributes: {
                ApproximateNumberOfMessages: String(q.messages.length - inFlight),
                ApproximateNumberOfMessagesNotVisible: String(inFlight),
                ApproximateNumberOfMessagesDelayed: String(delayed),
                VisibilityTimeout: String(q.visibilityTimeoutSeconds),
              },
            },
          };
        }
        case 'SendMessage': {
          const q = queue as SimQueue;
          const body = String(json.MessageBody ?? '');
          const id = sim.send(q.name, body);
          return { status: 200, payload: { MessageId: id, MD5OfMessageBody: md5(body) } };
        }
        default:
          return { status: 400, payload: { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `unsupported ${operation}` }, queryError: 'AWS.SimpleQueueService.UnsupportedOperation;Sender' };
      }
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      wake();
      waiters.clear();
    },
  };

  return sim;
}

export type SqsSimWithWait = SqsSim;
