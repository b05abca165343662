// Turn a loaded run into the report's data (report-data.ts): what both the static page and the
// viewer show, with the strip image paths and the bar graph counts computed once here.
import { conceptCounts } from './bar-chart.js';
import { categoryColors } from './colors.js';
import type { LoadedRun } from './load-run.js';
import type { TileSize } from './composite.js';
import { REPORT_DATA_VERSION, type ReportData, type ReportLayer, type ReportUnit } from './report-data.js';
import { stripPaths } from './strips.js';

/** Tile sizes: small (grid) and large (detail) tiles keep the model input's aspect ratio. */
export function tileSizes(inputSize: readonly number[] | undefined): { small: TileSize; large: TileSize } {
  const [ih, iw] = inputSize && inputSize.length === 2 && inputSize.every((n) => n > 0) ? inputSize : [1, 1];
  const aspect = (iw as number) / (ih as number);
  const size = (h: number): TileSize => ({ h, w: Math.max(8, Math.round(h * aspect)) });
  return { small: size(112), large: size(224) };
}

export function buildReportData(run: LoadedRun, topK: number, generatedAt: Date, groundTruth: { shown: boolean; note: string }): ReportData {
  const m = run.manifest;
  const first = run.layers[0]?.results;
  const categories = first?.categories ?? m.settings.categories;
  const layers: ReportLayer[] = run.layers.map(({ layer, results }) => {
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
        images: u.topImages.slice(0, topK).map((t) => ({ image: t.image, file: results.dataset.imageFiles[t.image] ?? '', max: t.max })),
        strip: paths.small,
        large: paths.large,
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
      concepts: conceptCounts(units, results.categories),
      units,
    };
  });
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
      inputSize: m.settings.preprocess.inputSize,
      batch: m.settings.batch,
      limit: m.settings.limit,
    },
    timings: Object.entries(m.timings ?? {}).map(([phase, seconds]) => ({ phase, seconds })),
    categories,
    categoryColors: categoryColors(categories),
    topK,
    tiles: tileSizes(m.settings.preprocess.inputSize),
    groundTruth,
    layers,
  };
}

