/**
 * Conformance: the classifier against real bounces (sisimai/set-of-emails, labels from
 * sisimai's own tests) in ../shared/conformance/bounces. Set MAILDIAG_CONFORMANCE_DIR to the
 * `conformance` folder to use another copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpretBounce } from '../../src/knowledge/bounce/classify.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';

const conformanceDir = CONFORMANCE_DIR;
const bounceDir = join(conformanceDir, 'bounces');
const labelsPath = join(bounceDir, 'labels.tsv');
const available = existsSync(labelsPath);

interface Label {
  file: string;
  expected: string;
  alternatives: string[];
  group: string;
}

/** `alt_labels` look like `rb-sisimai@9c4a184=systemerror; p5-sisimai@21cfb93=systemerror`. */
function parseAlternatives(field: string): string[] {
  return [...field.matchAll(/=\s*([a-z]+)/g)].map((match) => match[1] ?? '').filter((reason) => reason !== '');
}

function readLabels(): Label[] {
  const [header, ...rows] = readFileSync(labelsPath, 'utf8').trim().split('\n');
  const columns = (header ?? '').split('\t');
  const column = (name: string): number => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`labels.tsv has no column ${name}`);
    return index;
  };
  const [file, expected, group, alternatives] = [column('file'), column('expected_reason'), column('provider_group'), column('alt_labels')];
  return rows.map((row) => {
    const cells = row.split('\t');
    return { file: cells[file] ?? '', expected: cells[expected] ?? '', group: cells[group] ?? '', alternatives: parseAlternatives(cells[alternatives] ?? '') };
  });
}

describe('parseAlternatives', () => {
  it('reads reasons from the alt_labels format', () => {
    expect(parseAlternatives('rb-sisimai@9c4a184=systemerror; p5-sisimai@21cfb93=filtered')).toEqual(['systemerror', 'filtered']);
    expect(parseAlternatives('go-sisimai(newer 11099d29ec22)=emailtoolarge')).toEqual(['emailtoolarge']);
    expect(parseAlternatives('')).toEqual([]);
  });
});

const suite = available ? describe : describe.skip;
if (!available) {
  console.log(`bounce conformance skipped: ${labelsPath} not found (the data comes from sisimai/set-of-emails via ../shared/conformance/bounces; set MAILDIAG_CONFORMANCE_DIR)`);
}

suite('bounce corpus (sisimai/set-of-emails)', () => {
  it('classifies at least 85% overall and 90% of the Microsoft, Google and Amazon groups', async () => {
    const labels = readLabels();
    expect(labels.length).toBeGreaterThan(50);
    const groups = new Map<string, { hits: number; total: number }>();
    const misses: string[] = [];
    let hits = 0;
    for (const label of labels) {
      const result = await interpretBounce(readFileSync(join(bounceDir, label.file)));
      const first = result.replies[0];
      const hit = first !== undefined && (first.reason === label.expected || label.alternatives.includes(first.reason));
      const group = groups.get(label.group) ?? { hits: 0, total: 0 };
      groups.set(label.group, group);
      group.total++;
      if (hit) {
        group.hits++;
        hits++;
      } else {
        misses.push(`${label.file} [${label.group}] expected ${label.expected}${label.alternatives.length ? ` (or ${label.alternatives.join(', ')})` : ''}, got ${first?.reason ?? 'nothing'} via ${first?.ruleId ?? '-'}: ${first?.raw.slice(0, 120) ?? ''}`);
      }
    }
    const rate = (h: number, t: number): number => (t === 0 ? 0 : h / t);
    const lines = [`bounce corpus: ${hits}/${labels.length} = ${(100 * rate(hits, labels.length)).toFixed(1)}%`];
    for (const [name, { hits: h, total: t }] of [...groups].sort()) lines.push(`  ${name}: ${h}/${t} = ${(100 * rate(h, t)).toFixed(1)}%`);
    lines.push('confusion (misses):', ...misses.map((miss) => `  ${miss}`));
    console.log(lines.join('\n'));

    expect(rate(hits, labels.length)).toBeGreaterThanOrEqual(0.85);
    for (const name of ['microsoft', 'google', 'amazon']) {
      const group = groups.get(name);
      expect(group, `group ${name} missing from labels.tsv`).toBeDefined();
      expect(rate(group?.hits ?? 0, group?.total ?? 0), `group ${name}`).toBeGreaterThanOrEqual(0.9);
    }
  });
});
