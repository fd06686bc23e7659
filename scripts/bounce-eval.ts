/**
 * Developer tool: classifies the shared bounce corpora and prints accuracy per family and the misses.
 * `npx tsx scripts/bounce-eval.ts [--misses] [--half even|odd] [--family PREFIX]`
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { interpretBounce } from '../src/knowledge/bounce/classify.js';

const root = process.env.MAILDIAG_CONFORMANCE_DIR ?? resolve(import.meta.dirname, '../../shared/conformance');
const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const half = args.includes('--half') ? args[args.indexOf('--half') + 1] : undefined;
const family = args.includes('--family') ? args[args.indexOf('--family') + 1] : undefined;

interface Row { dir: string; file: string; expected: string; alts: string[] }
const rows: Row[] = [];
for (const dir of ['bounces', 'bounces-extended']) {
  const path = join(root, dir, 'labels.tsv');
  if (!existsSync(path)) continue;
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = (header ?? '').split('\t');
  for (const line of lines) {
    const c = line.split('\t');
    const alts = [...(c[cols.indexOf('alt_labels')] ?? '').matchAll(/=\s*([a-z]+)/g)].map((m) => m[1] ?? '');
    rows.push({ dir, file: c[cols.indexOf('file')] ?? '', expected: c[cols.indexOf('expected_reason')] ?? '', alts });
  }
}
const fam = (f: string) => f.replace(/-\d+\.eml$/, '');
const num = (f: string) => Number(/-(\d+)\.eml$/.exec(f)?.[1] ?? 0);
const selected = rows.filter((r) => (!half || (half === 'even' ? num(r.file) % 2 === 0 : num(r.file) % 2 === 1)) && (!family || r.file.startsWith(family)));
const fams = new Map<string, [number, number]>();
let hits = 0;
const misses: string[] = [];
const conf = new Map<string, number>();
const start = performance.now();
for (const r of selected) {
  const res = await interpretBounce(readFileSync(join(root, r.dir, r.file)));
  const first = res.replies[0];
  const wanted = r.expected.split(',')[0] ?? '';
  const ok = first !== undefined && (first.reason === wanted || r.alts.includes(first.reason));
  const f = fams.get(fam(r.file)) ?? [0, 0];
  f[1]++;
  if (ok) { f[0]++; hits++; } else {
    misses.push(`${r.file}: want ${r.expected}${r.alts.length ? `(${r.alts.join('/')})` : ''} got ${first?.reason ?? 'NOTHING'} [${first?.ruleId ?? ''}] ${first?.status ?? ''} ${first?.replyCode ?? ''} cmd=${(first as unknown as { command?: string })?.command ?? ''} :: ${first?.raw.slice(0, 160) ?? ''}`);
    const k = `${wanted} -> ${first?.reason ?? 'nothing'}`;
    conf.set(k, (conf.get(k) ?? 0) + 1);
  }
  fams.set(fam(r.file), f);
}
const ms = performance.now() - start;
console.log(`overall ${hits}/${selected.length} = ${((100 * hits) / selected.length).toFixed(1)}% in ${ms.toFixed(0)} ms`);
for (const [k, [h, t]] of [...fams].sort((a, b) => b[1][1] - a[1][1])) if (t >= 3 || family) console.log(`  ${k}: ${h}/${t} = ${((100 * h) / t).toFixed(0)}%`);
console.log('confusion:', [...conf].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join('; '));
if (showMisses) for (const m of misses) console.log(m);
