import { readFileSync } from 'node:fs';
import { parseBounce } from '../src/knowledge/bounce/parse.js';
import { interpretBounce } from '../src/knowledge/bounce/classify.js';
for (const f of process.argv.slice(2)) {
  let p = `/work/shared/conformance/bounces-extended/${f}`; try { readFileSync(p) } catch { p = `/work/shared/conformance/bounces/${f}` }
  const parsed = await parseBounce(readFileSync(p));
  console.log(f, parsed.format, JSON.stringify(parsed.fragments.map(x => ({...x, text: x.text.slice(0, 200)})), null, 1));
  const r = await interpretBounce(readFileSync(p));
  console.log(r.replies.map(x => `${x.reason} ${x.decidedBy} ${x.ruleId}`));
}
