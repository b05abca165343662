// Pass 2 of a shard: from the candidate maps above their unit's threshold and each image's
// labels, the integer counts of DESIGN.md 5.3 (truth, intersection, activation). `countImages` is
// the one implementation; `countShard` feeds it chunks of images inline or on worker threads, and
// the same function runs in worker processes and on remote workers. Counts are integers, so
// partials add up to the single-thread result bit for bit, in any order.
import { Worker } from 'node:worker_threads';
import type { DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import { CacheCursor, type CandidateCache, type Segment } from '../quantile/candidate-cache.js';
import { LayerCounts, prepareLabels, type LabelTables } from '../tally/counter.js';
import type { Semantics } from '../run/results-types.js';
import { DatasetError, errorFromWire, InterruptedError, type WireError } from '../util/errors.js';
import type { Shard, Skip } from './shards.js';

/** Candidate maps of one layer for a chunk of images, ordered by image (max > threshold only). */
export interface ChunkLayer {
  readonly images: Int32Array;
  readonly units: Int32Array;
  readonly thresholds: Float32Array;
  readonly maps: Float32Array;
}

/** A run of consecutive images (skipped ones left out) with their maps, per layer. */
export interface Chunk {
  readonly images: readonly number[];
  readonly layers: readonly ChunkLayer[];
}

/** The pass-2 partial of a shard (or of a chunk, or of the whole run: they add). */
export interface CountPartial {
  readonly truth: Float64Array;
  readonly layers: readonly { readonly intersection: Float64Array; readonly activation: Float64Array }[];
  /** Images whose labels could not be read (with --skip-bad-images), by global index. */
  readonly skipped: readonly Skip[];
}

/** What counting needs to know of the layers and labels; the same for every shard. */
export interface CountSetup {
  readonly tables: LabelTables;
  readonly layers: readonly { readonly units: number; readonly h: number; readonly w: number }[];
  readonly semantics: Semantics;
  /** Largest label map (sh·sw) of the dataset. */
  readonly maxPixels: number;
  readonly skipBadImages: boolean;
}

/** Images per chunk handed to a counter. */
const CHUNK_IMAGES = 32;
/** Images whose labels are read ahead of counting. */
const LABEL_PREFETCH = 4;

/** Label number → primary category index, from the dataset's label table. */
export function labelTables(ds: ConceptDataset): LabelTables {
  let max = 0;
  ds.labels.forEach((l, i) => { if (l) max = Math.max(max, i); });
  const primary = new Int32Array(max + 1).fill(-1);
  for (const l of ds.labels) if (l) primary[l.number] = ds.categories.indexOf(l.primaryCategory);
  return { labelCount: max + 1, categoryCount: ds.categories.length, primary };
}

/** Largest label map of the dataset (the counters' scratch size). */
export function maxLabelPixels(ds: ConceptDataset): number {
  let max = 0;
  for (const rec of ds.images) max = Math.max(max, rec.sh * rec.sw);
  return max;
}

/** Zeroed counters for a setup. */
export class Counters {
  readonly truth: Float64Array;
  readonly layers: LayerCounts[];
  readonly skipped: Skip[] = [];

  constructor(readonly setup: CountSetup) {
    this.truth = new Float64Array(setup.tables.labelCount);
    this.layers = setup.layers.map((l) => new LayerCounts(l.units, l.h, l.w, setup.tables, setup.semantics, setup.maxPixels));
  }

  partial(): CountPartial {
    return { truth: this.truth, layers: this.layers.map((c) => ({ intersection: c.intersection, activation: c.activation })), skipped: this.skipped };
  }
}

/**
 * Count one chunk into `counters`: each image's labels are read (a few ahead) and decoded once,
 * then every map of that image is upsampled, thresholded and counted against them.
 */
export async function countImages(ds: ConceptDataset, counters: Counters, chunk: Chunk): Promise<void> {
  const { setup } = counters;
  const pos = chunk.layers.map(() => 0);
  const ahead: Promise<ImageLabels>[] = [];
  const request = (k: number): void => {
    const image = chunk.images[k];
    if (image === undefined) return;
    const p = ds.readLabels(image);
    p.catch(() => undefined); // awaited below; this only keeps it from being "unhandled"
    ahead.push(p);
  };
  for (let k = 0; k < LABEL_PREFETCH; k++) request(k);
  for (let k = 0; k < chunk.images.length; k++) {
    const image = chunk.images[k]!;
    request(k + LABEL_PREFETCH);
    let labels: ImageLabels | null = null;
    try {
      labels = await ahead[k]!;
    } catch (err) {
      if (!(setup.skipBadImages && err instanceof DatasetError)) throw err;
      counters.skipped.push({ index: image, file: ds.images[image]!.file, reason: `labels: ${err.message}` });
    }
    const rec = ds.images[image]!;
    const prepared = labels ? prepareLabels(labels.byCategory, rec.sh, rec.sw, setup.tables, counters.truth) : null;
    for (let li = 0; li < chunk.layers.length; li++) {
      const layer = chunk.layers[li]!;
      const mapSize = setup.layers[li]!.h * setup.layers[li]!.w;
      const c = counters.layers[li]!;
      let p = pos[li]!;
      while (p < layer.images.length && layer.images[p] === image) {
        if (prepared) c.add(layer.units[p]!, layer.maps, p * mapSize, layer.thresholds[p]!, prepared);
        p++;
      }
      pos[li] = p;
    }
  }
}

/** Add partial `b` into `a` (integer counts as float64: exact below 2^53). */
export function addCounts(a: CountPartial, b: CountPartial): CountPartial {
  const add = (x: Float64Array, y: Float64Array): void => {
    for (let i = 0; i < y.length; i++) if (y[i] !== 0) x[i] = (x[i] as number) + (y[i] as number);
  };
  add(a.truth, b.truth);
  a.layers.forEach((l, i) => {
    add(l.intersection, b.layers[i]!.intersection);
    add(l.activation, b.layers[i]!.activation);
  });
  return { truth: a.truth, layers: a.layers, skipped: [...a.skipped, ...b.skipped].sort((x, y) => x.index - y.index) };
}

export interface CountShardOptions {
  /**
   * Counting lanes: this thread and `workers − 1` worker threads (1: this thread alone). This
   * thread counts too: it has the dataset open already, and each worker thread costs a V8 heap
   * with its own copy of the dataset's index.
   */
  readonly workers: number;
  /** How threads reopen the dataset (required for workers > 1). */
  readonly datasetSpec?: DatasetSpec | undefined;
  readonly onImages?: ((done: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Pass 2 of a shard: walk the shard's candidate caches in image order, keep the maps above
 * their thresholds, and count them chunk by chunk: a chunk goes to a worker thread with room in
 * its queue, else this thread counts it.
 */
export async function countShard(
  ds: ConceptDataset, setup: CountSetup, shard: Shard, caches: readonly CandidateCache[], thresholds: readonly Float64Array[],
  skipped: ReadonlySet<number>, opts: CountShardOptions,
): Promise<CountPartial> {
  const t32 = thresholds.map((th) => Float32Array.from(th));
  const cursors = caches.map((c) => new CacheCursor(c));
  const threads = opts.datasetSpec !== undefined ? Math.max(0, opts.workers - 1) : 0;
  const pool = threads > 0 ? new CountPool(opts.datasetSpec!, setup, threads) : null;
  const local = new Counters(setup);
  let done = 0;
  const progress = (n: number): void => { done += n; opts.onImages?.(done); };
  try {
    // Entries of images before the shard belong to another shard (a cache may cover more).
    for (let li = 0; li < cursors.length; li++) cursors[li]!.takeBefore(shard.start, () => {});
    for (let a = shard.start; a < shard.end; a += CHUNK_IMAGES) {
      if (opts.signal?.aborted) throw new InterruptedError(shard.start);
      const b = Math.min(a + CHUNK_IMAGES, shard.end);
      const images: number[] = [];
      for (let i = a; i < b; i++) if (!skipped.has(i)) images.push(i);
      const chunk: Chunk = { images, layers: cursors.map((cur, li) => collectChunk(cur, caches[li]!.mapSize, t32[li]!, b, skipped)) };
      if (pool?.trySubmit(chunk, progress)) continue;
      await countImages(ds, local, chunk);
      progress(images.length);
    }
    return pool ? addCounts(await pool.finish(), local.partial()) : local.partial();
  } finally {
    await pool?.close();
  }
}

/** Take from a layer's cache cursor every entry of images < end whose max passes its threshold. */
function collectChunk(cur: CacheCursor, mapSize: number, t32: Float32Array, end: number, skipped: ReadonlySet<number>): ChunkLayer {
  const images: number[] = [];
  const units: number[] = [];
  const thr: number[] = [];
  const picks: { seg: Segment; pos: number }[] = [];
  cur.takeBefore(end, (seg, pos) => {
    const img = seg.images[pos] as number;
    const u = seg.units[pos] as number;
    const t = t32[u] as number;
    if (!skipped.has(img) && (seg.maxes[pos] as number) > t) {
      images.push(img);
      units.push(u);
      thr.push(t);
      picks.push({ seg, pos });
    }
  });
  const maps = new Float32Array(picks.length * mapSize);
  picks.forEach((p, i) => maps.set(p.seg.maps.subarray(p.pos * mapSize, (p.pos + 1) * mapSize), i * mapSize));
  return { images: Int32Array.from(images), units: Int32Array.from(units), thresholds: Float32Array.from(thr), maps };
}

/** Messages from a counting thread. */
export type CountThreadMessage =
  | { readonly kind: 'done'; readonly images: number }
  | { readonly kind: 'error'; readonly error: WireError }
  | { readonly kind: 'partial'; readonly partial: CountPartial };

export interface CountThreadInit {
  readonly spec: DatasetSpec;
  readonly setup: CountSetup;
}

/** Counting threads, each running countImages on the chunks it is sent; at most two queued each. */
class CountPool {
  private readonly workers: Worker[];
  private readonly inFlight: number[];
  private readonly progress: ((images: number) => void)[] = [];
  private failure: Error | null = null;
  private readonly partials: Promise<CountPartial>[];

  constructor(spec: DatasetSpec, setup: CountSetup, n: number) {
    const init: CountThreadInit = { spec, setup };
    this.workers = Array.from({ length: n }, () => new Worker(new URL('./count-thread.js', import.meta.url), { workerData: init }));
    this.inFlight = this.workers.map(() => 0);
    this.partials = this.workers.map((w, wi) => {
      const p = new Promise<CountPartial>((resolve, reject) => {
        w.on('message', (msg: CountThreadMessage) => {
          if (msg.kind === 'done') {
            this.inFlight[wi]!--;
            this.progress[wi]?.(msg.images);
          } else if (msg.kind === 'error') {
            this.fail(errorFromWire(msg.error));
            reject(this.failure);
          } else {
            resolve(msg.partial);
          }
        });
        w.on('error', (err) => { this.fail(err); reject(err); });
      });
      p.catch(() => undefined); // surfaced through `failure`
      return p;
    });
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
  }

  /** Send a chunk to the least busy thread if one has fewer than two queued; false if none has. */
  trySubmit(chunk: Chunk, onDone: (images: number) => void): boolean {
    if (this.failure) throw this.failure;
    const wi = this.inFlight.indexOf(Math.min(...this.inFlight));
    if (this.inFlight[wi]! >= 2) return false;
    this.inFlight[wi]!++;
    this.progress[wi] = onDone;
    const transfer = chunk.layers.flatMap((l) => [l.images.buffer, l.units.buffer, l.thresholds.buffer, l.maps.buffer]) as ArrayBuffer[];
    this.workers[wi]!.postMessage({ chunk }, transfer);
    return true;
  }

  /** Every thread's partial, added up. */
  async finish(): Promise<CountPartial> {
    for (const w of this.workers) w.postMessage({ finish: true });
    const parts = await Promise.all(this.partials);
    if (this.failure) throw this.failure;
    return parts.slice(1).reduce((a, b) => addCounts(a, b), parts[0]!);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
