// Turn a loaded run into the report's data (report-data.ts): what both the static page and the
// viewer show, with the photo sheets, maps, strip paths and bar graph counts computed once here.
import { conceptCounts } from './bar-chart.js';
import { categoryColors } from './colors.js';
import type { LoadedRun } from './load-run.js';
import type { TileSize } from './composite.js';
import { packFloat32 } from './pack.js';
import {
  REPORT_DATA_VERSION,
  type ReportConceptRow,
  type ReportData,
  type ReportFormula,
  type ReportLayer,
  type ReportPhotos,
  type ReportTruth,
  type ReportUnit,
} from './report-data.js';
import { stripPaths } from './strips.js';
import type { UnitFormula } from '../run/results-types.js';

/** Tile sizes: small (grid) and large (detail) tiles keep the model input's aspect ratio. */
export function tileSizes(inputSize: readonly number[] | undefined): { small: TileSize; large: TileSize } {
  const [ih, iw] = inputSize && inputSize.length === 2 && inputSize.every((n) => n > 0) ? inputSize : [1, 1];
  const aspect = (iw as number) / (ih as number);
  const size = (h: number): TileSize => ({ h, w: Math.max(8, Math.round(h * aspect)) });
  return { small: size(112), large: size(224) };
}

/** What writeReport made before the data: photo sheets, ground truth, strips, file copies. */
export interface ReportAssets {
  readonly topK: number;
  readonly dim: number;
  readonly photos: ReportPhotos;
  /** Dataset image index → index into photos.list. */
  readonly photoIndex: ReadonlyMap<number, number>;
  readonly truths: Readonly<Record<string, ReportTruth>>;
  readonly groundTruth: { readonly shown: boolean; readonly note: string };
  /** Whether every unit has its JPEG strips (--all-strips). */
  readonly strips: boolean;
  /** Report-relative copies of each layer's tally.csv and results.json, by layer dir. */
  readonly files: ReadonlyMap<string, { readonly tally: string | null; readonly results: string | null }>;
}

/** results.json's `warnings` (added by newer runs): a list of strings, or nothing. */
export function layerWarnings(results: unknown): string[] {
  const w = (results as { warnings?: unknown }).warnings;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/** The rows of a layer's concept table: every best label, most detectors first, then most units. */
export function conceptTable(units: readonly ReportUnit[]): ReportConceptRow[] {
  const rows = new Map<string, { name: string; category: string; units: number; detectors: number; bestIou: number; bestUnit: number }>();
  for (const u of units) {
    if (u.label === '') continue;
    const key = `${u.category}\u0000${u.label}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { name: u.label, category: u.category, units: 0, detectors: 0, bestIou: -Infinity, bestUnit: 0 }));
    r.units++;
    if (u.detector) r.detectors++;
    if (u.score > r.bestIou || (u.score === r.bestIou && u.unit < r.bestUnit)) {
      r.bestIou = u.score;
      r.bestUnit = u.unit;
    }
  }
  return [...rows.values()].sort(
    (a, b) => b.detectors - a.detectors || b.units - a.units || b.bestIou - a.bestIou || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** A unit's formula with its label numbers named (the viewer links each concept). */
function reportFormula(f: UnitFormula, labelName: ReadonlyMap<number, string>, layer: string, unit: number): ReportFormula {
  if (f.ops.length !== f.labels.length - 1) {
    throw new Error(`results.json of layer ${layer}, unit ${unit}: formula has ${f.labels.length} labels but ${f.ops.length} ops (expected one fewer); rerun \`netdissect explain\`.`);
  }
  const names = f.labels.map((n) => {
    const name = labelName.get(n);
    if (name === undefined) throw new Error(`results.json of layer ${layer}, unit ${unit}: formula label ${n} is not in the layer's labels; rerun \`netdissect explain\`.`);
    return name;
  });
  return { text: f.text, iou: f.iou, search: f.search, names, labels: f.labels, ops: f.ops };
}

