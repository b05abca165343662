// A shard is a contiguous range of global image indices. Every stage works on one shard and
// returns a partial; partials merge in any order to the single-process result.

export interface Shard {
  readonly index: number;
  /** First global image index. */
  readonly start: number;
  /** One past the last global image index. */
  readonly end: number;
}

/** An image that could not be read, by global index. */
export interface Skip {
  readonly index: number;
  readonly file: string;
  readonly reason: string;
}

/** Split images [0, n) into `count` contiguous shards of near-equal size (none empty). */
export function splitShards(n: number, count: number): Shard[] {
  const k = Math.max(1, Math.min(count, n));
  const shards: Shard[] = [];
  for (let i = 0; i < k; i++) shards.push({ index: i, start: Math.floor((i * n) / k), end: Math.floor(((i + 1) * n) / k) });
  return shards;
}

/** Split at explicit boundaries (tests: random splits). `cuts` are strictly increasing inside (0, n). */
export function shardsAt(n: number, cuts: readonly number[]): Shard[] {
  const bounds = [0, ...cuts, n];
  return bounds.slice(0, -1).map((start, i) => ({ index: i, start, end: bounds[i + 1]! }));
}

/** Folder of a shard's files inside the run's scratch folder. */
export function shardDirName(shard: Shard): string {
  return `shard-${String(shard.index).padStart(4, '0')}-${shard.start}-${shard.end}`;
}
