/**
 * `maildiag classify FILE|DIR|- ...` over several inputs, and `--summary`: counts per sisimai
 * reason and per maildiag layer, so a mailbox export can be triaged at once. Folders are read
 * one level deep plus subfolders (sorted), at most MAX_CLASSIFY_FILES files; hidden files are
 * skipped. A file that cannot be read is reported and counted, the others still run.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { LAYERS } from '../core/finding.js';
import type { InterpretedReply } from '../core/replies.js';
import { classificationToJson, SCHEMA_VERSION } from '../core/report-json.js';
import { interpretBounce } from '../knowledge/bounce/classify.js';

export const MAX_CLASSIFY_FILES = 20_000;
const MAX_DEPTH = 4;

export interface ClassifiedFile {
  file: string;
  replies: InterpretedReply[];
  notes: string[];
  /** Set when the file could not be read. */
  error?: string;
}

export interface ClassifySummary {
  files: number;
  /** Files with at least one reply. */
  recognised: number;
  unreadable: number;
  replies: number;
  byReason: Record<string, number>;
  byLayer: Record<string, number>;
  /** Per reason, the first recipient of each file (the reason a triage cares about). */
  firstByReason: Record<string, number>;
}

/** Expands the arguments into files: a folder gives its files (sorted, recursive to MAX_DEPTH). */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      files.push(arg);
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(arg);
    } catch (error) {
      throw new InputError(`cannot read '${arg}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, arg);
    }
    if (info.isDirectory()) await walk(arg, 0, files);
    else files.push(arg);
    if (files.length > MAX_CLASSIFY_FILES) throw new InputError(`more than ${MAX_CLASSIFY_FILES} files to classify; give fewer or smaller folders`, arg);
  }
  if (files.filter((file) => file === '-').length > 1) throw new InputError("'-' (standard input) can be given once", '-');
  return files;
}

async function walk(folder: string, depth: number, into: string[]): Promise<void> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH) await walk(path, depth + 1, into);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      // A symbolic link is read through (a broken one is reported as unreadable, not skipped).
      into.push(path);
    }
    if (into.length > MAX_CLASSIFY_FILES) return;
  }
}

export async function classifyFiles(files: readonly string[], readStdin: () => Promise<string>): Promise<ClassifiedFile[]> {
  const results: ClassifiedFile[] = [];
  for (const file of files) {
    let input: string | Buffer;
    try {
      input = file === '-' ? await readStdin() : await readFile(file);
    } catch (error) {
      results.push({ file, replies: [], notes: [], error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      continue;
    }
    const result = await interpretBounce(input);
    results.push({ file: file === '-' ? '(stdin)' : file, replies: result.replies, notes: result.notes });
  }
  return results;
}

export function summarize(results: readonly ClassifiedFile[]): ClassifySummary {
  const count = (into: Record<string, number>, key: string): void => {
    into[key] = (into[key] ?? 0) + 1;
  };
  const summary: ClassifySummary = { files: results.length, recognised: 0, unreadable: 0, replies: 0, byReason: {}, byLayer: {}, firstByReason: {} };
  for (const result of results) {
    if (result.error !== undefined) {
      summary.unreadable++;
      continue;
    }
    const [first] = result.replies;
    if (first) {
      summary.recognised++;
      count(summary.firstByReason, first.reason);
    }
    for (const reply of result.replies) {
      summary.replies++;
      count(summary.byReason, reply.reason);
      count(summary.byLayer, reply.layer);
    }
  }
  return summary;
}

const sortedCounts = (counts: Record<string, number>): Array<[string, number]> =>
  Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

export function renderSummaryText(summary: ClassifySummary): string {
  const lines = [
    `${summary.files} file(s): ${summary.recognised} with a recognised reply, ${summary.files - summary.recognised - summary.unreadable} with none, ${summary.unreadable} unreadable; ${summary.replies} recipient repl${summary.replies === 1 ? 'y' : 'ies'} in all.`,
    '',
    'By reason (all recipients; first recipient of each file in brackets):',
  ];
  const width = Math.max(8, ...Object.keys(summary.byReason).map((reason) => reason.length));
  for (const [reason, n] of sortedCounts(summary.byReason)) lines.push(`  ${reason.padEnd(width)}  ${String(n).padStart(5)}  (${summary.firstByReason[reason] ?? 0})`);
  lines.push('', 'By layer:');
  for (const layer of LAYERS) {
    const n = summary.byLayer[layer];
    if (n !== undefined) lines.push(`  ${layer.padEnd(width)}  ${String(n).padStart(5)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function summaryToJson(summary: ClassifySummary): ClassifySummary & { schemaVersion: typeof SCHEMA_VERSION } {
  return {
    schemaVersion: SCHEMA_VERSION,
    ...summary,
    byReason: Object.fromEntries(sortedCounts(summary.byReason)),
    byLayer: Object.fromEntries(sortedCounts(summary.byLayer)),
    firstByReason: Object.fromEntries(sortedCounts(summary.firstByReason)),
  };
}

export function filesToJson(results: readonly ClassifiedFile[]): unknown[] {
  return results.map((result) => ({ file: result.file, ...(result.error !== undefined ? { error: result.error } : classificationToJson(result)) }));
}
