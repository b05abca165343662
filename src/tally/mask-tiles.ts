// The counting kernel of pass 2: threshold one upsampled map and histogram the label
// combinations under its mask, touching only the tiles of the output that a hot map cell reaches.
//
// The output is cut into tiles: along each axis, a run of consecutive outputs that read the same
// input taps (for 7→112 upsampling: 16 outputs between two input centres, 8 at the clamped
// edges). Every value of a tile is a convex combination of the tile's taps (weights ≥ 0, summing
// to 1 up to rounding), computed as upsampleBilinear computes it (horizontal pass rounded to
// float32, then vertical, rounded to float32). Rounding to float32 is monotone and the double
// error is far below half a float32 step, so each computed value lies between the smallest and
// the largest tap as float32 numbers. Hence, with T the float32 threshold:
//   - a tile whose taps are all ≤ T has no pixel > T: it is never visited;
//   - a tile whose taps are all > T has every pixel > T: its pixels are counted without
//     computing them;
//   - any other tile is computed exactly (the same expressions and order as upsampleBilinear and
//     maskAbove) and compared with strict >; where its input rows are monotone along the tile,
//     each output row is too, and only the crossing is searched (see the vertical pass).
import type { AxisTaps, UpsamplePlan } from './upsample.js';
import { upsamplePlan } from './upsample.js';

/** Runs of consecutive outputs of one axis that read the same taps. */
export interface AxisRuns {
  readonly count: number;
  readonly outStart: Int32Array;
  /** One past the last output of the run. */
  readonly outEnd: Int32Array;
  /** For input i: the runs runLo[i] .. runHi[i] read it (empty when lo > hi). */
  readonly runLo: Int32Array;
  readonly runHi: Int32Array;
}

export function axisRuns(t: AxisTaps): AxisRuns {
  const starts: number[] = [];
  for (let o = 0; o < t.outSize; o++) {
    if (o === 0 || t.start[o] !== t.start[o - 1] || t.count[o] !== t.count[o - 1]) starts.push(o);
  }
  const count = starts.length;
  const outStart = Int32Array.from(starts);
  const outEnd = new Int32Array(count);
  for (let k = 0; k < count; k++) outEnd[k] = k + 1 < count ? (outStart[k + 1] as number) : t.outSize;
  const runLo = new Int32Array(t.inSize).fill(count);
  const runHi = new Int32Array(t.inSize).fill(-1);
  for (let k = 0; k < count; k++) {
    const o = outStart[k] as number;
    for (let i = t.start[o] as number; i < (t.start[o] as number) + (t.count[o] as number); i++) {
      if (k < (runLo[i] as number)) runLo[i] = k;
      if (k > (runHi[i] as number)) runHi[i] = k;
    }
  }
  return { count, outStart, outEnd, runLo, runHi };
}

export interface TilePlan {
  readonly plan: UpsamplePlan;
  readonly rows: AxisRuns;
  readonly cols: AxisRuns;
}

const tilePlans = new Map<string, TilePlan>();

/** The (cached) tile plan for thresholding inH×inW maps upsampled to outH×outW. */
export function tilePlan(inH: number, inW: number, outH: number, outW: number): TilePlan {
  const key = `${inH}x${inW}>${outH}x${outW}`;
  let tp = tilePlans.get(key);
  if (!tp) {
    const plan = upsamplePlan(inH, inW, outH, outW);
    tp = { plan, rows: axisRuns(plan.rows), cols: axisRuns(plan.cols) };
    tilePlans.set(key, tp);
  }
  return tp;
}

/**
 * Reusable state of the kernel. Marks are stamped with a per-call number instead of cleared, so
 * a call costs what its hot cells and tiles cost, whatever the map size.
 */
export class TileMasker {
  /** After count(): how many distinct combinations the mask touched (listed in `touched`). */
  touchedCount = 0;
  private stamp = 0;
  private hot = new Int32Array(0);
  private tileMark = new Int32Array(0);
  private tiles = new Int32Array(0);
  private hMark = new Int32Array(0);
  private h = new Float32Array(0);

