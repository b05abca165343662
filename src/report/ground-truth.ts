// Ground-truth outlines for the unit detail: the edge of the pixels of an image labelled with
// the unit's best concept, read through the dataset the run used (reopened from the dataset spec
// run.json records). When the dataset cannot be reopened or differs from the run, the report
// goes on without them and says why.
import { nearestIndices } from '../dataset/nearest.js';
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import type { LayerResults } from '../run/results-types.js';
import type { RunManifest } from '../run/run-types.js';
import { reopenDataset } from '../run/reopen-dataset.js';
import type { TileSize } from './composite.js';

export interface GroundTruth {
  /**
   * The outline at tile size `size` of each wanted label's mask in each image (`needs`: image →
   * labels), keyed by outlineKey(image, label): tile pixel indices, ascending. Each image's labels
   * are decoded once, whatever the number of units showing it.
   */
  outlines(needs: ReadonlyMap<number, ReadonlySet<number>>, size: TileSize): Promise<Map<number, Int32Array>>;
}

/** Key of the outline of `label` in `image`. */
export function outlineKey(image: number, label: number): number {
  return image * 65536 + label;
}

/**
 * Reopen the run's dataset. For folder formats (Broden, ADE20K) `datasetRoot`, the root the
 * report found the photos in, replaces the recorded --dataset (which may be relative to another
 * folder, or moved). Resolves with null and the reason when the dataset cannot be used.
 */
export async function openGroundTruth(
  manifest: RunManifest,
  results: readonly LayerResults[],
  datasetRoot: string | undefined,
): Promise<{ truth: GroundTruth | null; note: string }> {
  let ds: ConceptDataset;
  try {
    ds = await reopenDataset(manifest, datasetRoot);
  } catch (err) {
    return { truth: null, note: `the dataset could not be reopened from run.json (${(err as Error).message})` };
  }
  for (const r of results) {
    for (const u of r.units) {
      for (const t of u.topImages) {
        if (ds.images[t.image]?.file !== r.dataset.imageFiles[t.image]) {
          return { truth: null, note: `the dataset at ${ds.root} differs from the run's (image ${t.image} is ${JSON.stringify(ds.images[t.image]?.file ?? null)}, the run has ${JSON.stringify(r.dataset.imageFiles[t.image])})` };
        }
      }
    }
  }
  return { truth: new DatasetTruth(ds), note: `read from the ${ds.format} dataset at ${ds.root}` };
}

/** Label masks and outlines from a dataset (its images' labels read once each, in order). */
class DatasetTruth implements GroundTruth {
  constructor(private readonly ds: ConceptDataset) {}

  async outlines(needs: ReadonlyMap<number, ReadonlySet<number>>, size: TileSize): Promise<Map<number, Int32Array>> {
    const out = new Map<number, Int32Array>();
    const scratch = new OutlineScratch(size);
    for (const image of [...needs.keys()].sort((a, b) => a - b)) {
      const rec = this.ds.images[image];
      const wanted = [...(needs.get(image) ?? [])].filter((l) => l > 0);
      if (!rec || rec.sh <= 0 || rec.sw <= 0 || wanted.length === 0) continue;
      const masks = labelMasks(await this.ds.readLabels(image), wanted, rec.sh * rec.sw);
      wanted.forEach((label, i) => {
        const m = masks[i];
        // An image-level label covers the whole image: a mask without an edge.
        out.set(outlineKey(image, label), m === 'full' ? new Int32Array(0) : outlineAt(m as Uint8Array, rec.sh, rec.sw, size, scratch));
      });
    }
    return out;
  }
}

/**
 * Masks (1 = labelled) of the `wanted` labels over all channels of all categories, in one pass
 * over the label maps, or 'full' for a label the image has as an image-level label: the same
 * truth the IoU counts (DESIGN.md §5.3).
 */
export function labelMasks(labels: ImageLabels, wanted: readonly number[], pixels: number): (Uint8Array | 'full')[] {
  const masks: (Uint8Array | 'full')[] = wanted.map(() => new Uint8Array(pixels));
  const imageLevel = new Set<number>();
  for (const a of labels.byCategory.values()) for (const l of a.imageLabels) imageLevel.add(l);
  const slot = new Map<number, Uint8Array>();
  wanted.forEach((l, i) => {
    if (imageLevel.has(l)) masks[i] = 'full';
    else slot.set(l, masks[i] as Uint8Array);
  });
  if (slot.size === 0) return masks;
  // A label-indexed lookup beats a Map per pixel; only wanted labels get a non-zero entry.
  const which = new Uint8Array(65536);
  const targets: Uint8Array[] = [new Uint8Array(0)];
  for (const [l, m] of slot) {
    which[l] = targets.length;
    targets.push(m);
  }
  for (const a of labels.byCategory.values()) {
    for (const map of a.maps) {
      const n = Math.min(map.length, pixels);
      for (let i = 0; i < n; i++) {
        const t = which[map[i] as number] as number;
        if (t !== 0) (targets[t] as Uint8Array)[i] = 1;
      }
    }
  }
  return masks;
}

/** Reusable tile-size buffers of outlineAt (all zero between calls). */
export class OutlineScratch {
  readonly mask: Uint8Array;
  readonly edge: Uint8Array;
  readonly list: Int32Array;
  constructor(readonly size: TileSize) {
    this.mask = new Uint8Array(size.w * size.h);
    this.edge = new Uint8Array(size.w * size.h);
    this.list = new Int32Array(size.w * size.h);
  }
}

