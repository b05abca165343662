// How much of the candidate cache stays in memory before it spills to disk (DESIGN.md 6).
//
// The cache grows with the dataset (every map that may still reach its unit's threshold), so
// any budget that is a fixed number of bytes keeps memory flat from 1,000 to 63,305 images;
// the question is only how small it can be before spilling costs time. Spilling writes each
// segment once, sequentially, and pass 2 reads it back once in order, so a spilled byte costs
// about a memcpy through the page cache: on the project's machine a 1,000-image MobileNetV2 run
// with a 16 MiB budget spilled 91 MiB and took 1-2 % longer than the in-memory run. The old
// default (4 GiB) let the cache reach hundreds of MiB on Broden-sized runs, more than the
// forward pass itself uses. 64 MiB holds a few hundred batches of a typical layer's candidates
// (ResNet-18 layer4 or MobileNetV2 Conv_1: well under 1 MiB per batch after the lower bounds
// rise), so small runs never touch the disk, and it is small next to the ~400 MiB that ONNX
// Runtime and the model already take.

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
