// Detector statistics of one dissected layer (DESIGN.md 5.6) from any tally.csv of the
// NetDissect family (ours, NetDissect-Lite's, the original tool's) or from our results.json:
// detectors per category, unique concepts by best label, and the paper's unique detectors.
// Columns are found by header name, never by position: the original tool writes categories in
// another order and may add columns.
import { readFileSync } from 'node:fs';
import { DatasetError } from '../util/errors.js';
import type { CategoryStats, LayerResults } from '../run/results-types.js';
import { parseCsv } from '../dataset/csv.js';

/** A unit's best label in one category (label '' = none: no label of the category has IoU > 0). */
export interface TallyBest {
  readonly label: string;
  readonly iou: number;
}

/** What the statistics need of one unit. */
export interface TallyUnit {
  readonly unit: number; // 1-based
  /** Category of the best label overall ('' only when the unit has no label at all). */
  readonly category: string;
  readonly label: string; // best label overall ('' = none)
  readonly score: number; // its IoU
  /** Best label per category, aligned with UnitTable.categories. */
  readonly perCategory: readonly TallyBest[];
}

/** The units of one layer with their labels, in file order. */
export interface UnitTable {
  readonly categories: readonly string[];
  readonly units: readonly TallyUnit[];
}

export interface ConceptCount {
  readonly label: string;
  readonly units: number;
}

export interface CategoryDetectorStats extends CategoryStats {
  /** Detectors by best label overall in this category, per label (most units first). */
  readonly concepts: readonly ConceptCount[];
  /** Paper's rule: units whose category-best IoU > threshold, per category-best label. */
  readonly detectorConcepts: readonly ConceptCount[];
}

/** Detector statistics of one layer at one IoU threshold (strict `>`). */
export interface DetectorStats {
  readonly iouThreshold: number;
  readonly units: number;
  /** Units whose best label overall has IoU > threshold. */
  readonly detectors: number;
  /** Distinct best labels among those detectors. */
  readonly uniqueConcepts: number;
  /** Paper's "unique detectors": per category, distinct category-best labels among units whose
   * category-best IoU > threshold; summed over categories. */
  readonly uniqueDetectors: number;
  readonly perCategory: readonly CategoryDetectorStats[];
}

const CATEGORY_COLUMN = /^(.+)-(label|truth|activation|intersect|iou)$/;

