// Naming units (DESIGN.md 5.4–5.6): IoU from the counts, the best label per category and
// overall with the reference's tie rules, and the layer's detector statistics.
import { detectorStats } from '../experiments/tally-stats.js';
import type { CategoryStats, LayerStats } from '../run/results-types.js';

/** IoU exactly as the reference evaluates it, in float64 and in this order. */
export function iou(intersection: number, activation: number, truth: number): number {
  return intersection / (activation + truth - intersection + 1e-10);
}

export interface CategoryBest {
  /** Best label number (0 = none: no label of the category has IoU > 0). */
  readonly label: number;
  readonly iou: number;
  readonly intersection: number;
  readonly activation: number;
  readonly truth: number;
}

export interface UnitLabels {
  readonly perCategory: readonly CategoryBest[]; // in category order
  readonly bestCategory: number; // index into categories
  readonly score: number;
}

export interface CountsView {
  readonly labelCount: number;
  readonly categoryCount: number;
  readonly primary: Int32Array; // label → category index, −1 none
  readonly truth: Float64Array; // by label
  readonly intersection: Float64Array; // units × labelCount
  readonly activation: Float64Array; // units × categoryCount
}

/**
 * Per category: the label with the highest IoU among labels whose primary category it is
 * (ties: lowest label number; none above 0: label 0, whose activation is that of the last
 * category, the category label 0 belongs to). Overall: the category with the highest score
 * (ties: the later category).
 */
export function labelUnit(c: CountsView, u: number): UnitLabels {
  const K = c.categoryCount;
  const L = c.labelCount;
  const bestLabel = new Int32Array(K);
  const bestIou = new Float64Array(K);
  const iBase = u * L;
  const aBase = u * K;
  for (let l = 1; l < L; l++) {
    const k = c.primary[l] as number;
    if (k < 0) continue;
    const inter = c.intersection[iBase + l] as number;
    if (inter === 0) continue; // IoU 0 never beats the initial 0
    const v = iou(inter, c.activation[aBase + k] as number, c.truth[l] as number);
    if (v > (bestIou[k] as number)) {
      bestIou[k] = v;
      bestLabel[k] = l;
    }
  }
  const perCategory: CategoryBest[] = [];
  let bestCategory = 0;
  let score = -Infinity;
  for (let k = 0; k < K; k++) {
    const l = bestLabel[k] as number;
    const entry: CategoryBest = l === 0
      ? { label: 0, iou: 0, intersection: 0, activation: c.activation[aBase + K - 1] as number, truth: 0 }
      : { label: l, iou: bestIou[k] as number, intersection: c.intersection[iBase + l] as number, activation: c.activation[aBase + k] as number, truth: c.truth[l] as number };
    perCategory.push(entry);
    if (entry.iou >= score) {
      score = entry.iou;
      bestCategory = k;
    }
  }
  return { perCategory, bestCategory, score };
}

/** The `count` best labels of category k for unit u (IoU > 0), highest first, ties by number. */
export function topLabels(c: CountsView, u: number, k: number, count: number): { label: number; iou: number }[] {
  const out: { label: number; iou: number }[] = [];
  const iBase = u * c.labelCount;
  const a = c.activation[u * c.categoryCount + k] as number;
  for (let l = 1; l < c.labelCount; l++) {
    if (c.primary[l] !== k) continue;
    const inter = c.intersection[iBase + l] as number;
    if (inter === 0) continue;
    out.push({ label: l, iou: iou(inter, a, c.truth[l] as number) });
  }
  out.sort((x, y) => y.iou - x.iou || x.label - y.label);
  return out.slice(0, count);
}

/**
 * Detector statistics of a layer: both the by-best-label counts and the paper's per-category
 * rule, computed by the one definition in experiments/tally-stats.ts (the `stats` command reads
 * the same statistics from any tally.csv).
 */
export function layerStats(
  units: readonly UnitLabels[], categories: readonly string[], iouThreshold: number,
  saturatedUnits: number, zeroThresholdUnits: number,
): LayerStats {
  const table = {
    categories,
    units: units.map((u, i) => ({
      unit: i + 1,
      category: categories[u.bestCategory]!,
      label: String(u.perCategory[u.bestCategory]!.label),
      score: u.score,
      perCategory: u.perCategory.map((b) => ({ label: String(b.label), iou: b.iou })),
    })),
  };
  const d = detectorStats(table, iouThreshold);
  return {
    units: d.units,
    detectors: d.detectors,
    uniqueConcepts: d.uniqueConcepts,
    uniqueDetectors: d.uniqueDetectors,
    saturatedUnits,
    zeroThresholdUnits,
    perCategory: d.perCategory.map((c): CategoryStats => ({
      category: c.category, detectors: c.detectors, uniqueConcepts: c.uniqueConcepts, categoryDetectors: c.categoryDetectors, uniqueDetectors: c.uniqueDetectors,
    })),
  };
}
