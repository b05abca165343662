// How much of the candidate cache stays in memory before it spills to disk (DESIGN.md 6).
//
// The cache grows with the dataset (every map that may still reach its unit's threshold; about
// 0.1 MiB per image for MobileNetV2's Conv_1 + expanded_conv_12), so only a fixed budget keeps
// memory flat from 1,000 to 63,305 images; the question is how small it can be before spilling
// costs time. Spilling writes each segment once, sequentially, and pass 2 reads it back once, in
// order; checkpoints (every 2 minutes) write the whole cache to disk anyway, so the scratch
// disk is there with any budget. Measured (npm run bench, MobileNetV2 as above, 1,000 images, on
// a shared 2-core machine): 4 GiB budget 253.6 s, 48.8 CPU s, peak PSS 479 MiB, 122 MiB scratch;
// 64 MiB budget 253.5 s, 49.0 CPU s, peak PSS 433 MiB, 80 MiB spilled, 86 MiB scratch. The old
// 4 GiB default let the cache reach hundreds of MiB on Broden-sized runs, more than ONNX Runtime
// and the model take; 64 MiB holds a few hundred batches of a typical layer's candidates once the
// lower bounds have risen, and is small next to the ~400 MiB of the forward pass itself.

/** Default in-memory budget of the candidate cache, in bytes (all layers together). */
export const DEFAULT_CACHE_BUDGET = 64 * 2 ** 20;

/**
 * The budget to use: the user's (bytes) when given, else the default. A budget below one
 * batch's candidates is valid (every batch then spills); zero keeps nothing in memory.
 */
export function resolveCacheBudget(given: number | undefined): number {
  if (given === undefined) return DEFAULT_CACHE_BUDGET;
  if (!Number.isFinite(given) || given < 0) throw new RangeError(`cache budget must be a number of bytes ≥ 0, got ${given}`);
  return given;
}
