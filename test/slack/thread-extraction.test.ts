/**
 * Long ticket threads are read in a worker thread (src/slack/thread-extraction.ts): the same
 * extraction as on the main thread, the main thread free meanwhile, short threads read in
 * place, and a worker that cannot start or has been closed costs nothing but speed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { extractFromThread, MAX_THREAD_CHARS } from '../../src/knowledge/ticket-text.js';
import { createWorkerThreadExtractor, OFF_THREAD_ABOVE_CHARS, type WorkerThreadExtractor } from '../../src/slack/thread-extraction.js';

const ndr = readFileSync('test/fixtures/exchange-ndr.eml', 'utf8');
/** A ticket: the agent's words, then the pasted NDR, then many follow-ups repeating it. */
const longThread = [
  'Customer says mail from ops@customer.example to alice@recipient.example bounces since Monday. SMTP user AKIAROTATEDAWAY00001, email-smtp.us-east-1.amazonaws.com',
  ...Array.from({ length: 400 }, (_, i) => `follow-up ${i}:\n${ndr.slice(0, 2_400)}`),
];
const shortThread = ['mail from ops@customer.example to alice@recipient.example bounces', ndr.slice(0, 4_000)];

/** Whether the event loop got a turn while `extractor` read the long thread. */
async function turnsWhile(extractor: WorkerThreadExtractor): Promise<boolean> {
  let done = false;
  let turnedMeanwhile = false;
  setImmediate(() => {
    turnedMeanwhile = !done;
  });
  await Promise.resolve(extractor.extract(longThread)).then(() => {
    done = true;
  });
  // Let a turn that comes only after the extraction happen before answering.
  await new Promise((resolve) => setImmediate(resolve));
  return turnedMeanwhile;
}

let reader: WorkerThreadExtractor | undefined;
afterEach(async () => {
  await reader?.close();
  reader = undefined;
});

describe('reading long threads in a worker thread', () => {
  it('gives the same extraction as the main thread, and reads a thread above the threshold in the worker', async () => {
    expect(longThread.join('').length).toBeGreaterThan(OFF_THREAD_ABOVE_CHARS);
    expect(longThread.join('').length).toBeLessThan(MAX_THREAD_CHARS * 2);
    reader = createWorkerThreadExtractor();
    const inWorker = await reader.extract(longThread);
    expect(reader.readOffThread).toBe(1);
    const here = extractFromThread(longThread);
    expect(inWorker).toEqual(here);
    expect(here.target?.senderDomain).toBe('customer.example');
    expect(here.replies.length).toBeGreaterThan(0);
  });

  it('keeps the main thread turning while the worker reads', async () => {
    reader = createWorkerThreadExtractor();
    await reader.extract(longThread); // the worker is started and warm
    expect(await turnsWhile(reader)).toBe(true);

    // Read in place, the same thread blocks: the turn comes only after the extraction.
    const inline = createWorkerThreadExtractor({ offThreadAboveChars: Number.POSITIVE_INFINITY });
    expect(await turnsWhile(inline)).toBe(false);
    expect(inline.readOffThread).toBe(0);
  });

  it('reads a short thread in place, without starting a worker', async () => {
    reader = createWorkerThreadExtractor();
    const result = reader.extract(shortThread);
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual(extractFromThread(shortThread));
    expect(reader.readOffThread).toBe(0);
  });

  it('reads in place when the worker cannot start, and after close', async () => {
    const warnings: string[] = [];
    reader = createWorkerThreadExtractor({
      workerUrl: new URL('file:///nonexistent/thread-worker.js'),
      log: { warn: (_obj: object, msg: string) => warnings.push(msg) } as never,
    });
    expect(await reader.extract(longThread)).toEqual(extractFromThread(longThread));
    expect(reader.readOffThread).toBe(0);
    expect(warnings).toEqual(['could not read the thread in the worker; reading it on the main thread']);

    const closing = createWorkerThreadExtractor();
    await closing.extract(longThread);
    await closing.close();
    const after = closing.extract(longThread);
    expect(after).not.toBeInstanceOf(Promise);
    expect(after).toEqual(extractFromThread(longThread));
    expect(closing.readOffThread).toBe(1);
  });
});
