/**
 * Developer tool: the extracted facts and the decision for corpus files by name.
 * `npx tsx scripts/bounce-one.ts lhost-exim-31.eml [...]` (corpus: MAILDIAG_CONFORMANCE_DIR or ../shared/conformance)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { interpretBounce } from '../src/knowledge/bounce/classify.js';
import { parseBounce } from '../src/knowledge/bounce/parse.js';

const root = process.env.MAILDIAG_CONFORMANCE_DIR ?? resolve(import.meta.dirname, '../../shared/conformance');
for (const name of process.argv.slice(2)) {
  const path = [join(root, 'bounces-extended', name), join(root, 'bounces', name), name].find((candidate) => existsSync(candidate));
  if (!path) {
    process.stderr.write(`${name}: not found under ${root}\n`);
    continue;
  }
  const input = readFileSync(path);
  const parsed = await parseBounce(input);
  const fragments = parsed.fragments.map((fragment) => ({ ...fragment, text: fragment.text.slice(0, 200) }));
  process.stdout.write(`${name} ${parsed.format ?? '-'} ${JSON.stringify(fragments, null, 1)}\n`);
  const result = await interpretBounce(input);
  process.stdout.write(`${JSON.stringify(result.replies.map((reply) => `${reply.reason} ${reply.decidedBy} ${reply.ruleId}`))}\n`);
}
