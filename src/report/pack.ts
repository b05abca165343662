// Compact encodings of the numbers the viewer draws from (written by the report, read back by
// unpack.ts in the browser): activation maps as base64 of their float32 bytes (exact, 5.3
// characters a value instead of about 14 as JSON decimals), label masks as run lengths.

/** Base64 of the float32 little-endian bytes of `values` (each rounded to float32, as stored). */
export function packFloat32(values: readonly number[] | Float32Array): string {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  // Typed arrays are little-endian on every platform Node runs on; say so rather than assume.
  if (new Uint8Array(Float32Array.of(1).buffer)[3] !== 0x3f) throw new Error('packFloat32: big-endian platform is not supported');
  return Buffer.from(bytes).toString('base64');
}

/**
 * Run lengths of a 0/1 mask in row-major order, alternating, starting with a run of zeros
 * (possibly empty): [zeros, ones, zeros, ones, ...]; they sum to mask.length.
 */
export function runLengths(mask: Uint8Array): number[] {
  const runs: number[] = [];
  let current = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] === 0 ? 0 : 1;
    if (v !== current) {
      runs.push(n);
      current = v;
      n = 0;
    }
    n++;
  }
  runs.push(n);
  return runs;
}
