// Broden-format reader (DESIGN.md section 3): index.csv rows with `;`-separated cells, label PNGs
// with label = R + 256·G, image-level label numbers, several PNG channels per category, global
// label numbers with gaps, names shared across categories (coverage decides the primary one),
// category order from category.csv, rows with no data dropped.
import path from 'node:path';
import { DatasetError } from '../../util/errors.js';
import { cellAt, columns, intCell, numberCell, readCsv, type CsvTable } from '../csv.js';
import { decodeRgb } from '../decode-image.js';
import { decodeLabelPng } from '../decode-label-png.js';
import type { CategoryAnnotation, ConceptDataset, ConceptLabel, ImageLabels, ImageRecord, RgbImage } from '../types.js';

export interface BrodenOptions {
  /** Categories to use (default: all, in category.csv order). */
  readonly categories?: readonly string[];
}

interface BrodenImage extends ImageRecord {
  readonly ih: number;
  readonly iw: number;
  /**
   * Per selected category (in `categories` order), the index.csv cell as written (validated at
   * open), or undefined when empty: split again when the labels are read. One string per cell
   * rather than parsed lists keeps a record near 300 bytes (full Broden's 63,305 rows are held by
   * every process of a run, and the collector walks them all at every full collection).
   */
  readonly cells: readonly (string | undefined)[];
}

/** A cell's PNG paths (relative to images/) and image-level label numbers. */
function splitCell(cell: string): { pngs: string[]; numbers: number[] } {
  const pngs: string[] = [];
  const numbers: number[] = [];
  for (const piece of cell.split(';')) {
    const p = piece.trim();
    if (p === '') continue;
    if (/^\d+$/.test(p)) numbers.push(Number(p));
    else pngs.push(p);
  }
  return { pngs, numbers };
}

const INDEX_COLUMNS = ['image', 'ih', 'iw', 'sh', 'sw'] as const;

/** Open a Broden directory: reads the tables (not the images) and validates them. */
export async function openBroden(root: string, options: BrodenOptions = {}): Promise<ConceptDataset> {
  const categoryTable = await readCsv(path.join(root, 'category.csv'));
  const catCol = columns(categoryTable, ['name'] as const);
  const allCategories = categoryTable.rows.map((r) => cellAt(categoryTable, r, catCol.name).trim());
  const categories = selectCategories(allCategories, options.categories, categoryTable.file);

  const { labels, numbersInTable } = await readLabels(root, categories);
  // A category no label belongs to can never name a unit: a broken label.csv, or a wrong selection.
  const empty = categories.filter((c) => !labels.some((l) => l?.categories.includes(c)));
  if (empty.length > 0) {
    const others = categories.filter((c) => !empty.includes(c));
    throw new DatasetError(`${path.join(root, 'label.csv')}: no label belongs to the selected categor${empty.length > 1 ? 'ies' : 'y'} ${empty.map((c) => `'${c}'`).join(', ')}; fix label.csv${others.length > 0 ? `, or select the others with --categories ${others.join(',')}` : ''}.`);
  }
  const images = await readIndex(root, categories, labels);
  if (images.length === 0) {
    throw new DatasetError(`${path.join(root, 'index.csv')}: no image has data in the selected categories (${categories.join(', ')}); nothing to dissect.`);
  }
  // knownLabel[l]: 1 = usable label, 0 = in label.csv but not in a selected category, absent = unknown.
  const knownLabel = new Int8Array(65536).fill(-1);
  knownLabel[0] = 0;
  for (const l of labels) if (l) knownLabel[l.number] = 1;
  for (const n of numbersInTable) if (knownLabel[n] !== 1) knownLabel[n] = 0;

  const imagesDir = path.join(root, 'images');
  return {
    format: 'broden',
    root,
    categories,
    labels,
    images,
    identityFiles: ['index.csv', 'category.csv', 'label.csv', ...categories.map((c) => `c_${c}.csv`)],
    async readImage(index: number): Promise<RgbImage> {
      const rec = images[index] as BrodenImage;
      return decodeRgb(path.join(imagesDir, rec.file));
    },
    async readLabels(index: number): Promise<ImageLabels> {
      const rec = images[index] as BrodenImage;
      const byCategory = new Map<string, CategoryAnnotation>();
      for (let ci = 0; ci < categories.length; ci++) {
        const raw = rec.cells[ci];
        if (raw === undefined) continue;
        const cat = categories[ci]!;
        const cell = splitCell(raw);
        const maps: Uint16Array[] = [];
        for (const png of cell.pngs) {
          const file = path.join(imagesDir, png);
          const m = await decodeLabelPng(file);
          if (m.width !== rec.sw || m.height !== rec.sh) {
            throw new DatasetError(`${file}: label map is ${m.width}×${m.height}, index.csv says sw×sh = ${rec.sw}×${rec.sh} for ${rec.file}. Label maps are never resized; fix the file or the row.`);
          }
          const data = m.labels;
          // Label maps are made of regions: look a value up only where it changes.
          let last = 0;
          for (let i = 0; i < data.length; i++) {
            const v = data[i] as number;
            if (v === last) continue;
            const known = knownLabel[v] as number;
            if (known === 1) last = v;
            else {
              if (known === 0) data[i] = 0; // a label of a category not selected
              else {
                throw new DatasetError(`${file}: pixel (${i % m.width}, ${Math.floor(i / m.width)}) has label ${data[i]}, which is not in label.csv. Fix the label map or add the label to label.csv.`);
              }
            }
          }
          maps.push(data);
        }
        byCategory.set(cat, { maps, imageLabels: cell.numbers.filter((n) => knownLabel[n] === 1) });
      }
      return { byCategory };
    },
  };
}

