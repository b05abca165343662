// Compositing of one unit's two strips from its photos' tiles and activation maps: pure
// computation on typed arrays, sparse where it can be. A unit's mask covers a small part of a
// tile, so the mask is computed only in the box of outputs a hot map cell reaches (maskAbove,
// the dissection's own Pillow-exact kernel), the dimmed tile is precomputed once per photo, and
// outlines are painted from the list of mask pixels, never by scanning whole tiles.
import { MaskScratch, maskAbove, upsamplePlan, type UpsamplePlan } from '../tally/upsample.js';

/** out[v] = round(v * dim) for every byte value: the dimming of one channel, by table lookup. */
export function dimTable(dim: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) t[v] = Math.round(v * dim);
  return t;
}

/** Brightness NetDissect keeps outside the mask in its strips (`--dim 0.2`). */
export const DIM = 0.2;
/** Brightness the report keeps outside the mask by default: NetDissect's 20 % leaves street
 *  scenes and other dark photos nearly black; at 50 % the context stays readable. */
export const DEFAULT_DIM = 0.5;
/** Colour of the mask outline in the large strips. */
export const OUTLINE: readonly [number, number, number] = [255, 208, 0];
/** Colour of the ground-truth outline of the unit's concept in the large strips. */
export const TRUTH_OUTLINE: readonly [number, number, number] = [0, 225, 255];

export interface TileSize {
  readonly w: number;
  readonly h: number;
}

/** One photo's tiles as interleaved RGB: small, small with every pixel dimmed, large. */
export interface TileSet {
  readonly small: Uint8Array;
  readonly smallDimmed: Uint8Array;
  readonly large: Uint8Array;
}

/** Everything needed to composite one unit. */
export interface CompositeJob {
  readonly h: number; // activation map size
  readonly w: number;
  readonly threshold: number;
  /** The maps of the shown images, h*w each, in strip order. */
  readonly maps: readonly Float32Array[];
  /** Tiles of the same images. */
  readonly tiles: readonly TileSet[];
  readonly small: TileSize;
  readonly large: TileSize;
  /** Outline of the unit's concept's ground truth per image, as large-tile pixel indices
   *  (ground-truth.ts outlineAt), when the dataset is available. */
  readonly truths?: readonly (Int32Array | undefined)[];
  /** Outputs: strips of maps.length tiles (at least n*w*h*3 bytes each). */
  readonly smallOut: Uint8Array;
  readonly largeOut: Uint8Array;
}

/** All-zero mask of one tile size with the list of pixels set in it (cleared after each use). */
class SparseMask {
  readonly bytes: Uint8Array;
  readonly active: Int32Array;
  count = 0;
  constructor(readonly size: TileSize) {
    this.bytes = new Uint8Array(size.w * size.h);
    this.active = new Int32Array(size.w * size.h);
  }
  /** Mark the first `count` entries of `active` as set. */
  mark(count: number): void {
    this.count = count;
    const { bytes, active } = this;
    for (let i = 0; i < count; i++) bytes[active[i] as number] = 1;
  }
  clear(): void {
    const { bytes, active } = this;
    for (let i = 0; i < this.count; i++) bytes[active[i] as number] = 0;
    this.count = 0;
  }
}

/** Upsampling plans, scratch masks and resizing tables, kept per size across jobs. */
export class Compositor {
  private readonly plans = new Map<string, UpsamplePlan>();
  private readonly masks = new Map<string, SparseMask>();
  private readonly scratch = new MaskScratch();

  private plan(h: number, w: number, size: TileSize): UpsamplePlan {
    const key = `${h}x${w}>${size.h}x${size.w}`;
    let p = this.plans.get(key);
    if (!p) this.plans.set(key, (p = upsamplePlan(h, w, size.h, size.w)));
    return p;
  }

  private mask(size: TileSize): SparseMask {
    const key = `${size.h}x${size.w}`;
    let m = this.masks.get(key);
    if (!m) this.masks.set(key, (m = new SparseMask(size)));
    return m;
  }

  /** Fill job.smallOut (pixels outside the mask dimmed) and job.largeOut (mask outlined). */
  composite(job: CompositeJob): void {
    const { small, large, maps } = job;
    const sPlan = this.plan(job.h, job.w, small);
    const lPlan = this.plan(job.h, job.w, large);
    const sMask = this.mask(small);
    const lMask = this.mask(large);
    const threshold = job.threshold; // compared as the dissection does: float32 values > it
    const n = maps.length;
    for (let k = 0; k < n; k++) {
      const map = maps[k] as Float32Array;
      const tile = job.tiles[k] as TileSet;
      const sCount = maskAbove(sPlan, map, 0, threshold, sMask.active, this.scratch);
      copyTile(rowsOf(tile.smallDimmed, small), job.smallOut, n * small.w, k * small.w);
      copyPixels(tile.small, sMask.active, sCount, small.w, job.smallOut, n * small.w, k * small.w);
      copyTile(rowsOf(tile.large, large), job.largeOut, n * large.w, k * large.w);
      const truth = job.truths?.[k];
      if (truth) paintPixels(truth, truth.length, large.w, job.largeOut, n * large.w, k * large.w, TRUTH_OUTLINE);
      lMask.mark(maskAbove(lPlan, map, 0, threshold, lMask.active, this.scratch));
      paintOutline(lMask, job.largeOut, n * large.w, k * large.w, OUTLINE);
      lMask.clear();
    }
  }
}

