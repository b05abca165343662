// Counting one layer against labels moved between images (the chance baseline): image i's unit
// masks meet the labels of image source[i]. Masks and counts are dissect's own (maskAbove inside
// LayerCounts.add, with the run's semantics), so the identity shuffle gives the run's counts.
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import { labelUnit } from '../label/labels.js';
import type { Segment } from '../quantile/candidate-cache.js';
import { LayerCounts, prepareLabels, type LabelTables, type Semantics } from '../tally/counter.js';
import { Random } from '../util/random.js';
import { RunDirError } from '../util/errors.js';

/** Label number → primary category index, as dissect builds it. */
export function labelTablesOf(ds: ConceptDataset): LabelTables {
  let max = 0;
  ds.labels.forEach((l, i) => { if (l) max = Math.max(max, i); });
  const primary = new Int32Array(max + 1).fill(-1);
  for (const l of ds.labels) if (l) primary[l.number] = ds.categories.indexOf(l.primaryCategory);
  return { labelCount: max + 1, categoryCount: ds.categories.length, primary };
}

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
  readonly images: Int32Array;
  readonly source: Int32Array;
  readonly blocks: Iterable<Segment>;
  readonly thresholds: Float64Array;
  readonly shape: readonly [number, number, number];
  readonly tables: LabelTables;
  readonly semantics: Semantics;
  readonly file: string;
}

const LABEL_PREFETCH = 4;

/** Per unit, the best overall score (dissect's labelUnit) under this assignment of labels. */
export async function shuffledScores(inp: ShuffleCountInput): Promise<Float64Array> {
  const { ds, images, source, tables } = inp;
  const [units, h, w] = inp.shape;
  const mapSize = h * w;
  let maxPixels = 0;
  for (const i of images) maxPixels = Math.max(maxPixels, ds.images[i]!.sh * ds.images[i]!.sw);
  const counts = new LayerCounts(units, h, w, tables, inp.semantics, maxPixels);
  const truth = new Float64Array(tables.labelCount);
  const t32 = Float32Array.from(inp.thresholds);
  const ahead = new Map<number, Promise<ImageLabels>>();
  const request = (k: number): void => {
    if (k >= images.length || ahead.has(k)) return;
    const p = ds.readLabels(source[k]!);
    p.catch(() => undefined); // awaited below
    ahead.set(k, p);
  };
  const it = inp.blocks[Symbol.iterator]();
  let block: Segment | null = null;
  let pos = 0;
  const advance = (): void => { const r = it.next(); block = r.done ? null : r.value; pos = 0; };
  advance();
  for (let k = 0; k < images.length; k++) {
    for (let j = 0; j <= LABEL_PREFETCH; j++) request(k + j);
    const labels = await ahead.get(k)!;
    ahead.delete(k);
    const src = ds.images[source[k]!]!;
    const prepared = prepareLabels(labels.byCategory, src.sh, src.sw, tables, truth);
    const image = images[k]!;
    for (;;) {
      if (block === null) break;
      const b: Segment = block;
      if (pos >= b.count) { advance(); continue; }
      const img = b.images[pos] as number;
      if (img < image) throw new RunDirError(`${inp.file}: a kept map of image ${img}, which the run did not count (or out of image order); rerun \`netdissect dissect\`.`);
      if (img > image) break;
      const u = b.units[pos] as number;
      counts.add(u, b.maps, pos * mapSize, t32[u] as number, prepared);
      pos++;
    }
  }
  const view = { ...tables, truth, intersection: counts.intersection, activation: counts.activation };
  const scores = new Float64Array(units);
  for (let u = 0; u < units; u++) scores[u] = labelUnit(view, u).score;
  return scores;
}
