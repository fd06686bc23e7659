/**
 * Conformance: the classifier against 542 real bounces (sisimai/set-of-emails, labels from
 * sisimai's own tests) in ../shared/conformance/bounces and bounces-extended. Prints accuracy
 * overall, per format family (file-name prefix), on the held-out half (odd-numbered files, not
 * used while developing rules), the confusion list of misses, the extraction coverage and the
 * time to classify all in-process. Set MAILDIAG_CONFORMANCE_DIR to use another copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpretBounce } from '../../src/knowledge/bounce/classify.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';

const FOLDERS = ['bounces', 'bounces-extended'];
const available = FOLDERS.every((folder) => existsSync(join(CONFORMANCE_DIR, folder, 'labels.tsv')));

/**
 * Floors the suite holds (measured values are printed; the issue's targets are 92% overall,
 * 80% per family of 10+ and a reply from every labelled message, see /work/notes/issue-10.md).
 */
const OVERALL_FLOOR = 0.92;

interface Label {
  folder: string;
  file: string;
  expected: string;
  alternatives: string[];
}

/** `alt_labels` look like `rb-sisimai@9c4a184=systemerror; p5-sisimai@21cfb93=systemerror`. */
function parseAlternatives(field: string): string[] {
  return [...field.matchAll(/=\s*([a-z]+)/g)].map((match) => match[1] ?? '').filter((reason) => reason !== '');
}

function readLabels(folder: string): Label[] {
  const [header, ...rows] = readFileSync(join(CONFORMANCE_DIR, folder, 'labels.tsv'), 'utf8').trim().split('\n');
  const columns = (header ?? '').split('\t');
  const column = (name: string): number => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`${folder}/labels.tsv has no column ${name}`);
    return index;
  };
  const [file, expected, alternatives] = [column('file'), column('expected_reason'), column('alt_labels')];
  return rows.map((row) => {
    const cells = row.split('\t');
    return { folder, file: cells[file] ?? '', expected: cells[expected] ?? '', alternatives: parseAlternatives(cells[alternatives] ?? '') };
  });
}

const family = (file: string): string => file.replace(/-\d+\.eml$/, '');
const heldOut = (file: string): boolean => Number(/-(\d+)\.eml$/.exec(file)?.[1] ?? 0) % 2 === 1;
const percent = (hits: number, total: number): string => `${hits}/${total} = ${total === 0 ? '0.0' : ((100 * hits) / total).toFixed(1)}%`;

describe('parseAlternatives', () => {
  it('reads reasons from the alt_labels format', () => {
    expect(parseAlternatives('rb-sisimai@9c4a184=systemerror; p5-sisimai@21cfb93=filtered')).toEqual(['systemerror', 'filtered']);
    expect(parseAlternatives('go-sisimai(newer 11099d29ec22)=emailtoolarge')).toEqual(['emailtoolarge']);
    expect(parseAlternatives('')).toEqual([]);
  });
});

const suite = available ? describe : describe.skip;
if (!available) {
  console.log(`bounce conformance skipped: ${CONFORMANCE_DIR}/bounces*/labels.tsv not found (sisimai/set-of-emails via ../shared/conformance; set MAILDIAG_CONFORMANCE_DIR)`);
}

suite('bounce corpus (sisimai/set-of-emails, 542 messages)', () => {
  it('classifies the first recipient of each message, per family, and prints the figures', async () => {
    const labels = FOLDERS.flatMap(readLabels);
    expect(labels.length).toBe(542);
    const inputs = labels.map((label) => readFileSync(join(CONFORMANCE_DIR, label.folder, label.file)));

    const cpuMs = (): number => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1000;
    };
    const started = performance.now();
    const cpuStarted = cpuMs();
    const results: Awaited<ReturnType<typeof interpretBounce>>[] = [];
    for (const input of inputs) results.push(await interpretBounce(input));
    const elapsed = performance.now() - started;
    const cpuElapsed = cpuMs() - cpuStarted;
    // A second pass once the code is compiled: the figure for a long-running process.
    const warmStarted = performance.now();
    for (const input of inputs) await interpretBounce(input);
    const warm = performance.now() - warmStarted;

    const families = new Map<string, { hits: number; total: number }>();
    const confusion = new Map<string, number>();
    const misses: string[] = [];
    const silent: string[] = [];
    let hits = 0;
    let heldHits = 0;
    let heldTotal = 0;
    labels.forEach((label, index) => {
      const first = results[index]?.replies[0];
      const wanted = label.expected.split(',')[0] ?? '';
      const hit = first !== undefined && (first.reason === wanted || label.alternatives.includes(first.reason));
      const group = families.get(family(label.file)) ?? { hits: 0, total: 0 };
      families.set(family(label.file), group);
      group.total++;
      if (heldOut(label.file)) heldTotal++;
      if (!first && wanted !== 'undefined' && wanted !== 'onhold') silent.push(label.file);
      if (hit) {
        group.hits++;
        hits++;
        if (heldOut(label.file)) heldHits++;
        return;
      }
      const key = `${wanted} -> ${first?.reason ?? 'nothing'}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
      misses.push(`${label.file}: expected ${label.expected}${label.alternatives.length ? ` (or ${label.alternatives.join(', ')})` : ''}, got ${first?.reason ?? 'nothing'} via ${first?.decidedBy ?? '-'} [${first?.command ?? '-'} ${first?.status ?? ''}] ${first?.raw.slice(0, 100) ?? ''}`);
    });

    const lines = [
      `bounce corpus: ${percent(hits, labels.length)} (held-out odd-numbered files: ${percent(heldHits, heldTotal)})`,
      `classified ${labels.length} messages in-process in ${elapsed.toFixed(0)} ms wall, ${cpuElapsed.toFixed(0)} ms CPU (first pass, cold); ${warm.toFixed(0)} ms wall warm (target under 2000 ms; wall time includes other work on a shared machine)`,
      `messages with no reply extracted (label not undefined/onhold): ${silent.length}${silent.length ? ` (${silent.join(', ')})` : ''}`,
      'per family:',
    ];
    for (const [name, { hits: h, total: t }] of [...families].sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]))) {
      lines.push(`  ${name}: ${percent(h, t)}${t >= 10 && h / t < 0.8 ? '  (below 80%)' : ''}`);
    }
    lines.push('confusion (expected -> got):', ...[...confusion].sort((a, b) => b[1] - a[1]).map(([key, count]) => `  ${key}: ${count}`));
    lines.push('misses:', ...misses.map((miss) => `  ${miss}`));
    console.log(lines.join('\n'));

    expect(hits / labels.length).toBeGreaterThanOrEqual(OVERALL_FLOOR);
  });
});
