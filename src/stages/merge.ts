// Merging shard partials. Pass 1: the pools concatenate (each shard kept its own k largest
// values per unit, so together they hold the global k largest), the largest values take the
// maximum, the top images keep the best k (ties: lower image index), and the exact thresholds are
// computed once from the merged pools. Pass 2: integer counts add. Every merge is independent of
// the order of its inputs, so any split of the images, merged in any order, gives the
// single-process result byte for byte.
import type { TopEntry } from '../quantile/top-images.js';
import { thresholdFromPool } from '../quantile/top-quantile.js';
import { addCounts, type CountPartial } from './count.js';
import type { ShardPass1 } from './forward.js';
import type { Skip } from './shards.js';

/** The merged pass 1 of a run: what pass 2 and the outputs need. */
export interface MergedPass1 {
  readonly layers: readonly {
    readonly thresholds: Float64Array;
    readonly maxValue: Float32Array;
    readonly top: readonly (readonly TopEntry[])[];
  }[];
  /** Images skipped in pass 1, by global index. */
  readonly skipped: readonly Skip[];
  /** Images that went through the model: the thresholds' denominator. */
  readonly used: number;
}

/**
 * Merge the pass-1 partials of shards covering images [0, totalImages) and compute the exact
 * thresholds. `mapSizes[l]` is h·w of layer l.
 */
export function mergePass1(parts: readonly ShardPass1[], totalImages: number, mapSizes: readonly number[], quantile: number, topK: number): MergedPass1 {
  const skipped = parts.flatMap((p) => p.skipped).sort((a, b) => a.index - b.index);
  const used = totalImages - skipped.length;
  const layers = mapSizes.map((mapSize, li) => {
    const units = parts[0]!.layers[li]!.maxValue.length;
    const maxValue = new Float32Array(units).fill(-Infinity);
    const thresholds = new Float64Array(units);
    const top: TopEntry[][] = [];
    for (let u = 0; u < units; u++) {
      let size = 0;
      for (const p of parts) {
        const l = p.layers[li]!;
        if ((l.maxValue[u] as number) > (maxValue[u] as number)) maxValue[u] = l.maxValue[u] as number;
        size += l.pools[u]!.length;
      }
      const pool = new Float32Array(size);
      let o = 0;
      for (const p of parts) {
        pool.set(p.layers[li]!.pools[u]!, o);
        o += p.layers[li]!.pools[u]!.length;
      }
      thresholds[u] = thresholdFromPool(pool, used * mapSize, quantile, u);
      top.push(mergeTop(parts.map((p) => p.layers[li]!.top[u]!), topK));
    }
    return { thresholds, maxValue, top };
  });
  return { layers, skipped, used };
}

/** The best k of several top lists: by map maximum descending, then image index ascending. */
export function mergeTop(lists: readonly (readonly TopEntry[])[], k: number): TopEntry[] {
  return lists.flat().sort((a, b) => b.max - a.max || a.image - b.image).slice(0, k);
}

/** Add count partials (any order). The first partial's arrays receive the sum. */
export function mergeCounts(parts: readonly CountPartial[]): CountPartial {
  return parts.slice(1).reduce((a, b) => addCounts(a, b), parts[0]!);
}
