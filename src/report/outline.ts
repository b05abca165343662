// Outlines of label masks resized to a tile by nearest neighbour: pure typed-array work shared by
// the report writer (strips drawn in Node) and the viewer (tiles drawn in the browser).
import { nearestIndices } from '../dataset/nearest.js';
import type { TileSize } from './composite.js';

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
