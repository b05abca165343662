// A small CSV reader for dataset tables: RFC 4180 quoting, CRLF or LF, and a line number on
// every row so errors can say file:line.
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../util/errors.js';

export interface CsvRow {
  readonly line: number; // 1-based line in the file
  readonly cells: readonly string[];
}

export interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

/** Parse CSV text; blank lines are skipped. */
export function parseCsv(text: string, file: string): CsvTable {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte order mark
  const endRow = (): void => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new DatasetError(`${file}:${rowLine}: unterminated quoted field; expected a closing '"'. Fix or regenerate the file.`);
  if (cell !== '' || cells.length > 0) endRow();
  const first = rows.shift();
  if (!first) throw new DatasetError(`${file}: the file is empty; expected a header row. Fix or regenerate the file.`);
  return { file, header: first.cells.map((h) => h.trim()), rows };
}

/** Read and parse a CSV file; a missing file is a DatasetError naming it. */
export async function readCsv(file: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DatasetError(`${file}: file not found. Is the dataset complete? (Broden needs index.csv, category.csv, label.csv and c_<category>.csv)`);
    throw new DatasetError(`${file}: cannot read (${e.code ?? e.message}).`);
  }
  return parseCsv(text, file);
}

/** Column indices by name; a missing required column is a DatasetError. */
export function columns<const N extends string>(table: CsvTable, names: readonly N[]): Record<N, number> {
  const out = {} as Record<N, number>;
  for (const n of names) {
    const i = table.header.indexOf(n);
    if (i < 0) throw new DatasetError(`${table.file}:1: missing column '${n}'; the header is '${table.header.join(',')}'.`);
    out[n] = i;
  }
  return out;
}

/** The cell of `row` at column `col`; a short row is a DatasetError naming file:line. */
export function cellAt(table: CsvTable, row: CsvRow, col: number): string {
  if (row.cells.length !== table.header.length) {
    throw new DatasetError(`${table.file}:${row.line}: expected ${table.header.length} fields (${table.header.join(',')}), found ${row.cells.length}. Fix this row.`);
  }
  return row.cells[col] as string;
}

/** Parse a non-negative integer cell, or throw naming file:line and column. */
export function intCell(table: CsvTable, row: CsvRow, col: number): number {
  const s = cellAt(table, row, col).trim();
  if (!/^\d+$/.test(s)) {
    throw new DatasetError(`${table.file}:${row.line}: column '${table.header[col]}' must be a non-negative integer, found '${s}'.`);
  }
  return Number(s);
}

/** Parse a number cell (empty = 0), or throw naming file:line and column. */
export function numberCell(table: CsvTable, row: CsvRow, col: number): number {
  const s = cellAt(table, row, col).trim();
  if (s === '') return 0;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new DatasetError(`${table.file}:${row.line}: column '${table.header[col]}' must be a number, found '${s}'.`);
  return v;
}
