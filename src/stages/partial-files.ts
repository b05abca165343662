// Partials as files in the run's scratch folder, for stages that run in other processes or on
// other machines (they share the run directory). Each file is written atomically under a name
// that depends only on (run, stage, shard), and verified by checksum when read: a shard that runs
// twice writes the same name, and the merge reads each shard's partial once.
import path from 'node:path';
import { CandidateCache } from '../quantile/candidate-cache.js';
import type { TopEntry } from '../quantile/top-images.js';
import { ArrayReader, readPackedFile, writePackedFile, type PackedArray } from '../run/packed-file.js';
import { RunDirError } from '../util/errors.js';
import type { CountPartial } from './count.js';
import type { ShardPass1 } from './forward.js';
import type { MergedPass1 } from './merge.js';
import { readPass1State } from './pass1-state.js';
import { shardDirName, type Shard, type Skip } from './shards.js';

/** The scratch folder of a run split into `shards` shards (another split gets another folder). */
export function scratchDir(runDir: string, shards: number): string {
  return path.join(runDir, '.cache', `shards-${shards}`);
}

export function shardDir(scratch: string, shard: Shard): string {
  return path.join(scratch, shardDirName(shard));
}

/**
 * A finished shard's pass-1 partial read back from its folder (its candidate cache stays on
 * disk and is read in pass 2); null when the shard has not finished its forward pass.
 */
export function loadShardPass1(scratch: string, shard: Shard, identity: string, mapSizes: readonly number[], layerDirs: readonly string[]): ShardPass1 | null {
  const dir = shardDir(scratch, shard);
  const state = readPass1State(dir, identity);
  if (!state || state.imagesDone !== shard.end || state.layers.length !== mapSizes.length) return null;
  return {
    shard,
    layers: state.layers.map((l, li) => {
      const cache = new CandidateCache(mapSizes[li]!, dir, layerDirs[li]!);
      cache.restore(l.segmentFiles);
      return { maxValue: l.maxValue, pools: l.pools, top: l.top, cache };
    }),
    skipped: state.skipped,
    resumed: shard.end - shard.start,
  };
}

const MERGED_FILE = 'thresholds.bin';
const MERGED_MAGIC = 'NDTHRS1\n';

interface MergedHeader {
  identity: string;
  used: number;
  skipped: Skip[];
  layers: { top: { image: number; max: number }[][] }[];
}

export function writeMergedPass1(scratch: string, identity: string, m: MergedPass1): void {
  const arrays: PackedArray[] = [];
  const layers = m.layers.map((l) => {
    arrays.push(l.thresholds, l.maxValue);
    for (const list of l.top) for (const t of list) arrays.push(t.map);
    return { top: l.top.map((list) => list.map((t) => ({ image: t.image, max: t.max }))) };
  });
  const header: MergedHeader = { identity, used: m.used, skipped: [...m.skipped], layers };
  writePackedFile(path.join(scratch, MERGED_FILE), MERGED_MAGIC, header, arrays);
}

export function readMergedPass1(scratch: string, identity: string): MergedPass1 | null {
  const file = path.join(scratch, MERGED_FILE);
  const got = readPackedFile<MergedHeader>(file, MERGED_MAGIC);
  if (got === null) return null;
  if (!got.ok) throw new RunDirError(`${file} is damaged (${got.reason}); rerun the same command to recompute it.`);
  if (got.header.identity !== identity) return null;
  const r = new ArrayReader(got.arrays);
  const layers = got.header.layers.map((l) => {
    const thresholds = r.f64();
    const maxValue = r.f32();
    const top: TopEntry[][] = l.top.map((list) => list.map((t) => ({ image: t.image, max: t.max, map: r.f32() })));
    return { thresholds, maxValue, top };
  });
  return { layers, skipped: got.header.skipped, used: got.header.used };
}

const COUNTS_FILE = 'pass2.bin';
const MERGED_COUNTS_FILE = 'counts.bin';
const COUNTS_MAGIC = 'NDCNTS1\n';

function countsFile(scratch: string, shard: Shard | 'merged'): string {
  return shard === 'merged' ? path.join(scratch, MERGED_COUNTS_FILE) : path.join(shardDir(scratch, shard), COUNTS_FILE);
}

export function writeCountPartial(scratch: string, shard: Shard | 'merged', identity: string, c: CountPartial): void {
  const arrays: PackedArray[] = [c.truth, ...c.layers.flatMap((l) => [l.intersection, l.activation])];
  writePackedFile(countsFile(scratch, shard), COUNTS_MAGIC, { identity, layers: c.layers.length, skipped: c.skipped }, arrays);
}

/** A shard's (or the merged) counts; null when not written yet, or written by another run. */
export function readCountPartial(scratch: string, shard: Shard | 'merged', identity: string): CountPartial | null {
  const file = countsFile(scratch, shard);
  const got = readPackedFile<{ identity: string; layers: number; skipped: Skip[] }>(file, COUNTS_MAGIC);
  if (got === null || (got.ok && got.header.identity !== identity)) return null;
  if (!got.ok) return null; // a damaged partial is recounted
  const r = new ArrayReader(got.arrays);
  const truth = r.f64();
  const layers = Array.from({ length: got.header.layers }, () => ({ intersection: r.f64(), activation: r.f64() }));
  return { truth, layers, skipped: got.header.skipped };
}
