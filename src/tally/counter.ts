// Pass 2 counting (DESIGN.md 5.3): per unit and label the intersection I, per unit and category
// the activation A, per label the truth G; integer counts summed over the dataset. Counting is
// sparse: work scales with the active pixels of each mask, not units × concepts × pixels.
import { maskAbove, MaskScratch, upsamplePlan } from './upsample.js';

export type { Semantics } from '../run/results-types.js';
import type { Semantics } from '../run/results-types.js';

/** One image's labels flattened for counting. */
export interface PreparedLabels {
  readonly sh: number;
  readonly sw: number;
  /** Every pixel channel of every category (label numbers, 0 = none). */
  readonly channels: readonly Uint16Array[];
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

/** Flatten an image's labels and add its truth counts to `truth` (G). */
export function prepareLabels(
  byCategory: ReadonlyMap<string, { maps: readonly Uint16Array[]; imageLabels: readonly number[] }>,
  sh: number, sw: number, tables: LabelTables, truth: Float64Array,
): PreparedLabels {
  const channels: Uint16Array[] = [];
  const imageLabels: number[] = [];
  const annotated = new Uint8Array(tables.categoryCount);
  const size = sh * sw;
  for (const ann of byCategory.values()) {
    for (const ch of ann.maps) {
      channels.push(ch);
      for (let i = 0; i < size; i++) {
        const l = ch[i] as number;
        if (l !== 0) {
          truth[l] = (truth[l] as number) + 1;
          annotated[tables.primary[l] as number] = 1;
        }
      }
    }
    for (const l of ann.imageLabels) {
      imageLabels.push(l);
      truth[l] = (truth[l] as number) + size;
      annotated[tables.primary[l] as number] = 1;
    }
  }
  const cats: number[] = [];
  for (let k = 0; k < annotated.length; k++) if (annotated[k]) cats.push(k);
  return { sh, sw, channels, imageLabels, annotated: cats };
}

/** Counts of one layer. */
export class LayerCounts {
  readonly intersection: Float64Array; // units × labelCount
  readonly activation: Float64Array; // units × categoryCount
  private readonly active: Int32Array;
  private readonly touched: Uint8Array;
  private readonly scratch = new MaskScratch();

  constructor(readonly units: number, readonly h: number, readonly w: number, readonly tables: LabelTables, readonly semantics: Semantics, maxLabelPixels: number) {
    this.intersection = new Float64Array(units * tables.labelCount);
    this.activation = new Float64Array(units * tables.categoryCount);
    this.active = new Int32Array(maxLabelPixels);
    this.touched = new Uint8Array(tables.categoryCount);
  }

  /**
   * Count unit u's mask on one image: the map (h×w at `offset`) upsampled to the label
   * resolution and compared with `threshold32` (strict >). The caller skips maps whose maximum
   * is ≤ threshold32.
   */
  add(u: number, map: Float32Array, offset: number, threshold32: number, labels: PreparedLabels): void {
    const plan = upsamplePlan(this.h, this.w, labels.sh, labels.sw);
    const active = this.active;
    const n = maskAbove(plan, map, offset, threshold32, active, this.scratch);
    if (n === 0) return;
    const L = this.tables.labelCount;
    const K = this.tables.categoryCount;
    const inter = this.intersection;
    const primary = this.tables.primary;
    const iBase = u * L;
    const lite = this.semantics === 'lite';
    const touched = this.touched;
    if (lite) touched.fill(0);
    for (const ch of labels.channels) {
      for (let j = 0; j < n; j++) {
        const l = ch[active[j] as number] as number;
        if (l !== 0) {
          inter[iBase + l] = (inter[iBase + l] as number) + 1;
          if (lite) touched[primary[l] as number] = 1;
        }
      }
    }
    for (const l of labels.imageLabels) {
      inter[iBase + l] = (inter[iBase + l] as number) + n;
      if (lite) touched[primary[l] as number] = 1;
    }
    const act = this.activation;
    const aBase = u * K;
    if (lite) {
      for (let k = 0; k < K; k++) if (touched[k]) act[aBase + k] = (act[aBase + k] as number) + n;
    } else {
      for (const k of labels.annotated) act[aBase + k] = (act[aBase + k] as number) + n;
    }
  }
}