/** Copy an RGB tile (tw×th) into a strip (stride `stripW` pixels) at column `left`. */
function copyTile(rows: readonly Uint8Array[], strip: Uint8Array, stripW: number, left: number): void {
  const stride = stripW * 3;
  let d = left * 3;
  for (let y = 0; y < rows.length; y++, d += stride) strip.set(rows[y] as Uint8Array, d);
}

/** Views of a tile's rows, made once per tile: a view per row per unit would cost more than the copy. */
const rowViews = new WeakMap<Uint8Array, Uint8Array[]>();
function rowsOf(tile: Uint8Array, size: TileSize): Uint8Array[] {
  let rows = rowViews.get(tile);
  if (!rows) {
    const bytes = size.w * 3;
    rows = Array.from({ length: Math.min(size.h, Math.floor(tile.length / bytes)) }, (_, y) => tile.subarray(y * bytes, (y + 1) * bytes));
    rowViews.set(tile, rows);
  }
  return rows;
}

/** Copy the listed pixels (ascending) of a tile (width tw) into the tile at column `left` of the strip. */
function copyPixels(tile: Uint8Array, active: Int32Array, count: number, tw: number, strip: Uint8Array, stripW: number, left: number): void {
  let rowStart = 0; // the list is ascending: rows advance without a division per pixel
  let rowOut = left * 3;
  for (let i = 0; i < count; i++) {
    const p = active[i] as number;
    while (p >= rowStart + tw) {
      rowStart += tw;
      rowOut += stripW * 3;
    }
    const s = p * 3;
    const d = rowOut + (p - rowStart) * 3;
    strip[d] = tile[s] as number;
    strip[d + 1] = tile[s + 1] as number;
    strip[d + 2] = tile[s + 2] as number;
  }
}

/** Paint the listed pixels of a tile (width tw) at column `left` of the strip in `rgb`. */
function paintPixels(pixels: Int32Array, count: number, tw: number, strip: Uint8Array, stripW: number, left: number, rgb: readonly [number, number, number]): void {
  const [r, g, b] = rgb;
  for (let i = 0; i < count; i++) {
    const p = pixels[i] as number;
    const y = (p / tw) | 0;
    const d = (y * stripW + left + (p - y * tw)) * 3;
    strip[d] = r;
    strip[d + 1] = g;
    strip[d + 2] = b;
  }
}

/**
 * Paint the outline of a mask in `rgb` over the tile at column `left` of the strip: both pixels
 * of every horizontally or vertically adjacent pair that straddles the mask edge (a 2-pixel line
 * that stays visible when the browser scales the image down). Every such pair holds exactly one
 * mask pixel, so visiting the mask pixels' 4 neighbours finds them all.
 */
function paintOutline(mask: SparseMask, strip: Uint8Array, stripW: number, left: number, rgb: readonly [number, number, number]): void {
  const { bytes, active, count } = mask;
  const tw = mask.size.w;
  const th = mask.size.h;
  const [r, g, b] = rgb;
  const stride = stripW * 3;
  const paint = (d: number): void => {
    strip[d] = r;
    strip[d + 1] = g;
    strip[d + 2] = b;
  };
  let y = 0; // the list is ascending: rows advance without a division per pixel
  let rowStart = 0;
  let rowOut = left * 3;
  for (let i = 0; i < count; i++) {
    const p = active[i] as number;
    while (p >= rowStart + tw) {
      y++;
      rowStart += tw;
      rowOut += stride;
    }
    const x = p - rowStart;
    const d = rowOut + x * 3;
    let edge = false;
    if (x > 0 && bytes[p - 1] === 0) {
      paint(d - 3);
      edge = true;
    }
    if (x + 1 < tw && bytes[p + 1] === 0) {
      paint(d + 3);
      edge = true;
    }
    if (y > 0 && bytes[p - tw] === 0) {
      paint(d - stride);
      edge = true;
    }
    if (y + 1 < th && bytes[p + tw] === 0) {
      paint(d + stride);
      edge = true;
    }
    if (edge) paint(d);
  }
}
