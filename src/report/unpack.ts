// Decoding of pack.ts's encodings, with no Node API, so the viewer bundles it as it is.

/** The float32 values of a packFloat32 string. */
export function unpackFloat32(text: string): Float32Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}

/** The 0/1 mask of `size` pixels from runLengths' runs. */
export function maskFromRuns(runs: readonly number[], size: number): Uint8Array {
  const mask = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < runs.length; i++) {
    const n = runs[i] as number;
    if (i % 2 === 1) mask.fill(1, at, Math.min(at + n, size));
    at += n;
  }
  return mask;
}
