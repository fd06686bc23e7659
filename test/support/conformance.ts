/**
 * Where the shared conformance corpora live: ../shared/conformance beside the project (as CI
 * has it), or MAILDIAG_CONFORMANCE_DIR. Suites that need a file skip, saying where it comes
 * from, when a clone has no shared/ folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

export const CONFORMANCE_DIR = process.env.MAILDIAG_CONFORMANCE_DIR ?? path.resolve(PROJECT_ROOT, '../shared/conformance');

/** The absolute path of a corpus file, e.g. `slack/manifest.schema.1.0.0.json`. */
export function conformancePath(relative: string): string {
  return path.join(CONFORMANCE_DIR, relative);
}

export function hasConformance(relative: string): boolean {
  return existsSync(conformancePath(relative));
}
