// Nearest-neighbour resizing of label maps: labels are categorical, so they are sampled, never
// interpolated.

/**
 * Resize a row-major label map from inH×inW to outH×outW by nearest neighbour.
 *
 * Sampling convention (half-pixel centres, as PIL's NEAREST): output row o reads source row
 * floor((o + 0.5) · inH / outH), and likewise for columns. It is computed in exact integer
 * arithmetic as floor((2o + 1) · in / (2 · out)), so no float rounding can move a sample.
 * The result is always in [0, in − 1]. Same size in and out gives an exact copy.
 * `out` may be passed to reuse a buffer of outH·outW elements.
 */
export function resizeNearest(
  src: Uint16Array,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  out: Uint16Array = new Uint16Array(outH * outW),
): Uint16Array {
  if (inH === outH && inW === outW) {
    out.set(src.subarray(0, outH * outW));
    return out;
  }
  const cols = nearestIndices(inW, outW);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const row = nearestIndex(y, inH, outH) * inW;
    for (let x = 0; x < outW; x++) out[o++] = src[row + cols[x]!]!;
  }
  return out;
}

/** Source index of output index `o` when resizing `inSize` to `outSize` (see resizeNearest). */
export function nearestIndex(o: number, inSize: number, outSize: number): number {
  return Math.floor(((2 * o + 1) * inSize) / (2 * outSize));
}

/** nearestIndex for every output index, computed once per axis. */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) idx[o] = nearestIndex(o, inSize, outSize);
  return idx;
}
