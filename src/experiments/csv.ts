// Minimal RFC 4180 CSV reading and writing for the experiment commands: quoted fields with ""
// escapes, CRLF or LF line ends, a leading BOM dropped. Each record keeps its 1-based line number
// so errors can point at file:line.
import { DatasetError } from '../util/errors.js';

export interface CsvRecord {
  readonly line: number; // line where the record starts (1-based)
  readonly fields: readonly string[];
}

/** Parse CSV text into records; blank lines are skipped. `file` names the source in errors. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    for (;;) {
      if (text[i] === '"' && field === '') {
        // Quoted field: runs to the next lone quote, may span lines.
        i++;
        for (;;) {
          if (i >= n) throw new DatasetError(`${file}:${start}: unterminated quoted field; expected a closing '"'`);
          const ch = text[i] as string;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new DatasetError(`${file}:${line}: unexpected ${JSON.stringify(next)} after a quoted field; expected ',' or the line end`);
        }
      }
      const ch = text[i];
      if (ch === undefined || ch === '\n' || (ch === '\r' && (text[i + 1] === '\n' || i + 1 === n))) {
        fields.push(field);
        i += ch === '\r' ? 2 : 1;
        line++;
        break;
      }
      if (ch === ',') {
        fields.push(field);
        field = '';
        i++;
        continue;
      }
      field += ch;
      i++;
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}

/** One CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (no line end). */
export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',');
}
