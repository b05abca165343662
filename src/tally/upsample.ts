// Bilinear upsampling of activation maps to the label resolution, computed exactly as Pillow's
// Image.resize(BILINEAR) does on mode-'F' images, so masks match the reference bit for bit.
//
// Convention (DESIGN.md 5.2): per axis scale = in/out, support = max(scale, 1); output o has
// centre c = (o + 0.5)·scale; taps i in [max(trunc(c − support + 0.5), 0), min(trunc(c + support + 0.5), in));
// weights max(0, 1 − |(i − c + 0.5)/max(scale,1)|), normalised to sum 1 in double. The
// horizontal pass runs first and rounds each value to float32; then the vertical pass, summing
// taps in ascending order from 0.0 in double and rounding to float32 (half-pixel centres, edges
// clamped: PyTorch's align_corners=False on upsampling).

/** Taps of one axis: output o reads inputs start[o] .. start[o]+count[o]-1 with weights[o*stride + j]. */
export interface AxisTaps {
  readonly inSize: number;
  readonly outSize: number;
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly stride: number;
  readonly weights: Float64Array;
  /** For input i: the first and last output whose taps include i (empty range when lo > hi). */
  readonly outLo: Int32Array;
  readonly outHi: Int32Array;
}

export interface UpsamplePlan {
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  readonly rows: AxisTaps;
  readonly cols: AxisTaps;
}

/** Pillow's precompute_coeffs for the bilinear (triangle) filter. */
export function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  const invScale = 1 / filterScale;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    let lo = Math.trunc(center - support + 0.5);
    if (lo < 0) lo = 0;
    let hi = Math.trunc(center + support + 0.5);
    if (hi > inSize) hi = inSize;
    const n = hi - lo;
    let sum = 0;
    const base = o * stride;
    for (let j = 0; j < n; j++) {
      let x = (j + lo - center + 0.5) * invScale;
      if (x < 0) x = -x;
      const w = x < 1 ? 1 - x : 0;
      weights[base + j] = w;
      sum += w;
    }
    if (sum !== 0) for (let j = 0; j < n; j++) weights[base + j] = (weights[base + j] as number) / sum;
    start[o] = lo;
    count[o] = n;
  }
  const outLo = new Int32Array(inSize).fill(outSize);
  const outHi = new Int32Array(inSize).fill(-1);
  for (let o = 0; o < outSize; o++) {
    for (let i = start[o] as number; i < (start[o] as number) + (count[o] as number); i++) {
      if (o < (outLo[i] as number)) outLo[i] = o;
      if (o > (outHi[i] as number)) outHi[i] = o;
    }
  }
  return { inSize, outSize, start, count, stride, weights, outLo, outHi };
}

const planCache = new Map<string, UpsamplePlan>();

/** The (cached) plan for upsampling inH×inW maps to outH×outW. */
export function upsamplePlan(inH: number, inW: number, outH: number, outW: number): UpsamplePlan {
  const key = `${inH}x${inW}>${outH}x${outW}`;
  let plan = planCache.get(key);
  if (!plan) {
    plan = { inH, inW, outH, outW, rows: axisTaps(inH, outH), cols: axisTaps(inW, outW) };
    planCache.set(key, plan);
  }
  return plan;
}

/**
 * Full upsampling of one map (row-major inH×inW, starting at `offset`) into `out` (outH×outW).
 * `scratch` must hold inH×outW floats. Used by tests and the report; counting uses maskAbove.
 */
export function upsampleBilinear(
  plan: UpsamplePlan, input: Float32Array, offset: number, out: Float32Array, scratch: Float32Array,
): void {
  const { inH, inW, outH, outW, rows, cols } = plan;
  for (let r = 0; r < inH; r++) {
    const rowBase = offset + r * inW;
    const hBase = r * outW;
    for (let x = 0; x < outW; x++) {
      const s = cols.start[x] as number;
      const n = cols.count[x] as number;
      const wb = x * cols.stride;
      let ss = 0;
      for (let j = 0; j < n; j++) ss += (input[rowBase + s + j] as number) * (cols.weights[wb + j] as number);
      scratch[hBase + x] = ss;
    }
  }
  for (let y = 0; y < outH; y++) {
    const s = rows.start[y] as number;
    const n = rows.count[y] as number;
    const wb = y * rows.stride;
    const outBase = y * outW;
    for (let x = 0; x < outW; x++) {
      let ss = 0;
      for (let j = 0; j < n; j++) ss += (scratch[(s + j) * outW + x] as number) * (rows.weights[wb + j] as number);
      out[outBase + x] = ss;
    }
  }
}

