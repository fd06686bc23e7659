/**
 * OpenDMARC's parse and alignment vectors (libopendmarc/tests, see ../shared/conformance/dmarc)
 * run table-driven against our pure DMARC parser and alignment function.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DmarcParseStatus, isAligned, parseDmarcRecord } from '../../src/knowledge/dmarc.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';

const PARSE = path.join(CONFORMANCE_DIR, 'dmarc/opendmarc-dmarc-parse-vectors.tsv');
const ALIGNMENT = path.join(CONFORMANCE_DIR, 'dmarc/opendmarc-alignment-vectors.tsv');

function readTsv(file: string): Record<string, string>[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const [header = '', ...rows] = lines;
  const names = header.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((value, i) => [names[i] ?? `col${i}`, value])));
}

const OPENDMARC_STATUS: Record<string, DmarcParseStatus> = {
  DMARC_PARSE_OKAY: 'ok',
  DMARC_PARSE_ERROR_EMPTY: 'empty',
  DMARC_PARSE_ERROR_BAD_VERSION: 'bad-version',
  DMARC_PARSE_ERROR_BAD_VALUE: 'bad-value',
  DMARC_PARSE_ERROR_NO_REQUIRED_P: 'no-policy',
};

/**
 * Where we choose RFC 7489 over OpenDMARC. `p=n`: OpenDMARC matches policy values by prefix;
 * RFC 7489 section 6.3 lists only none, quarantine and reject, and receivers that follow it
 * ignore such a record, so we report it as invalid (and tell the user to write p=none).
 */
const DELIBERATE_DIFFERENCES: Record<string, { status: DmarcParseStatus; reason: string }> = {
  '5': { status: 'bad-value', reason: 'p=n is not a policy in RFC 7489 (OpenDMARC accepts abbreviations)' },
};

(existsSync(PARSE) ? describe : describe.skip)(
  existsSync(PARSE) ? 'DMARC parse vectors (OpenDMARC)' : `DMARC parse vectors: skipped, ${PARSE} not found (OpenDMARC's tests; set MAILDIAG_CONFORMANCE_DIR)`,
  () => {
    const rows = existsSync(PARSE) ? readTsv(PARSE) : [];
    it('has the 19 vectors', () => expect(rows).toHaveLength(19));
    it.each(rows)('case $case: "$record" → $expected_status', (row) => {
      const expected = DELIBERATE_DIFFERENCES[row.case ?? '']?.status ?? OPENDMARC_STATUS[row.expected_status ?? ''];
      expect(expected).toBeDefined();
      const result = parseDmarcRecord(row.record ?? '');
      expect(result.status, result.errors.join('; ')).toBe(expected);
      if (result.status !== 'ok') expect(result.errors.length).toBeGreaterThan(0);
    });
  },
);

(existsSync(ALIGNMENT) ? describe : describe.skip)(
  existsSync(ALIGNMENT) ? 'DMARC alignment vectors (OpenDMARC)' : `DMARC alignment vectors: skipped, ${ALIGNMENT} not found`,
  () => {
    const rows = existsSync(ALIGNMENT) ? readTsv(ALIGNMENT) : [];
    it('has the 10 vectors', () => expect(rows).toHaveLength(10));
    it.each(rows)('case $case: $domain1 vs $domain2 ($mode) → $expected_outcome', (row) => {
      const mode = row.mode === 'DMARC_RECORD_A_STRICT' ? 's' : 'r';
      expect(isAligned(row.domain1 ?? '', row.domain2 ?? '', mode)).toBe(row.expected_outcome === '0');
    });
  },
);