function selectCategories(all: readonly string[], wanted: readonly string[] | undefined, file: string): string[] {
  if (!wanted || wanted.length === 0) return [...all];
  for (const w of wanted) {
    if (!all.includes(w)) throw new DatasetError(`${file}: category '${w}' is not in this dataset; it has: ${all.join(', ')}.`);
  }
  return all.filter((c) => wanted.includes(c));
}

/** Labels of the selected categories by number, and every number label.csv lists. */
async function readLabels(
  root: string, categories: readonly string[],
): Promise<{ labels: (ConceptLabel | undefined)[]; numbersInTable: number[] }> {
  const table = await readCsv(path.join(root, 'label.csv'));
  const col = columns(table, ['number', 'name', 'category'] as const);
  const coverage = new Map<string, Map<number, number>>();
  for (const cat of categories) coverage.set(cat, await readCoverage(root, cat));

  const labels: (ConceptLabel | undefined)[] = [];
  const numbersInTable: number[] = [];
  for (const row of table.rows) {
    const number = intCell(table, row, col.number);
    if (number > 65535) throw new DatasetError(`${table.file}:${row.line}: label number ${number} exceeds 65535 (R + 256·G).`);
    if (number === 0) continue;
    numbersInTable.push(number);
    const name = cellAt(table, row, col.name);
    const listed = parseCategoryCell(cellAt(table, row, col.category), table, row.line);
    const mine = categories.filter((c) => listed.includes(c));
    if (mine.length === 0) continue;
    // Primary category: largest coverage in c_<cat>.csv; ties go to the later category.
    let primary = mine[0] as string;
    let best = -Infinity;
    for (const c of mine) {
      const cov = coverage.get(c)?.get(number) ?? 0;
      if (cov >= best) { best = cov; primary = c; }
    }
    if (labels[number]) throw new DatasetError(`${table.file}:${row.line}: label number ${number} appears twice.`);
    labels[number] = { number, name, categories: mine, primaryCategory: primary };
  }
  return { labels, numbersInTable };
}

/** `material(36);object(3)` → ['material', 'object']. */
function parseCategoryCell(cell: string, table: CsvTable, line: number): string[] {
  const out: string[] = [];
  for (const piece of cell.split(';')) {
    const p = piece.trim();
    if (p === '') continue;
    const m = /^([^()]+?)\s*(\(\s*\d*\s*\))?$/.exec(p);
    if (!m) throw new DatasetError(`${table.file}:${line}: category cell '${cell}' is malformed; expected e.g. 'material(36);object(3)'.`);
    out.push((m[1] as string).trim());
  }
  return out;
}

async function readCoverage(root: string, cat: string): Promise<Map<number, number>> {
  const table = await readCsv(path.join(root, `c_${cat}.csv`));
  const col = columns(table, ['number', 'coverage'] as const);
  const out = new Map<number, number>();
  for (const row of table.rows) out.set(intCell(table, row, col.number), numberCell(table, row, col.coverage));
  return out;
}

async function readIndex(
  root: string, categories: readonly string[], labels: readonly (ConceptLabel | undefined)[],
): Promise<BrodenImage[]> {
  const table = await readCsv(path.join(root, 'index.csv'));
  const col = columns(table, INDEX_COLUMNS);
  if (table.rows.length === 0) throw new DatasetError(`${table.file}: no image rows, only the header; nothing to dissect.`);
  const catCols = columns(table, categories);
  const images: BrodenImage[] = [];
  for (const row of table.rows) {
    const file = cellAt(table, row, col.image).trim();
    if (file === '') throw new DatasetError(`${table.file}:${row.line}: empty 'image' cell.`);
    const cells: (string | undefined)[] = [];
    let any = false;
    for (const cat of categories) {
      const raw = cellAt(table, row, catCols[cat] as number);
      const { pngs, numbers } = splitCell(raw);
      for (const n of numbers) {
        if (n === 0 || labels[n] === undefined) {
          throw new DatasetError(`${table.file}:${row.line}: image-level label ${n} in column '${cat}' is not a ${cat} label of label.csv.`);
        }
      }
      const has = pngs.length > 0 || numbers.length > 0;
      cells.push(has ? raw : undefined);
      any ||= has;
    }
    if (!any) continue; // no data in any selected category: dropped, not counted
    images.push({
      index: images.length,
      file,
      ih: intCell(table, row, col.ih),
      iw: intCell(table, row, col.iw),
      sh: positive(table, row, col.sh),
      sw: positive(table, row, col.sw),
      cells,
    });
  }
  return images;
}

function positive(table: CsvTable, row: CsvTable['rows'][number], c: number): number {
  const v = intCell(table, row, c);
  if (v === 0) throw new DatasetError(`${table.file}:${row.line}: column '${table.header[c]}' must be at least 1.`);
  return v;
}

