// Complete check of a Broden folder for `dataset validate`: every row of every table, every file
// the index names, every photo and label map decoded. Unlike the reader (which stops at the first
// error), it records each problem and goes on.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readCsv, type CsvRow, type CsvTable } from './csv.js';
import { decodeRgb } from './decode-image.js';
import { decodeLabelPng } from './decode-label-png.js';
import { forEachOrdered } from './ordered.js';
import type { DatasetProblem } from './problems.js';
import { NetDissectError } from '../util/errors.js';

/** Check the Broden folder `root`; returns the number of well-formed index rows checked. */
export async function validateBroden(
  root: string,
  problems: DatasetProblem[],
  progress?: (done: number, total: number) => void,
): Promise<number> {
  const error = (file: string, line: number | undefined, message: string): void => {
    problems.push(line === undefined ? { severity: 'error', file, message } : { severity: 'error', file, line, message });
  };
  const table = async (name: string): Promise<CsvTable | undefined> => {
    try {
      return await readCsv(path.join(root, name));
    } catch (err) {
      if (!(err instanceof NetDissectError)) throw err;
      error(path.join(root, name), undefined, stripWhere(err.message));
      return undefined;
    }
  };
  /** Column index by name, or a problem on line 1. */
  const column = (t: CsvTable, name: string): number | undefined => {
    const i = t.header.indexOf(name);
    if (i < 0) error(t.file, 1, `missing column '${name}'; the header is '${t.header.join(',')}'`);
    return i < 0 ? undefined : i;
  };
  /** Rows with the header's field count; others are problems. */
  const wellFormed = (t: CsvTable): CsvRow[] =>
    t.rows.filter((r) => {
      if (r.cells.length === t.header.length) return true;
      error(t.file, r.line, `expected ${t.header.length} fields (${t.header.join(',')}), found ${r.cells.length}`);
      return false;
    });
  const int = (t: CsvTable, r: CsvRow, c: number, min: number): number | undefined => {
    const s = (r.cells[c] ?? '').trim();
    if (/^\d+$/.test(s) && Number(s) >= min) return Number(s);
    error(t.file, r.line, `column '${t.header[c]}' must be an integer ≥ ${min}, found '${s}'`);
    return undefined;
  };

  // category.csv: the category order.
  const categories: string[] = [];
  const catTable = await table('category.csv');
  const catName = catTable && column(catTable, 'name');
  if (catTable && catName !== undefined) {
    for (const r of wellFormed(catTable)) {
      const name = r.cells[catName]!.trim();
      if (name === '' || categories.includes(name)) error(catTable.file, r.line, name === '' ? 'empty category name' : `category '${name}' repeats`);
      else categories.push(name);
    }
  }

  // label.csv: number → categories.
  const labelCats = new Map<number, string[]>();
  const labelTable = await table('label.csv');
  if (labelTable) {
    const [num, cat] = [column(labelTable, 'number'), column(labelTable, 'category')];
    column(labelTable, 'name');
    if (num !== undefined && cat !== undefined) {
      for (const r of wellFormed(labelTable)) {
        const n = int(labelTable, r, num, 0);
        if (n === undefined || n === 0) continue;
        if (n > 65535) error(labelTable.file, r.line, `label number ${n} exceeds 65535 (R + 256·G)`);
        else if (labelCats.has(n)) error(labelTable.file, r.line, `label number ${n} appears twice`);
        const cats: string[] = [];
        for (const piece of r.cells[cat]!.split(';')) {
          const p = piece.trim();
          if (p === '') continue;
          const m = /^([^()]+?)\s*(\(\s*\d*\s*\))?$/.exec(p);
          if (!m) error(labelTable.file, r.line, `category cell piece '${p}' is malformed; expected e.g. 'material(36);object(3)'`);
          else if (!categories.includes(m[1]!.trim())) error(labelTable.file, r.line, `category '${m[1]!.trim()}' is not in category.csv`);
          else cats.push(m[1]!.trim());
        }
        if (!labelCats.has(n)) labelCats.set(n, cats);
      }
    }
  }

  // c_<cat>.csv: coverage per label of the category.
  for (const c of categories) {
    const t = await table(`c_${c}.csv`);
    if (!t) continue;
    const [num, cov] = [column(t, 'number'), column(t, 'coverage')];
    if (num === undefined || cov === undefined) continue;
    for (const r of wellFormed(t)) {
      const n = int(t, r, num, 1);
      if (n !== undefined && !labelCats.get(n)?.includes(c)) error(t.file, r.line, `label ${n} is not a ${c} label of label.csv`);
      const s = r.cells[cov]!.trim();
      if (s !== '' && !Number.isFinite(Number(s))) error(t.file, r.line, `column 'coverage' must be a number, found '${s}'`);
    }
  }

  // index.csv: rows, then the files they name.
  const index = await table('index.csv');
  if (!index) return 0;
  const cols = ['image', 'ih', 'iw', 'sh', 'sw', ...categories].map((n) => column(index, n));
  if (cols.some((c) => c === undefined)) return 0;
  const imageCol = cols[0]!;
  const imagesDir = path.join(root, 'images');
  const present = new Set(
    (await readdir(imagesDir, { recursive: true }).catch(() => {
      error(imagesDir, undefined, 'cannot list the images folder');
      return [];
    })).map((f) => String(f).split(path.sep).join('/')),
  );
  const rows = wellFormed(index);
  // Rows are checked with a few in flight; each row's problems are appended in row order.
  await forEachOrdered(rows.length, 8, (k) => checkRow(rows[k]!), (k, found) => {
    problems.push(...found);
    progress?.(k + 1, rows.length);
  });
  return rows.length;

  async function checkRow(r: CsvRow): Promise<DatasetProblem[]> {
    const found: DatasetProblem[] = [];
    const where = (msg: string): void => {
      found.push({ severity: 'error', file: index!.file, line: r.line, message: msg });
    };
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!(err instanceof NetDissectError)) throw err;
        where(err.message);
      }
    };
    const image = r.cells[imageCol]!.trim();
    const dims = [1, 2, 3, 4].map((i) => {
      const s = (r.cells[cols[i]!] ?? '').trim();
      const min = i >= 3 ? 1 : 0;
      if (/^\d+$/.test(s) && Number(s) >= min) return Number(s);
      where(`column '${index!.header[cols[i]!]}' must be an integer ≥ ${min}, found '${s}'`);
      return undefined;
    });
    if (image === '') where("empty 'image' cell");
    else if (!present.has(image)) where(`image ${image} is not in images/`);
    else await attempt(() => decodeRgb(path.join(imagesDir, image)));
    for (const [ci, c] of categories.entries()) {
      for (const piece of r.cells[cols[5 + ci]!]!.split(';')) {
        const p = piece.trim();
        if (p === '') continue;
        if (/^\d+$/.test(p)) {
          if (!labelCats.get(Number(p))?.includes(c)) where(`image-level label ${p} in column '${c}' is not a ${c} label of label.csv`);
          continue;
        }
        if (!present.has(p)) {
          where(`label map ${p} (column '${c}') is not in images/`);
          continue;
        }
        await attempt(async () => {
          const m = await decodeLabelPng(path.join(imagesDir, p));
          const [sh, sw] = [dims[2], dims[3]];
          if (sh !== undefined && sw !== undefined && (m.width !== sw || m.height !== sh)) {
            where(`label map ${p} is ${m.width}×${m.height}, the row says sw×sh = ${sw}×${sh}`);
          }
          const unknown = new Set<number>();
          for (const v of m.labels) if (v !== 0 && !labelCats.has(v)) unknown.add(v);
          if (unknown.size > 0) where(`label map ${p} has label(s) ${[...unknown].slice(0, 10).join(', ')} that label.csv lacks`);
        });
      }
    }
    return found;
  }
}

/** "file:line: message" → "message" (the problem records file and line itself). */
function stripWhere(message: string): string {
  return message.replace(/^[^\s:]+(:\d+)?: /, '');
}