/** Reusable buffer for maskAbove (the horizontal pass of the candidate box). */
export class MaskScratch {
  h = new Float32Array(0);
  ensure(size: number): Float32Array {
    if (this.h.length < size) this.h = new Float32Array(size);
    return this.h;
  }
}

/**
 * Writes into `active` the indices (y·outW + x) of the upsampled pixels whose value is
 * strictly greater than `threshold32` (a float32 value), in increasing order, and returns how
 * many there are.
 *
 * Only pixels with an input tap above the threshold can pass (a bilinear value is a convex
 * combination of its taps), so only the box of outputs that read a hot input cell is computed,
 * each value exactly as the full upsampling computes it: the result equals thresholding
 * upsampleBilinear's output. `active` must hold outH·outW.
 */
export function maskAbove(
  plan: UpsamplePlan, input: Float32Array, offset: number, threshold32: number,
  active: Int32Array, scratch: MaskScratch,
): number {
  const { inW, outW, rows, cols } = plan;
  let rLo = plan.inH;
  let rHi = -1;
  let cLo = inW;
  let cHi = -1;
  for (let r = 0; r < plan.inH; r++) {
    const base = offset + r * inW;
    for (let c = 0; c < inW; c++) {
      if ((input[base + c] as number) > threshold32) {
        if (r < rLo) rLo = r;
        rHi = r;
        if (c < cLo) cLo = c;
        if (c > cHi) cHi = c;
      }
    }
  }
  if (rHi < 0) return 0;
  const yStart = rows.outLo[rLo] as number;
  const yEnd = rows.outHi[rHi] as number;
  const xStart = cols.outLo[cLo] as number;
  const xEnd = cols.outHi[cHi] as number;
  const r0 = rows.start[yStart] as number;
  const r1 = (rows.start[yEnd] as number) + (rows.count[yEnd] as number) - 1;
  const boxW = xEnd - xStart + 1;
  const h = scratch.ensure((r1 - r0 + 1) * boxW);
  const cw = cols.weights;
  const cStride = cols.stride;
  // Horizontal pass over the input rows the box reads, rounded to float32 as Pillow stores it.
  for (let r = r0; r <= r1; r++) {
    const inBase = offset + r * inW;
    const hBase = (r - r0) * boxW - xStart;
    for (let x = xStart; x <= xEnd; x++) {
      const cs = inBase + (cols.start[x] as number);
      const cn = cols.count[x] as number;
      const wb = x * cStride;
      // Upsampling has at most two taps per output; the general loop covers downsampling.
      let ss: number;
      if (cn === 2) ss = 0 + (input[cs] as number) * (cw[wb] as number) + (input[cs + 1] as number) * (cw[wb + 1] as number);
      else {
        ss = 0;
        for (let i = 0; i < cn; i++) ss += (input[cs + i] as number) * (cw[wb + i] as number);
      }
      h[hBase + x] = ss;
    }
  }
  // Vertical pass, thresholded as it goes.
  const rw = rows.weights;
  const rStride = rows.stride;
  let n = 0;
  for (let y = yStart; y <= yEnd; y++) {
    const rs = rows.start[y] as number;
    const rn = rows.count[y] as number;
    const wb = y * rStride;
    const outBase = y * outW;
    const hBase = (rs - r0) * boxW - xStart;
    if (rn === 2) {
      const w0 = rw[wb] as number;
      const w1 = rw[wb + 1] as number;
      const h1Base = hBase + boxW;
      for (let x = xStart; x <= xEnd; x++) {
        const ss = 0 + (h[hBase + x] as number) * w0 + (h[h1Base + x] as number) * w1;
        if (Math.fround(ss) > threshold32) active[n++] = outBase + x;
      }
    } else {
      for (let x = xStart; x <= xEnd; x++) {
        let ss = 0;
        for (let j = 0; j < rn; j++) ss += (h[hBase + j * boxW + x] as number) * (rw[wb + j] as number);
        if (Math.fround(ss) > threshold32) active[n++] = outBase + x;
      }
    }
  }
  return n;
}
