// A unit's mask at display size, and the two ways the report draws it on a photo tile.
// Same convention as the dissection (DESIGN.md §5): bilinear upsampling with half-pixel centres
// and clamped edges (PyTorch align_corners=False), then the strict test value > threshold.

/** Precomputed taps for upsampling h×w maps to outH×outW; reuse one per tile size. */
export class MaskUpsampler {
  private readonly x0: Int32Array;
  private readonly x1: Int32Array;
  private readonly fx: Float64Array;
  private readonly y0: Int32Array;
  private readonly y1: Int32Array;
  private readonly fy: Float64Array;
  /** Horizontal pass result, h rows of outW values (float32 like the dissection). */
  private readonly rows: Float32Array;

  constructor(
    readonly h: number,
    readonly w: number,
    readonly outH: number,
    readonly outW: number,
  ) {
    [this.x0, this.x1, this.fx] = taps(w, outW);
    [this.y0, this.y1, this.fy] = taps(h, outH);
    this.rows = new Float32Array(h * outW);
  }

  /**
   * Write 1 into `out` (outH*outW, row-major) where up(map) > threshold, else 0. The
   * horizontal pass runs first and rounds to float32, then the vertical pass, rounded likewise.
   */
  mask(map: ArrayLike<number>, threshold: number, out: Uint8Array): void {
    const { h, w, outH, outW, x0, x1, fx, y0, y1, fy, rows } = this;
    for (let y = 0; y < h; y++) {
      const src = y * w;
      const dst = y * outW;
      for (let x = 0; x < outW; x++) {
        const f = fx[x] as number;
        rows[dst + x] = (map[src + (x0[x] as number)] as number) * (1 - f) + (map[src + (x1[x] as number)] as number) * f;
      }
    }
    for (let y = 0; y < outH; y++) {
      const r0 = (y0[y] as number) * outW;
      const r1 = (y1[y] as number) * outW;
      const f = fy[y] as number;
      const g = 1 - f;
      const dst = y * outW;
      for (let x = 0; x < outW; x++) {
        out[dst + x] = Math.fround((rows[r0 + x] as number) * g + (rows[r1 + x] as number) * f) > threshold ? 1 : 0;
      }
    }
  }
}

/** Per output index: the two source indices and the weight of the second (clamped edges). */
function taps(inSize: number, outSize: number): [Int32Array, Int32Array, Float64Array] {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const c = Math.max((o + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(c), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    f[o] = lo + 1 < inSize ? c - lo : 0;
  }
  return [i0, i1, f];
}

/** out[v] = round(v * dim) for every byte value: the dimming of one channel, by table lookup. */
export function dimTable(dim: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) t[v] = Math.round(v * dim);
  return t;
}

/**
 * Copy an RGB tile (tw×th) into a strip (stride `stripW` pixels) at column `left`, mapping the
 * pixels outside the mask through `dimmed` (dimTable(0.2): the NetDissect look, the concept
 * region stands out).
 */
export function blitDimmed(tile: Uint8Array, mask: Uint8Array, tw: number, th: number, strip: Uint8Array, stripW: number, left: number, dimmed: Uint8Array): void {
  for (let y = 0; y < th; y++) {
    let s = y * tw * 3;
    let d = (y * stripW + left) * 3;
    let m = y * tw;
    for (let x = 0; x < tw; x++, s += 3, d += 3, m++) {
      if (mask[m] === 1) {
        strip[d] = tile[s] as number;
        strip[d + 1] = tile[s + 1] as number;
        strip[d + 2] = tile[s + 2] as number;
      } else {
        strip[d] = dimmed[tile[s] as number] as number;
        strip[d + 1] = dimmed[tile[s + 1] as number] as number;
        strip[d + 2] = dimmed[tile[s + 2] as number] as number;
      }
    }
  }
}

/** Copy an RGB tile (tw×th) into a strip (stride `stripW` pixels) at column `left`. */
export function copyTile(tile: Uint8Array, tw: number, th: number, strip: Uint8Array, stripW: number, left: number): void {
  const rowBytes = tw * 3;
  for (let y = 0; y < th; y++) strip.set(tile.subarray(y * rowBytes, (y + 1) * rowBytes), (y * stripW + left) * 3);
}

/**
 * Paint the outline of `mask` (tw×th) in `rgb` over the tile at column `left` of the strip:
 * both pixels of every horizontally or vertically adjacent pair that straddles the mask edge
 * (a 2-pixel line that stays visible when the browser scales the image down).
 */
export function paintEdges(mask: Uint8Array, tw: number, th: number, strip: Uint8Array, stripW: number, left: number, rgb: readonly [number, number, number]): void {
  // Masks are mostly uniform: compare 4 mask bytes at once where the layout allows it.
  const words = tw % 4 === 0 && mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, (tw * th) >> 2) : null;
  const quarter = tw >> 2;
  for (let y = 0; y < th; y++) {
    const row = y * tw;
    const next = y + 1 < th;
    if (words) {
      const w0 = y * quarter;
      for (let j = 0; j < quarter; j++) {
        const v = words[w0 + j] as number;
        const m = row + 4 * j;
        if (v !== 0 && v !== 0x01010101) for (let b = m; b < m + 3; b++) if (mask[b] !== mask[b + 1]) paintPair(strip, stripW, left, tw, b, b + 1, rgb);
        if (j + 1 < quarter && mask[m + 3] !== mask[m + 4]) paintPair(strip, stripW, left, tw, m + 3, m + 4, rgb);
        if (next && v !== words[w0 + quarter + j]) for (let b = m; b < m + 4; b++) if (mask[b] !== mask[b + tw]) paintPair(strip, stripW, left, tw, b, b + tw, rgb);
      }
    } else {
      for (let m = row; m < row + tw - 1; m++) if (mask[m] !== mask[m + 1]) paintPair(strip, stripW, left, tw, m, m + 1, rgb);
      if (next) for (let m = row; m < row + tw; m++) if (mask[m] !== mask[m + tw]) paintPair(strip, stripW, left, tw, m, m + tw, rgb);
    }
  }
}

/** Copy a tile into a strip and outline `mask` on it (copyTile, then paintEdges). */
export function blitOutlined(tile: Uint8Array, mask: Uint8Array, tw: number, th: number, strip: Uint8Array, stripW: number, left: number, rgb: readonly [number, number, number]): void {
  copyTile(tile, tw, th, strip, stripW, left);
  paintEdges(mask, tw, th, strip, stripW, left, rgb);
}

/** Paint mask pixels `a` and `b` of a tile (width tw) placed at column `left` of the strip. */
function paintPair(strip: Uint8Array, stripW: number, left: number, tw: number, a: number, b: number, rgb: readonly [number, number, number]): void {
  const da = (Math.floor(a / tw) * stripW + left + (a % tw)) * 3;
  const db = (Math.floor(b / tw) * stripW + left + (b % tw)) * 3;
  strip[da] = strip[db] = rgb[0];
  strip[da + 1] = strip[db + 1] = rgb[1];
  strip[da + 2] = strip[db + 2] = rgb[2];
}
