// The pass-1 state of one shard, as a file: per layer the quantile pool (every value that may
// decide the exact threshold), the largest value per unit, the top images with their maps, and
// the candidate-cache segment files; plus the images skipped so far. Written during the forward
// pass it is the shard's checkpoint; with imagesDone = the shard's end it is the shard's partial.
import path from 'node:path';
import { readPackedFile, writePackedFile, ArrayReader, type PackedArray } from '../run/packed-file.js';
import type { TopEntry } from '../quantile/top-images.js';
import type { Skip } from './shards.js';

export interface LayerPass1 {
  readonly lowerBound: Float32Array;
  readonly maxValue: Float32Array;
  readonly pools: readonly Float32Array[];
  readonly top: readonly (readonly TopEntry[])[];
  /** Candidate-cache segment files, relative to the shard folder, in image order. */
  readonly segmentFiles: readonly string[];
}

export interface Pass1State {
  /** Digest of the run's settings; a state of another run is not used. */
  readonly identity: string;
  /** Global index one past the last image absorbed. */
  readonly imagesDone: number;
  readonly skipped: readonly Skip[];
  readonly layers: readonly LayerPass1[];
}

/** The finished shard's partial. Only a complete state is ever written here. */
export const PASS1_FILE = 'pass1.bin';
/**
 * A checkpoint in the middle of the shard. Kept apart from the partial so that a late duplicate
 * of the shard's job (at-least-once delivery) never replaces a complete partial by an earlier state.
 */
export const CHECKPOINT_FILE = 'checkpoint.bin';
const MAGIC = 'NDPASS1\n';

interface Header {
  identity: string;
  imagesDone: number;
  skipped: Skip[];
  layers: { pools: number; top: { image: number; max: number }[][]; segmentFiles: string[] }[];
}

/** Write the state: as the partial when the shard is complete (imagesDone = its end), else as its checkpoint. */
export function writePass1State(shardDir: string, s: Pass1State, shardEnd: number): void {
  const arrays: PackedArray[] = [];
  const layers = s.layers.map((l) => {
    arrays.push(l.lowerBound, l.maxValue, ...l.pools);
    for (const list of l.top) for (const t of list) arrays.push(t.map);
    return {
      pools: l.pools.length,
      top: l.top.map((list) => list.map((t) => ({ image: t.image, max: t.max }))),
      segmentFiles: [...l.segmentFiles],
    };
  });
  const header: Header = { identity: s.identity, imagesDone: s.imagesDone, skipped: [...s.skipped], layers };
  writePackedFile(path.join(shardDir, s.imagesDone === shardEnd ? PASS1_FILE : CHECKPOINT_FILE), MAGIC, header, arrays);
}

/**
 * The shard's state, or null when there is none or it belongs to another run. A damaged file
 * (checksum) is reported through `damaged` so the caller can say so and redo the shard.
 */
export function readPass1State(shardDir: string, identity: string, damaged?: (file: string, reason: string) => void, which: 'partial' | 'checkpoint' = 'partial'): Pass1State | null {
  const file = path.join(shardDir, which === 'partial' ? PASS1_FILE : CHECKPOINT_FILE);
  const got = readPackedFile<Header>(file, MAGIC);
  if (got === null) return null;
  if (!got.ok) {
    damaged?.(file, got.reason);
    return null;
  }
  const h = got.header;
  if (h.identity !== identity) return null;
  const r = new ArrayReader(got.arrays);
  const layers = h.layers.map((l): LayerPass1 => {
    const lowerBound = r.f32();
    const maxValue = r.f32();
    const pools: Float32Array[] = [];
    for (let u = 0; u < l.pools; u++) pools.push(r.f32());
    const top = l.top.map((list) => list.map((t) => ({ image: t.image, max: t.max, map: r.f32() })));
    return { lowerBound, maxValue, pools, top, segmentFiles: l.segmentFiles };
  });
  return { identity: h.identity, imagesDone: h.imagesDone, skipped: h.skipped, layers };
}
