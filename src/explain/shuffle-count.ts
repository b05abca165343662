// Counting one layer against labels moved between images (the chance baseline): image i's unit
// masks meet the labels of image source[i]. Masks and counts are dissect's own (maskAbove inside
// LayerCounts.add, with the run's semantics), so the identity shuffle gives the run's counts.
import { labelTables } from '../stages/count.js';
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import { labelUnit } from '../label/labels.js';
import { LayerCounts, prepareLabels, type LabelTables, type Semantics } from '../tally/counter.js';
import { Random } from '../util/random.js';
import type { KeptMapsIndex } from './kept-maps.js';

/** Label number → primary category index, as dissect builds it. */
/** Label number → primary category index: the same tables as dissect's counting. */
export const labelTablesOf = labelTables;

/** The seed of shuffle r of a baseline seeded with `seed`. */
export function shuffleSeed(seed: number, r: number): number {
  return (seed + Math.imul(r + 1, 0x9e3779b9)) >>> 0;
}

/**
 * Shuffle r: for each counted image (position k in `images`), the image whose labels it gets.
 * Fisher–Yates within groups of images of the same label size (label maps move whole), in
 * image order, seeded by shuffleSeed(seed, r).
 */
export function shuffledSources(ds: ConceptDataset, images: Int32Array, seed: number, r: number): Int32Array {
  const rng = new Random(shuffleSeed(seed, r));
  const groups = new Map<string, number[]>();
  images.forEach((image, k) => {
    const rec = ds.images[image]!;
    const key = `${rec.sh}x${rec.sw}`;
    let g = groups.get(key);
    if (!g) { g = []; groups.set(key, g); }
    g.push(k);
  });
  const source = Int32Array.from(images);
  for (const positions of groups.values()) {
    const pool = positions.map((k) => images[k]!);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      const t = pool[i]!; pool[i] = pool[j]!; pool[j] = t;
    }
    positions.forEach((k, i) => { source[k] = pool[i]!; });
  }
  return source;
}

export interface ShuffleCountInput {
  readonly ds: ConceptDataset;
  /** The run's counted images, ascending. */
  readonly images: Int32Array;
  /** Per shuffle: for each position k of `images`, the image whose labels it gets. */
  readonly sources: readonly Int32Array[];
  /** Label owners counted here: positions [from, to) of `images` (a slice, for workers). */
  readonly from: number;
  readonly to: number;
  readonly index: KeptMapsIndex;
  readonly thresholds: Float64Array;
  readonly shape: readonly [number, number, number];
  readonly tables: LabelTables;
  readonly semantics: Semantics;
  /** Told how many label owners are done, now and then. */
  readonly onProgress?: (done: number) => void;
}

/** Integer counts of every shuffle over a slice of label owners (summed over slices in any order). */
export interface ShuffleCounts {
  readonly truth: Float64Array;
  readonly intersection: Float64Array[];
  readonly activation: Float64Array[];
}

const LABEL_PREFETCH = 4;

/**
 * Count every shuffle in one pass over the label owners: each owner's labels are read and
 * prepared once, then met by the masks of the image each shuffle gives them to.
 */
export async function countShuffles(inp: ShuffleCountInput): Promise<ShuffleCounts> {
  const { ds, images, tables } = inp;
  const [units, h, w] = inp.shape;
  const mapSize = h * w;
  let maxPixels = 0;
  for (const i of images) maxPixels = Math.max(maxPixels, ds.images[i]!.sh * ds.images[i]!.sw);
  const counts = inp.sources.map(() => new LayerCounts(units, h, w, tables, inp.semantics, maxPixels));
  const truth = new Float64Array(tables.labelCount);
  const t32 = Float32Array.from(inp.thresholds);
  // Position of each image among `images`, then per shuffle: owner position → receiving image.
  const positionOf = new Map<number, number>();
  images.forEach((image, k) => positionOf.set(image, k));
  const receiver = inp.sources.map((src) => {
    const r = new Int32Array(images.length);
    src.forEach((owner, k) => { r[positionOf.get(owner)!] = images[k]!; });
    return r;
  });
  const ahead = new Map<number, Promise<ImageLabels>>();
  const request = (k: number): void => {
    if (k >= inp.to || ahead.has(k)) return;
    const p = ds.readLabels(images[k]!);
    p.catch(() => undefined); // awaited below
    ahead.set(k, p);
  };
  for (let k = inp.from; k < inp.to; k++) {
    for (let j = 0; j <= LABEL_PREFETCH; j++) request(k + j);
    const labels = await ahead.get(k)!;
    ahead.delete(k);
    const rec = ds.images[images[k]!]!;
    const prepared = prepareLabels(labels.byCategory, rec.sh, rec.sw, tables, truth);
    for (let r = 0; r < counts.length; r++) {
      const { units: us, maps } = inp.index.read(receiver[r]![k]!);
      const c = counts[r]!;
      for (let e = 0; e < us.length; e++) c.add(us[e]!, maps, e * mapSize, t32[us[e]!] as number, prepared);
    }
    if ((k - inp.from + 1) % 25 === 0 || k + 1 === inp.to) inp.onProgress?.(k - inp.from + 1);
  }
  return { truth, intersection: counts.map((c) => c.intersection), activation: counts.map((c) => c.activation) };
}

/** Add `part` into `sum` (integers: any order gives the same totals). */
export function addCounts(sum: ShuffleCounts, part: ShuffleCounts): void {
  const add = (a: Float64Array, b: Float64Array): void => { for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] as number); };
  add(sum.truth, part.truth);
  sum.intersection.forEach((a, r) => add(a, part.intersection[r]!));
  sum.activation.forEach((a, r) => add(a, part.activation[r]!));
}

/** Per shuffle and unit, the best overall score (dissect's labelUnit). */
export function shuffleScores(c: ShuffleCounts, tables: LabelTables, units: number): Float64Array[] {
  return c.intersection.map((intersection, r) => {
    const view = { ...tables, truth: c.truth, intersection, activation: c.activation[r]! };
    const scores = new Float64Array(units);
    for (let u = 0; u < units; u++) scores[u] = labelUnit(view, u).score;
    return scores;
  });
}
