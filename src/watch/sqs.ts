/**
 * The event queue behind a small interface (receive, delete, attributes) and its adapter
 * over @aws-sdk/client-sqs. The SDK client is built once per process (SQS is not in the
 * diagnosis's client pool: one queue, one client); every call carries an abort signal so
 * shutdown can cut a long poll short.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { sdkLogger } from '../io/aws-clients.js';

export interface QueueMessage {
  /** SQS MessageId (not the SNS one). */
  id: string;
  receiptHandle: string;
  body: string;
  /** ApproximateReceiveCount: 1 on first delivery. */
  receiveCount: number;
  /** SentTimestamp: when SNS put it on the queue. */
  sentAt: Date | undefined;
}

export interface QueueAttributes {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface EventQueue {
  readonly url: string;
  receive(options: { maxMessages: number; waitSeconds: number; signal?: AbortSignal }): Promise<QueueMessage[]>;
  /** Deletes by receipt handle; returns the SQS ids that could not be deleted. */
  delete(messages: ReadonlyArray<Pick<QueueMessage, 'id' | 'receiptHandle'>>, signal?: AbortSignal): Promise<string[]>;
  attributes(signal?: AbortSignal): Promise<QueueAttributes>;
}

export interface SqsQueueOptions {
  url: string;
  region: string;
  /** Endpoint override (loopback tests, VPC endpoints). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call; the intake backs off itself, so few. */
  maxAttempts?: number;
  /** The SDK's own log lines go through pino (as for the other AWS clients). */
  logger?: Logger;
}

/** Long polls hold the connection up to 20 s: the request timeout must exceed the wait. */
const REQUEST_TIMEOUT_MS = 30_000;

function toMessage(message: Message): QueueMessage | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    id: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1') || 1,
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
  };
}

export function createSqsQueue(options: SqsQueueOptions): EventQueue {
  const client = new SQSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 2,
    ...(options.logger ? { logger: sdkLogger(options.logger) } : {}),
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 5_000 },
  });
  const url = options.url;
  return {
    url,
    async receive({ maxMessages, waitSeconds, signal }) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, Math.max(1, maxMessages)),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        signal ? { abortSignal: signal } : {},
      );
      return (out.Messages ?? []).flatMap((m) => toMessage(m) ?? []);
    },
    async delete(messages, signal) {
      const failed: string[] = [];
      for (let start = 0; start < messages.length; start += 10) {
        const chunk = messages.slice(start, start + 10);
        const out = await client.send(
          new DeleteMessageBatchCommand({ QueueUrl: url, Entries: chunk.map((m, index) => ({ Id: String(index), ReceiptHandle: m.receiptHandle })) }),
          signal ? { abortSignal: signal } : {},
        );
        for (const failure of out.Failed ?? []) {
          const message = chunk[Number(failure.Id)];
          if (message) failed.push(message.id);
        }
      }
      return failed;
    },
    async attributes(signal) {
      const out = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
        signal ? { abortSignal: signal } : {},
      );
      const number = (name: string): number => Number(out.Attributes?.[name as keyof typeof out.Attributes] ?? 0) || 0;
      return { visible: number('ApproximateNumberOfMessages'), inFlight: number('ApproximateNumberOfMessagesNotVisible'), delayed: number('ApproximateNumberOfMessagesDelayed') };
    },
  };
}
