// The per-layer output files: tally.csv (NetDissect-compatible), thresholds.csv, results.json.
import type { ConceptDataset } from '../dataset/types.js';
import type { CountsView, UnitLabels } from '../label/labels.js';
import { topLabels } from '../label/labels.js';
import type { TopEntry } from '../quantile/top-images.js';
import { pyFloat, float32Decimal } from './format.js';
import type { ConceptScore, LayerResults, LayerStats, ResultsSettings, UnitResult } from './results-types.js';
import { RESULTS_SCHEMA_VERSION } from './results-types.js';

/** Label name for tally.csv (label 0 is the empty name). */
function labelName(ds: ConceptDataset, l: number): string {
  return l === 0 ? '' : ds.labels[l]?.name ?? '';
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * tally.csv: `unit,category,label,score`, then per category `<cat>-label,-truth,-activation,
 * -intersect,-iou`; rows by score descending, equal scores by unit; CRLF like Python's csv.
 */
export function tallyCsv(ds: ConceptDataset, units: readonly UnitLabels[]): string {
  const cats = ds.categories;
  const header = ['unit', 'category', 'label', 'score'];
  for (const c of cats) header.push(`${c}-label`, `${c}-truth`, `${c}-activation`, `${c}-intersect`, `${c}-iou`);
  const order = units.map((_, i) => i).sort((a, b) => units[b]!.score - units[a]!.score || a - b);
  const lines = [header.map(csvField).join(',')];
  for (const u of order) {
    const r = units[u]!;
    const best = r.perCategory[r.bestCategory]!;
    const row = [String(u + 1), cats[r.bestCategory]!, labelName(ds, best.label), pyFloat(r.score)];
    for (const b of r.perCategory) {
      row.push(labelName(ds, b.label), pyFloat(b.truth), pyFloat(b.activation), pyFloat(b.intersection), pyFloat(b.iou));
    }
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** thresholds.csv: `unit,threshold`, 1-based, float64 in shortest round-trip form. */
export function thresholdsCsv(thresholds: Float64Array): string {
  const lines = ['unit,threshold'];
  for (let u = 0; u < thresholds.length; u++) lines.push(`${u + 1},${pyFloat(thresholds[u] as number)}`);
  return `${lines.join('\n')}\n`;
}

export interface LayerResultsInput {
  readonly ds: ConceptDataset;
  readonly layer: string;
  readonly shape: readonly [number, number, number];
  readonly model: { file: string; sha256: string };
  readonly datasetDigest: string;
  readonly settings: ResultsSettings;
  readonly counts: CountsView;
  readonly units: readonly UnitLabels[];
  readonly thresholds: Float64Array;
  readonly maxValues: Float32Array;
  readonly saturated: Uint8Array;
  readonly top: readonly (readonly TopEntry[])[];
  readonly stats: LayerStats;
  readonly saturationHint?: string;
  /** Why this layer's numbers may mislead (degenerate masks): shown in the summary and the report. */
  readonly warnings: readonly string[];
  readonly toolVersion: string;
}

const TOP_LABELS_PER_CATEGORY = 3;

export function layerResults(i: LayerResultsInput): LayerResults {
  const { ds, counts } = i;
  const cats = ds.categories;
  const score = (u: number, l: number, k: number, v: number): ConceptScore => ({
    label: l,
    name: labelName(ds, l),
    category: cats[k]!,
    iou: v,
    intersection: counts.intersection[u * counts.labelCount + l] as number,
    activation: counts.activation[u * counts.categoryCount + k] as number,
    truth: counts.truth[l] as number,
  });
  const units: UnitResult[] = i.units.map((r, u) => {
    const best = r.perCategory[r.bestCategory]!;
    const categories: Record<string, ConceptScore[]> = {};
    cats.forEach((c, k) => {
      categories[c] = topLabels(counts, u, k, TOP_LABELS_PER_CATEGORY).map((t) => score(u, t.label, k, t.iou));
    });
    return {
      unit: u + 1,
      threshold: i.thresholds[u] as number,
      maxActivation: i.maxValues[u] as number,
      saturated: i.saturated[u] === 1,
      label: best.label,
      name: labelName(ds, best.label),
      category: cats[r.bestCategory]!,
      score: r.score,
      detector: r.score > i.settings.iouThreshold,
      categories,
      topImages: i.top[u]!.map((t) => ({ image: t.image, max: t.max, map: Array.from(t.map, float32Decimal) })),
    };
  });
  const first = ds.images[0];
  return {
    schema: 'netdissect/results',
    version: RESULTS_SCHEMA_VERSION,
    tool: { name: 'netdissect', version: i.toolVersion },
    layer: i.layer,
    shape: i.shape,
    model: i.model,
    dataset: {
      root: ds.root,
      format: ds.format,
      digest: i.datasetDigest,
      images: ds.images.length,
      imageFiles: ds.images.map((im) => im.file),
      labelResolution: [first?.sh ?? 0, first?.sw ?? 0],
    },
    settings: i.settings,
    categories: cats,
    labels: ds.labels.flatMap((l) => (l ? [{ number: l.number, name: l.name, category: l.primaryCategory, truth: counts.truth[l.number] as number }] : [])),
    stats: i.stats,
    ...(i.saturationHint !== undefined ? { saturationHint: i.saturationHint } : {}),
    ...(i.warnings.length > 0 ? { warnings: i.warnings } : {}),
    units,
  };
}

/** labels.csv: every label with its primary category and truth count (layer-independent). */
export function labelsCsv(ds: ConceptDataset, truth: Float64Array): string {
  const lines = ['number,name,primary_category,truth'];
  for (const l of ds.labels) if (l) lines.push(`${l.number},${csvField(l.name)},${l.primaryCategory},${truth[l.number] as number}`);
  return `${lines.join('\n')}\n`;
}

/** intersection.csv: every nonzero intersection count, `unit,label,intersection` (1-based units). */
export function intersectionCsv(c: CountsView, units: number): string {
  const lines = ['unit,label,intersection'];
  for (let u = 0; u < units; u++) {
    const base = u * c.labelCount;
    for (let l = 1; l < c.labelCount; l++) {
      const v = c.intersection[base + l] as number;
      if (v !== 0) lines.push(`${u + 1},${l},${v}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** activation.csv: the activation count per unit and category, `unit,<cat>,...` (1-based units). */
export function activationCsv(c: CountsView, units: number, categories: readonly string[]): string {
  const lines = [['unit', ...categories].join(',')];
  for (let u = 0; u < units; u++) {
    const row = [String(u + 1)];
    for (let k = 0; k < c.categoryCount; k++) row.push(String(c.activation[u * c.categoryCount + k] as number));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}