  private prepare(tp: TilePlan): void {
    const { inH, inW, outW } = tp.plan;
    const nTiles = tp.rows.count * tp.cols.count;
    if (this.hot.length < inH * inW) this.hot = new Int32Array(inH * inW);
    if (this.tileMark.length < nTiles) {
      this.tileMark = new Int32Array(nTiles);
      this.tiles = new Int32Array(nTiles);
    }
    if (this.hMark.length < inH * tp.cols.count) this.hMark = new Int32Array(inH * tp.cols.count);
    if (this.h.length < inH * outW) this.h = new Float32Array(inH * outW);
    if (++this.stamp === 0x7fffffff) {
      this.stamp = 1;
      this.hot.fill(0);
      this.tileMark.fill(0);
      this.hMark.fill(0);
    }
  }

  /**
   * For the map input[offset .. offset + inH·inW) upsampled by `tp` and compared with
   * `threshold32` (strict >): adds 1 to hist[comboOf[p]] for every pixel p of the mask, lists
   * each combination it raises from 0 in `touched` (count in touchedCount), and returns the
   * mask's size. `hist` must hold every combination number and be zero where it is not listed;
   * `touched` must hold as many entries as there are combinations.
   */
  count(
    tp: TilePlan, input: Float32Array, offset: number, threshold32: number,
    comboOf: Int32Array, hist: Int32Array, touched: Int32Array,
  ): number {
    this.prepare(tp);
    const stamp = this.stamp;
    const { inH, inW, outW, rows, cols } = tp.plan;
    const rr = tp.rows, cr = tp.cols;
    const nc = cr.count;
    const hot = this.hot, tileMark = this.tileMark, tiles = this.tiles;
    let nTiles = 0;
    for (let r = 0; r < inH; r++) {
      const base = offset + r * inW;
      for (let c = 0; c < inW; c++) {
        if ((input[base + c] as number) > threshold32) {
          hot[r * inW + c] = stamp;
          const kcHi = cr.runHi[c] as number;
          for (let kr = rr.runLo[r] as number; kr <= (rr.runHi[r] as number); kr++) {
            for (let kc = cr.runLo[c] as number; kc <= kcHi; kc++) {
              const t = kr * nc + kc;
              if (tileMark[t] !== stamp) { tileMark[t] = stamp; tiles[nTiles++] = t; }
            }
          }
        }
      }
    }
    let n = 0;
    let nt = 0;
    const h = this.h, hMark = this.hMark;
    const cw = cols.weights, cStride = cols.stride, rw = rows.weights, rStride = rows.stride;
    for (let ti = 0; ti < nTiles; ti++) {
      const t = tiles[ti] as number;
      const kr = (t / nc) | 0;
      const kc = t - kr * nc;
      const y0 = rr.outStart[kr] as number, y1 = rr.outEnd[kr] as number;
      const x0 = cr.outStart[kc] as number, x1 = cr.outEnd[kc] as number;
      const rs = rows.start[y0] as number, rn = rows.count[y0] as number;
      const cs = cols.start[x0] as number, cn = cols.count[x0] as number;
      let all = true;
      for (let r = rs; r < rs + rn && all; r++) for (let c = cs; c < cs + cn; c++) if (hot[r * inW + c] !== stamp) { all = false; break; }
      if (all) {
        for (let y = y0; y < y1; y++) {
          const ob = y * outW;
          for (let x = x0; x < x1; x++) {
            const k = comboOf[ob + x] as number;
            if ((hist[k] as number) === 0) touched[nt++] = k;
            hist[k] = (hist[k] as number) + 1;
          }
        }
        n += (y1 - y0) * (x1 - x0);
        continue;
      }
      // Horizontal pass of the tile's input rows over its columns (once per map, row and column run).
      for (let r = rs; r < rs + rn; r++) {
        const m = r * nc + kc;
        if (hMark[m] === stamp) continue;
        hMark[m] = stamp;
        const inBase = offset + r * inW;
        const hb = r * outW;
        for (let x = x0; x < x1; x++) {
          const wb = x * cStride;
          let ss: number;
          if (cn === 2) ss = 0 + (input[inBase + cs] as number) * (cw[wb] as number) + (input[inBase + cs + 1] as number) * (cw[wb + 1] as number);
          else {
            ss = 0;
            for (let i = 0; i < cn; i++) ss += (input[inBase + cs + i] as number) * (cw[wb + i] as number);
          }
          h[hb + x] = ss;
        }
      }
      if (rn > 2) {
        // Downsampling: every pixel computed.
        for (let y = y0; y < y1; y++) {
          const wb = y * rStride;
          const ob = y * outW;
          for (let x = x0; x < x1; x++) {
            let ss = 0;
            for (let j = 0; j < rn; j++) ss += (h[(rs + j) * outW + x] as number) * (rw[wb + j] as number);
            if (Math.fround(ss) > threshold32) {
              const k = comboOf[ob + x] as number;
              if ((hist[k] as number) === 0) touched[nt++] = k;
              hist[k] = (hist[k] as number) + 1;
              n++;
            }
          }
        }
        continue;
      }
      // One or two input rows. When each of them is monotone along the tile's columns (as
      // computed, float32), so is every output row: v(x) = fround(0 + h0[x]·w0 + h1[x]·w1) with
      // w0, w1 ≥ 0 and every rounding monotone. Its mask is then a suffix (non-decreasing) or a
      // prefix (non-increasing) of the row, found exactly by bisection; otherwise every pixel is
      // computed.
      const h0 = rs * outW;
      const h1 = rn === 2 ? h0 + outW : h0;
      let up = true, down = true;
      for (let x = x0 + 1; x < x1; x++) {
        const d0 = (h[h0 + x] as number) - (h[h0 + x - 1] as number);
        const d1 = (h[h1 + x] as number) - (h[h1 + x - 1] as number);
        if (d0 < 0 || d1 < 0) up = false;
        if (d0 > 0 || d1 > 0) down = false;
      }
      const xl = x1 - 1;
      for (let y = y0; y < y1; y++) {
        const wb = y * rStride;
        const ob = y * outW;
        const w0 = rw[wb] as number;
        const w1 = rn === 2 ? (rw[wb + 1] as number) : 0;
        let from = x0, to = x1; // the pixels of the mask in this row, when monotone
        if (up || down) {
          const first = rowValue(h, h0, h1, x0, w0, w1, rn);
          const last = rowValue(h, h0, h1, xl, w0, w1, rn);
          if (up) {
            if (last <= threshold32) continue;
            if (first <= threshold32) {
              let lo = x0, hi = xl; // v(lo) ≤ T < v(hi)
              while (hi - lo > 1) {
                const mid = (lo + hi) >> 1;
                if (rowValue(h, h0, h1, mid, w0, w1, rn) > threshold32) hi = mid; else lo = mid;
              }
              from = hi;
            }
          } else {
            if (first <= threshold32) continue;
            if (last <= threshold32) {
              let lo = x0, hi = xl; // v(lo) > T ≥ v(hi)
              while (hi - lo > 1) {
                const mid = (lo + hi) >> 1;
                if (rowValue(h, h0, h1, mid, w0, w1, rn) > threshold32) lo = mid; else hi = mid;
              }
              to = hi;
            }
          }
          for (let x = from; x < to; x++) {
            const k = comboOf[ob + x] as number;
            if ((hist[k] as number) === 0) touched[nt++] = k;
            hist[k] = (hist[k] as number) + 1;
          }
          n += to - from;
          continue;
        }
        for (let x = x0; x < x1; x++) {
          if (rowValue(h, h0, h1, x, w0, w1, rn) > threshold32) {
            const k = comboOf[ob + x] as number;
            if ((hist[k] as number) === 0) touched[nt++] = k;
            hist[k] = (hist[k] as number) + 1;
            n++;
          }
        }
      }
    }
    this.touchedCount = nt;
    return n;
  }
}

/**
 * The upsampled value at column x of an output row with vertical weights w0 (and w1 when it reads
 * two input rows), from the horizontal pass h: the expression upsampleBilinear evaluates.
 */
function rowValue(h: Float32Array, h0: number, h1: number, x: number, w0: number, w1: number, rn: number): number {
  return rn === 2
    ? Math.fround(0 + (h[h0 + x] as number) * w0 + (h[h1 + x] as number) * w1)
    : Math.fround(0 + (h[h0 + x] as number) * w0);
}