/** First and last output index reading each input index (nearest indices upsampling: every
 *  input is read, by a contiguous run of outputs). */
function runs(indices: Int32Array, inSize: number): [Int32Array, Int32Array] {
  const first = new Int32Array(inSize).fill(-1);
  const last = new Int32Array(inSize);
  for (let o = 0; o < indices.length; o++) {
    const i = indices[o] as number;
    if ((first[i] as number) < 0) first[i] = o;
    last[i] = o;
  }
  return [first, last];
}

/**
 * outlineAt when the tile is at least the label size on both axes: each label cell becomes a
 * block of tile pixels, so the pairs across the mask edge are the facing borders of adjacent
 * cells that differ, found at label resolution.
 */
function outlineUpsampled(
  src: Uint8Array, h: number, w: number, size: TileSize, rows: Int32Array, cols: Int32Array,
  box: readonly [number, number, number, number], scratch: OutlineScratch,
): Int32Array {
  const [rLo, rHi, cLo, cHi] = box;
  const tw = size.w;
  const [ys, ye] = runs(rows, h);
  const [xs, xe] = runs(cols, w);
  const { edge, list } = scratch;
  let count = 0;
  const mark = (p: number): void => {
    if (edge[p] === 0) {
      edge[p] = 1;
      list[count++] = p;
    }
  };
  for (let r = Math.max(rLo - 1, 0); r <= rHi; r++) {
    const base = r * w;
    for (let c = Math.max(cLo - 1, 0); c <= cHi; c++) {
      const v = src[base + c];
      if (c + 1 < w && v !== src[base + c + 1]) {
        const a = xe[c] as number;
        const b = xs[c + 1] as number;
        for (let y = ys[r] as number; y <= (ye[r] as number); y++) {
          mark(y * tw + a);
          mark(y * tw + b);
        }
      }
      if (r + 1 < h && v !== src[base + w + c]) {
        const a = (ye[r] as number) * tw;
        const b = (ys[r + 1] as number) * tw;
        for (let x = xs[c] as number; x <= (xe[c] as number); x++) {
          mark(a + x);
          mark(b + x);
        }
      }
    }
  }
  const out = list.slice(0, count).sort();
  for (let i = 0; i < count; i++) edge[out[i] as number] = 0;
  return out;
}

/**
 * The outline of an h×w mask resized to `size` by nearest neighbour (the dataset's own label
 * convention, nearestIndices): the tile pixels of every horizontally or vertically adjacent
 * pair that straddles the mask edge, ascending. Only the box of tile pixels reading a labelled
 * cell, widened by one, is visited.
 */
export function outlineAt(src: Uint8Array, h: number, w: number, size: TileSize, scratch: OutlineScratch = new OutlineScratch(size)): Int32Array {
  // Rows holding labelled cells (native scans); columns: the whole width.
  const first = src.indexOf(1);
  const rLo = first < 0 ? h : Math.floor(first / w);
  const rHi = first < 0 ? -1 : Math.floor(src.lastIndexOf(1) / w);
  const cLo = 0;
  const cHi = w - 1;
  if (rHi < 0) return new Int32Array(0);
  const tw = size.w;
  const th = size.h;
  const rows = nearestIndices(h, th);
  const cols = nearestIndices(w, tw);
  if (th >= h && tw >= w) return outlineUpsampled(src, h, w, size, rows, cols, [rLo, rHi, cLo, cHi], scratch);
  // Tile rows/columns reading the box (contiguous: the indices are monotone), widened by one.
  let y0 = 0;
  while (y0 < th && (rows[y0] as number) < rLo) y0++;
  let y1 = th - 1;
  while (y1 >= 0 && (rows[y1] as number) > rHi) y1--;
  let x0 = 0;
  while (x0 < tw && (cols[x0] as number) < cLo) x0++;
  let x1 = tw - 1;
  while (x1 >= 0 && (cols[x1] as number) > cHi) x1--;
  if (y0 > y1 || x0 > x1) return new Int32Array(0); // every labelled cell skipped by the resize
  const { mask, edge } = scratch;
  for (let y = y0; y <= y1; y++) {
    const row = (rows[y] as number) * w;
    const base = y * tw;
    for (let x = x0; x <= x1; x++) mask[base + x] = src[row + (cols[x] as number)] as number;
  }
  const ya = Math.max(y0 - 1, 0);
  const yb = Math.min(y1 + 1, th - 1);
  const xa = Math.max(x0 - 1, 0);
  const xb = Math.min(x1 + 1, tw - 1);
  let count = 0;
  const mark = (p: number): void => {
    if (edge[p] === 0) {
      edge[p] = 1;
      count++;
    }
  };
  for (let y = ya; y <= yb; y++) {
    const base = y * tw;
    for (let x = xa; x <= xb; x++) {
      const p = base + x;
      const v = mask[p];
      if (x < xb && v !== mask[p + 1]) {
        mark(p);
        mark(p + 1);
      }
      if (y < yb && v !== mask[p + tw]) {
        mark(p);
        mark(p + tw);
      }
    }
  }
  const out = new Int32Array(count);
  let n = 0;
  for (let y = ya; y <= yb; y++) {
    const base = y * tw;
    for (let x = xa; x <= xb; x++) {
      const p = base + x;
      if (edge[p] === 1) {
        out[n++] = p;
        edge[p] = 0;
      }
      mask[p] = 0;
    }
  }
  return out;
}