/** Read a tally.csv file (see parseTally). */
export function readTally(file: string): UnitTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read tally file ${file}: ${(err as Error).message}`);
  }
  return parseTally(text, file);
}

/**
 * Parse a tally.csv: columns `unit`, `category`, `label`, `score` and, per category,
 * `<cat>-label` and `<cat>-iou` (other columns, such as `<cat>-truth`, are allowed and ignored).
 * Categories are in the order of their first column. `file` names the source in errors.
 */
export function parseTally(text: string, file: string): UnitTable {
  const table = parseCsv(text, file);
  const header = table.header;
  const where = new Map<string, number>();
  header.forEach((name, i) => {
    if (where.has(name)) throw new DatasetError(`${file}:1: column '${name}' appears twice in the header`);
    where.set(name, i);
  });
  const missing = ['unit', 'category', 'label', 'score'].filter((c) => !where.has(c));
  if (missing.length > 0) {
    throw new DatasetError(`${file}:1: header lacks column(s) ${missing.join(', ')}; is this a NetDissect tally.csv?`);
  }
  const categories: string[] = [];
  for (const name of header) {
    const m = CATEGORY_COLUMN.exec(name);
    if (m && !categories.includes(m[1] as string)) categories.push(m[1] as string);
  }
  if (categories.length === 0) throw new DatasetError(`${file}:1: header has no <category>-label / <category>-iou columns`);
  for (const cat of categories) {
    for (const suffix of ['label', 'iou']) {
      if (!where.has(`${cat}-${suffix}`)) {
        throw new DatasetError(`${file}:1: category '${cat}' has no '${cat}-${suffix}' column; every category needs ${cat}-label and ${cat}-iou`);
      }
    }
  }
  const col = (name: string): number => where.get(name) as number;
  const unitCol = col('unit');
  const categoryCol = col('category');
  const labelCol = col('label');
  const scoreCol = col('score');
  const catCols = categories.map((c) => ({ label: col(`${c}-label`), iou: col(`${c}-iou`), name: c }));

  const seen = new Set<number>();
  const units: TallyUnit[] = [];
  for (const row of table.rows) {
    const at = `${file}:${row.line}`;
    const f = row.cells;
    if (f.length !== header.length) {
      throw new DatasetError(`${at}: ${f.length} fields, the header has ${header.length}; the row is cut or has extra commas`);
    }
    const unitText = f[unitCol] as string;
    const unit = /^\d+$/.test(unitText) ? Number(unitText) : NaN;
    if (!(unit >= 1)) throw new DatasetError(`${at}: unit '${unitText}' is not a positive integer (units are 1-based)`);
    if (seen.has(unit)) throw new DatasetError(`${at}: unit ${unit} appears twice`);
    seen.add(unit);
    const score = parseIou(f[scoreCol] as string, `${at}: score`);
    const label = f[labelCol] as string;
    const category = f[categoryCol] as string;
    if (category !== '' && !categories.includes(category)) {
      throw new DatasetError(`${at}: category '${category}' has no columns in the header (categories: ${categories.join(', ')})`);
    }
    if (score > 0 && (label === '' || category === '')) throw new DatasetError(`${at}: score ${score} > 0 but the label or category is empty`);
    const perCategory = catCols.map((c) => {
      const iou = parseIou(f[c.iou] as string, `${at}: ${c.name}-iou`);
      const catLabel = f[c.label] as string;
      if (iou > 0 && catLabel === '') throw new DatasetError(`${at}: ${c.name}-iou is ${iou} > 0 but ${c.name}-label is empty`);
      return { label: catLabel, iou };
    });
    units.push({ unit, category, label, score, perCategory });
  }
  return { categories, units };
}

function parseIou(text: string, what: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new DatasetError(`${what} is '${text}'; expected an IoU, a number in [0, 1]`);
  return v;
}

/** The unit table of a layer's results.json (labels by name, as in tally.csv); `file` for errors. */
export function unitTableFromResults(results: LayerResults, file: string): UnitTable {
  const categories = [...results.categories];
  for (const u of results.units) {
    if (u.category !== '' && !categories.includes(u.category)) {
      throw new DatasetError(`${file}: unit ${u.unit} has category '${u.category}', not one of the layer's categories (${categories.join(', ')})`);
    }
    if (u.score > 0 && u.category === '') throw new DatasetError(`${file}: unit ${u.unit} has score ${u.score} > 0 but no category`);
  }
  const units = results.units.map((u) => ({
    unit: u.unit,
    category: u.category,
    label: u.name,
    score: u.score,
    perCategory: categories.map((c) => {
      const best = u.categories[c]?.[0];
      return best ? { label: best.name, iou: best.iou } : { label: '', iou: 0 };
    }),
  }));
  return { categories, units };
}

/**
 * Detector statistics at `iouThreshold` (a unit counts when its IoU is strictly greater).
 * A unit can count in several categories under the paper's rule, in one under the best-label rule.
 */
export function detectorStats(table: UnitTable, iouThreshold: number): DetectorStats {
  const byBest = table.categories.map(() => new Map<string, number>());
  const byCategory = table.categories.map(() => new Map<string, number>());
  const allBest = new Set<string>();
  let detectors = 0;
  for (const u of table.units) {
    if (u.score > iouThreshold) {
      detectors++;
      allBest.add(u.label);
      const k = table.categories.indexOf(u.category);
      const m = byBest[k] as Map<string, number>;
      m.set(u.label, (m.get(u.label) ?? 0) + 1);
    }
    u.perCategory.forEach((best, k) => {
      if (best.iou > iouThreshold) {
        const m = byCategory[k] as Map<string, number>;
        m.set(best.label, (m.get(best.label) ?? 0) + 1);
      }
    });
  }
  const perCategory = table.categories.map((category, k) => {
    const concepts = sortedCounts(byBest[k] as Map<string, number>);
    const detectorConcepts = sortedCounts(byCategory[k] as Map<string, number>);
    return {
      category,
      detectors: sum(concepts),
      uniqueConcepts: concepts.length,
      categoryDetectors: sum(detectorConcepts),
      uniqueDetectors: detectorConcepts.length,
      concepts,
      detectorConcepts,
    };
  });
  return {
    iouThreshold,
    units: table.units.length,
    detectors,
    uniqueConcepts: allBest.size,
    uniqueDetectors: perCategory.reduce((s, c) => s + c.uniqueDetectors, 0),
    perCategory,
  };
}

function sortedCounts(m: Map<string, number>): ConceptCount[] {
  return [...m]
    .map(([label, units]) => ({ label, units }))
    .sort((a, b) => b.units - a.units || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

function sum(counts: readonly ConceptCount[]): number {
  return counts.reduce((s, c) => s + c.units, 0);
}

/** What `netdissect stats FILE` computes: read a tally.csv and its statistics at `iouThreshold`. */
export function tallyStats(file: string, iouThreshold = 0.04): DetectorStats {
  return detectorStats(readTally(file), iouThreshold);
}