export function buildReportData(run: LoadedRun, generatedAt: Date, assets: ReportAssets): ReportData {
  const m = run.manifest;
  const { topK } = assets;
  const first = run.layers[0]?.results;
  const categories = first?.categories ?? m.settings.categories;
  const layers: ReportLayer[] = run.layers.map(({ layer, results }) => {
    const labelName = new Map(results.labels.map((l) => [l.number, l.name]));
    const units: ReportUnit[] = results.units.map((u) => {
      const paths = stripPaths(layer.dir, u.unit);
      return {
        unit: u.unit,
        label: u.name,
        category: u.category,
        score: u.score,
        detector: u.detector,
        threshold: u.threshold,
        maxActivation: u.maxActivation,
        saturated: u.saturated,
        categories: results.categories
          .filter((c) => Object.hasOwn(u.categories, c))
          .map((c) => ({
            category: c,
            concepts: (u.categories[c] ?? []).map((s) => ({
              name: s.name,
              iou: s.iou,
              intersection: s.intersection,
              activation: s.activation,
              truth: s.truth,
            })),
          })),
        labelNumber: u.label,
        images: u.topImages.slice(0, topK).map((t) => ({ image: t.image, photo: assets.photoIndex.get(t.image) ?? -1, max: t.max, map: packFloat32(t.map) })),
        ...(assets.strips ? { strip: paths.small, large: paths.large } : {}),
        ...(u.formula ? { formula: reportFormula(u.formula, labelName, layer.name, u.unit) } : {}),
        ...(u.baseline ? { baseline: { chance: u.baseline.chance, aboveChance: u.baseline.aboveChance, p: u.baseline.p } } : {}),
      };
    });
    const s = results.stats;
    return {
      name: layer.name,
      dir: layer.dir,
      shape: results.shape,
      stats: {
        units: s.units,
        detectors: s.detectors,
        uniqueConcepts: s.uniqueConcepts,
        uniqueDetectors: s.uniqueDetectors,
        saturatedUnits: s.saturatedUnits,
        zeroThresholdUnits: s.zeroThresholdUnits,
        perCategory: s.perCategory.map((c) => ({ ...c })),
      },
      saturationHint: results.saturationHint ?? null,
      warnings: layerWarnings(results),
      files: assets.files.get(layer.dir) ?? { tally: null, results: null },
      concepts: conceptCounts(units, results.categories),
      conceptTable: conceptTable(units),
      baseline: results.baseline
        ? { shuffles: results.baseline.shuffles, detectors: results.baseline.detectors, detectorsAboveChance: results.baseline.detectorsAboveChance, unitsAboveChance: results.baseline.unitsAboveChance }
        : null,
      explain: results.explain ? { search: results.explain.search, length: results.explain.length, units: results.explain.units } : null,
      units,
    };
  });
  // `preset` and `layout` are recorded by newer runs, in results.json and run.json: either will do.
  type Recorded = { preset?: unknown; layout?: unknown };
  const runPre = m.settings.preprocess as typeof m.settings.preprocess & Recorded;
  const resPre = (first?.settings.preprocess ?? {}) as Recorded;
  const pre = {
    ...runPre,
    ...(resPre.preset !== undefined ? { preset: resPre.preset } : {}),
    ...(resPre.layout !== undefined ? { layout: resPre.layout } : {}),
  };
  return {
    schema: 'netdissect/report',
    version: REPORT_DATA_VERSION,
    generatedAt: generatedAt.toISOString(),
    tool: { version: m.tool?.version ?? first?.tool.version ?? 'unknown' },
    state: m.state,
    model: { path: m.model.path, sha256: m.model.sha256, input: m.model.input },
    dataset: { root: m.dataset.root, format: m.dataset.format, images: m.dataset.images },
    settings: {
      semantics: m.settings.semantics,
      quantile: m.settings.quantile,
      iouThreshold: m.settings.iouThreshold,
      topK: m.settings.topK,
      inputSize: pre.inputSize,
      preprocess: {
        // Runs written before the preset was recorded have neither field: say nothing then.
        ...(typeof pre.preset === 'string' || pre.preset === null ? { preset: pre.preset } : {}),
        mean: pre.mean,
        std: pre.std,
        ...(typeof pre.layout === 'string' ? { layout: pre.layout } : {}),
      },
      batch: m.settings.batch,
      limit: m.settings.limit,
    },
    timings: Object.entries(m.timings ?? {}).map(([phase, seconds]) => ({ phase, seconds })),
    categories,
    categoryColors: categoryColors(categories),
    topK,
    tiles: tileSizes(pre.inputSize),
    dim: assets.dim,
    photos: assets.photos,
    truths: assets.truths,
    groundTruth: assets.groundTruth,
    layers,
  };
}
