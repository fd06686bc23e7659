import { readFileSync, readdirSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { interpretBounce } from '../src/knowledge/bounce/classify.js';
import { parseBounceText } from '../src/knowledge/bounce/parse.js';
const files: Buffer[] = [];
for (const d of ['bounces', 'bounces-extended']) for (const f of readdirSync(`/work/shared/conformance/${d}`)) if (f.endsWith('.eml')) files.push(readFileSync(`/work/shared/conformance/${d}/${f}`));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function main() {
  const texts: string[] = [];
  for (let round = 0; round < 3; round++) {
    let t = cpu(); for (const f of files) { const m = await simpleParser(f, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true, skipTextLinks: true }); if (round === 0) texts.push(m.text ?? ''); } const a = cpu() - t;
    t = cpu(); for (const x of texts) parseBounceText(x); const b = cpu() - t;
    t = cpu(); for (const f of files) await interpretBounce(f); const c = cpu() - t;
    console.log(`cpu ms: mailparser ${a.toFixed(0)} text-extraction ${b.toFixed(0)} interpret-all ${c.toFixed(0)}`);
  }
}
main();
