/**
 * The CLI reads files and standard input through here: stream-counted, never more than
 * MAX_INPUT_BYTES (core/limits). `--bounce /dev/zero` or `yes | maildiag classify -` stops at
 * the limit with an InputError (exit 2) instead of growing until memory runs out.
 */
import { createReadStream } from 'node:fs';
import { InputError } from '../core/errors.js';
import { MAX_INPUT_BYTES } from '../core/limits.js';

const MIB = 1024 * 1024;

function describeLimit(limit: number): string {
  return limit % MIB === 0 ? `${limit / MIB} MiB` : `${limit} bytes`;
}

export class InputTooLargeError extends InputError {
  constructor(name: string, limit: number) {
    super(`${name} is larger than ${describeLimit(limit)}; maildiag reads at most ${describeLimit(limit)} from a file or standard input`, name);
  }
}

/** Reads a stream to a Buffer, stopping (and destroying the stream) once it passes `limit` bytes. */
export async function readBounded(
  stream: AsyncIterable<Buffer | string> & { destroy?: () => void },
  name: string,
  limit: number = MAX_INPUT_BYTES,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += buffer.length;
    if (size > limit) {
      stream.destroy?.();
      throw new InputTooLargeError(name, limit);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** A file, bounded (InputTooLargeError); file-system errors (ENOENT, EISDIR, ...) are rethrown as they are. */
export function readFileBounded(path: string, limit: number = MAX_INPUT_BYTES): Promise<Buffer> {
  return readBounded(createReadStream(path, { highWaterMark: 64 * 1024 }), `'${path}'`, limit);
}

/** A file for a command-line option: every failure is an InputError naming the file (exit 2). */
export async function readInputFileBounded(path: string): Promise<Buffer> {
  try {
    return await readFileBounded(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
}
