// Pass 2 counting (DESIGN.md 5.3): per unit and label the intersection I, per unit and category
// the activation A, per label the truth G; integer counts summed over the dataset. Counting is
// sparse: work scales with the tiles a unit's hot map cells reach, not units × concepts × pixels.
//
// Each image's labels are prepared once for every layer and unit: pixels are grouped by their
// label combination (the multiset of nonzero labels over all channels of all categories: as many
// as the regions of the image overlap in distinct ways, typically tens), so a mask is counted as
// a histogram of combination numbers, one increment per mask pixel whatever the number of
// channels, and the histogram is then spread over the labels of each combination it touched. The sums are the same integers as counting
// every channel at every pixel.
import { TileMasker, tilePlan, type TilePlan } from './mask-tiles.js';

export type { Semantics } from '../run/results-types.js';
import type { Semantics } from '../run/results-types.js';

/** One image's labels, prepared for counting. */
export interface PreparedLabels {
  readonly sh: number;
  readonly sw: number;
  /** Per pixel (row-major sh×sw), its combination number; 0 = no label in any channel. */
  readonly comboOf: Int32Array;
  /** Number of combinations (numbers 0 .. comboCount − 1). */
  readonly comboCount: number;
  /** Labels of combination c: comboLabels[comboStart[c] .. comboStart[c + 1]), with repeats. */
  readonly comboStart: Int32Array;
  readonly comboLabels: Int32Array;
  /** Image-level label numbers. */
  readonly imageLabels: readonly number[];
  /** Category indices annotated anywhere in the image (by primary category of its labels). */
  readonly annotated: readonly number[];
}

/** Tables shared by every layer: label → primary category index. */
export interface LabelTables {
  readonly labelCount: number; // largest label number + 1
  readonly categoryCount: number;
  readonly primary: Int32Array; // by label number, -1 for none
}

/**
 * Prepare an image's labels for counting (combination per pixel) and add its truth counts to
 * `truth` (G: one per labelled pixel and channel, sh·sw per image-level label).
 */
export function prepareLabels(
  byCategory: ReadonlyMap<string, { maps: readonly Uint16Array[]; imageLabels: readonly number[] }>,
  sh: number, sw: number, tables: LabelTables, truth: Float64Array,
): PreparedLabels {
  const size = sh * sw;
  const comboOf = new Int32Array(size);
  // Combination c = its parent combination plus one label; refined channel by channel.
  const parent: number[] = [-1];
  const added: number[] = [0];
  const next = COMBO_TABLE;
  next.clear();
  const imageLabels: number[] = [];
  for (const ann of byCategory.values()) {
    for (const ch of ann.maps) {
      // Regions make runs: look the (combination, label) pair up only when it changes.
      let lastFrom = -1, lastLabel = -1, lastTo = 0;
      for (let p = 0; p < size; p++) {
        const l = ch[p] as number;
        if (l === 0) continue;
        const from = comboOf[p] as number;
        if (from !== lastFrom || l !== lastLabel) {
          let to = next.get(from, l);
          if (to < 0) {
            to = parent.length;
            parent.push(from);
            added.push(l);
            next.set(from, l, to);
          }
          lastFrom = from; lastLabel = l; lastTo = to;
        }
        comboOf[p] = lastTo;
      }
    }
    for (const l of ann.imageLabels) imageLabels.push(l);
  }
  const comboCount = parent.length;
  // Labels of each combination: its parent's, then its own; parents come first (smaller numbers).
  const comboStart = new Int32Array(comboCount + 1);
  const depth = new Int32Array(comboCount);
  for (let c = 1; c < comboCount; c++) depth[c] = (depth[parent[c] as number] as number) + 1;
  for (let c = 0; c < comboCount; c++) comboStart[c + 1] = (comboStart[c] as number) + (depth[c] as number);
  const comboLabels = new Int32Array(comboStart[comboCount] as number);
  for (let c = 1; c < comboCount; c++) {
    const s = comboStart[c] as number;
    const ps = comboStart[parent[c] as number] as number;
    const d = depth[c] as number;
    comboLabels.copyWithin(s, ps, ps + d - 1);
    comboLabels[s + d - 1] = added[c] as number;
  }
  // Truth: pixels per combination, spread over its labels.
  const pixels = new Int32Array(comboCount);
  for (let p = 0; p < size; p++) pixels[comboOf[p] as number] = (pixels[comboOf[p] as number] as number) + 1;
  const annotated = new Uint8Array(tables.categoryCount);
  for (let c = 1; c < comboCount; c++) {
    const k = pixels[c] as number;
    if (k === 0) continue; // an intermediate combination every pixel moved on from
    for (let j = comboStart[c] as number; j < (comboStart[c + 1] as number); j++) {
      const l = comboLabels[j] as number;
      truth[l] = (truth[l] as number) + k;
      annotated[tables.primary[l] as number] = 1;
    }
  }
  for (const l of imageLabels) {
    truth[l] = (truth[l] as number) + size;
    annotated[tables.primary[l] as number] = 1;
  }
  const cats: number[] = [];
  for (let k = 0; k < annotated.length; k++) if (annotated[k]) cats.push(k);
  return { sh, sw, comboOf, comboCount, comboStart, comboLabels, imageLabels, annotated: cats };
}

