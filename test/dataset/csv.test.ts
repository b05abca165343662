import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cellAt, intCell, parseCsv } from '../../src/dataset/csv.js';
import { DatasetError } from '../../src/util/errors.js';

describe('parseCsv', () => {
  it('handles CRLF, quotes, escaped quotes, blank lines and line numbers', () => {
    const t = parseCsv('a,b\r\n1,"x, ""y"""\r\n\r\n2,\n', 'f.csv');
    assert.deepEqual(t.header, ['a', 'b']);
    assert.deepEqual(t.rows.map((r) => [r.line, ...r.cells]), [[2, '1', 'x, "y"'], [4, '2', '']]);
  });
  it('reports short rows and bad integers with file:line', () => {
    const t = parseCsv('a,b\n1\nx,2\n', 'f.csv');
    assert.throws(() => cellAt(t, t.rows[0]!, 0), (e: Error) => e instanceof DatasetError && /^f\.csv:2: expected 2 fields/.test(e.message));
    assert.throws(() => intCell(t, t.rows[1]!, 0), (e: Error) => e instanceof DatasetError && /^f\.csv:3: column 'a' must be a non-negative integer/.test(e.message));
  });
  it('rejects an unterminated quote and an empty file', () => {
    assert.throws(() => parseCsv('a\n"x\n', 'q.csv'), /q\.csv:2: unterminated/);
    assert.throws(() => parseCsv('', 'e.csv'), /e\.csv: the file is empty/);
  });
});
