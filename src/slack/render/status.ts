/** How statuses look in Slack: emoji for lines, plain marks for the path picture. */
import type { Status } from '../../core/finding.js';
import type { Verdict } from '../../core/report.js';

export const STATUS_EMOJI: Record<Status, string> = {
  pass: ':white_check_mark:',
  warn: ':warning:',
  fail: ':x:',
  info: ':information_source:',
  error: ':grey_question:',
  skipped: ':heavy_minus_sign:',
};

export const VERDICT_EMOJI: Record<Verdict, string> = {
  pass: ':white_check_mark:',
  warn: ':warning:',
  fail: ':x:',
  error: ':grey_question:',
};

export const VERDICT_WORDS: Record<Verdict, string> = {
  pass: 'nothing broken found',
  warn: 'works, with risks',
  fail: 'broken',
  error: 'could not check everything',
};

/** Marks in the one-line path picture; statuses without a mark (info, skipped) show none. */
export const PATH_MARKS: Partial<Record<Status, string>> = { pass: '✓', fail: '✗', warn: '!', error: '?' };

export const PENDING_EMOJI = ':hourglass_flowing_sand:';

export function countWords(counts: Record<Status, number>): string {
  const words: Array<[Status, string]> = [
    ['fail', 'failed'],
    ['error', 'could not check'],
    ['warn', 'warning'],
    ['info', 'note'],
    ['pass', 'passed'],
  ];
  const parts = words.filter(([status]) => counts[status] > 0).map(([status, word]) => `${counts[status]} ${plural(word, counts[status])}`);
  return parts.join(' · ');
}

function plural(word: string, count: number): string {
  if (count === 1 || word === 'failed' || word === 'passed' || word === 'could not check') return word;
  return `${word}s`;
}