/**
 * (combination, label) → combination, open addressing in typed arrays: looked up at every region
 * boundary of every channel, where a Map cost more than the rest of the preparation. Reused
 * across images (cleared by generation, not by filling).
 */
class ComboTable {
  private from = new Int32Array(1024);
  private label = new Int32Array(1024);
  private value = new Int32Array(1024);
  private gen = new Int32Array(1024);
  private generation = 0;
  private size = 0;

  clear(): void {
    this.size = 0;
    if (++this.generation === 0x7fffffff) {
      this.generation = 1;
      this.gen.fill(0);
    }
  }

  private slot(from: number, label: number): number {
    const mask = this.gen.length - 1;
    let i = (Math.imul(from, 0x9e3779b1) ^ Math.imul(label, 0x85ebca6b)) & mask;
    while (this.gen[i] === this.generation && (this.from[i] !== from || this.label[i] !== label)) i = (i + 1) & mask;
    return i;
  }

  /** The combination, or −1. */
  get(from: number, label: number): number {
    const i = this.slot(from, label);
    return this.gen[i] === this.generation ? (this.value[i] as number) : -1;
  }

  set(from: number, label: number, value: number): void {
    if (2 * (this.size + 1) > this.gen.length) this.grow();
    const i = this.slot(from, label);
    this.gen[i] = this.generation;
    this.from[i] = from;
    this.label[i] = label;
    this.value[i] = value;
    this.size++;
  }

  private grow(): void {
    const { from, label, value, gen, generation } = this;
    const cap = gen.length * 2;
    this.from = new Int32Array(cap);
    this.label = new Int32Array(cap);
    this.value = new Int32Array(cap);
    this.gen = new Int32Array(cap);
    this.generation = 1;
    this.size = 0;
    for (let i = 0; i < gen.length; i++) if (gen[i] === generation) this.set(from[i] as number, label[i] as number, value[i] as number);
  }
}

const COMBO_TABLE = new ComboTable();

/** Counts of one layer. */
export class LayerCounts {
  readonly intersection: Float64Array; // units × labelCount
  readonly activation: Float64Array; // units × categoryCount
  private readonly touchedCats: Uint8Array;
  private readonly masker = new TileMasker();
  private hist = new Int32Array(0);
  private touched = new Int32Array(0);
  private plan: TilePlan | null = null;

  /**
   * The last argument (the largest label map, in pixels) is no longer needed: the kernel's
   * buffers grow with the maps and labels it sees. It stays optional for existing callers.
   */
  constructor(readonly units: number, readonly h: number, readonly w: number, readonly tables: LabelTables, readonly semantics: Semantics, _maxLabelPixels?: number) {
    this.intersection = new Float64Array(units * tables.labelCount);
    this.activation = new Float64Array(units * tables.categoryCount);
    this.touchedCats = new Uint8Array(tables.categoryCount);
  }

  /**
   * Count unit u's mask on one image: the map (h×w at `offset`) upsampled to the label
   * resolution and compared with `threshold32` (strict >). The caller may skip maps whose
   * maximum is ≤ threshold32 (their mask is empty).
   */
  add(u: number, map: Float32Array, offset: number, threshold32: number, labels: PreparedLabels): void {
    let plan = this.plan;
    if (!plan || plan.plan.outH !== labels.sh || plan.plan.outW !== labels.sw) {
      plan = this.plan = tilePlan(this.h, this.w, labels.sh, labels.sw);
    }
    if (this.hist.length < labels.comboCount) {
      this.hist = new Int32Array(labels.comboCount * 2);
      this.touched = new Int32Array(labels.comboCount * 2);
    }
    const hist = this.hist, touched = this.touched;
    const n = this.masker.count(plan, map, offset, threshold32, labels.comboOf, hist, touched);
    if (n === 0) return;
    const nt = this.masker.touchedCount;
    const L = this.tables.labelCount;
    const K = this.tables.categoryCount;
    const inter = this.intersection;
    const primary = this.tables.primary;
    const iBase = u * L;
    const lite = this.semantics === 'lite';
    const touchedCats = this.touchedCats;
    if (lite) touchedCats.fill(0);
    const start = labels.comboStart, comboLabels = labels.comboLabels;
    for (let t = 0; t < nt; t++) {
      const c = touched[t] as number;
      const k = hist[c] as number;
      hist[c] = 0;
      for (let j = start[c] as number; j < (start[c + 1] as number); j++) {
        const l = comboLabels[j] as number;
        inter[iBase + l] = (inter[iBase + l] as number) + k;
        if (lite) touchedCats[primary[l] as number] = 1;
      }
    }
    for (const l of labels.imageLabels) {
      inter[iBase + l] = (inter[iBase + l] as number) + n;
      if (lite) touchedCats[primary[l] as number] = 1;
    }
    const act = this.activation;
    const aBase = u * K;
    if (lite) {
      for (let k = 0; k < K; k++) if (touchedCats[k]) act[aBase + k] = (act[aBase + k] as number) + n;
    } else {
      for (const k of labels.annotated) act[aBase + k] = (act[aBase + k] as number) + n;
    }
  }
}
