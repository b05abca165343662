// Pass 2 of a shard: from the candidate maps above their unit's threshold and each image's
// labels, the integer counts of DESIGN.md 5.3 (truth, intersection, activation). `countChunk` is
// the one implementation; `countShard` reads the labels and feeds it chunks of images on this
// thread or on worker threads, and the same function runs in worker processes and on remote
// workers. Counts are integers, so
// partials add up to the single-thread result bit for bit, in any order.
import { Worker } from 'node:worker_threads';
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
  /** The maps' maxima (for unit-maps.seg; counting needs only the thresholds). */
  readonly maxes: Float32Array;
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

/** The labels of a chunk's images, in chunk order (null: unreadable, skipped). */
export type ChunkLabels = readonly (ImageLabels | null)[];

/**
 * Read and decode the labels of a chunk's images, a few at a time. With --skip-bad-images an
 * unreadable label file becomes null and a skip in `skipped`; otherwise it fails the run.
 */
export async function readChunkLabels(ds: ConceptDataset, images: readonly number[], skipBadImages: boolean, skipped: Skip[]): Promise<ChunkLabels> {
  const out: (ImageLabels | null)[] = new Array<ImageLabels | null>(images.length).fill(null);
  const ahead: Promise<ImageLabels>[] = [];
  const request = (k: number): void => {
    const image = images[k];
    if (image === undefined) return;
    const p = ds.readLabels(image);
    p.catch(() => undefined); // awaited below; this only keeps it from being "unhandled"
    ahead.push(p);
  };
  for (let k = 0; k < LABEL_PREFETCH; k++) request(k);
  for (let k = 0; k < images.length; k++) {
    request(k + LABEL_PREFETCH);
    try {
      out[k] = await ahead[k]!;
    } catch (err) {
      if (!(skipBadImages && err instanceof DatasetError)) throw err;
      const image = images[k]!;
      skipped.push({ index: image, file: ds.images[image]!.file, reason: `labels: ${err.message}` });
    }
  }
  return out;
}

/**
 * Count one chunk into `counters`, from its images' labels (read by readChunkLabels): each
 * image's labels are prepared once, then every map of that image is upsampled, thresholded and
 * counted against them. Pure computation: it runs wherever the chunk and its labels are.
 */
export function countChunk(counters: Counters, chunk: Chunk, labels: ChunkLabels, sizes: readonly { readonly sh: number; readonly sw: number }[]): void {
  const { setup } = counters;
  const pos = chunk.layers.map(() => 0);
  for (let k = 0; k < chunk.images.length; k++) {
    const image = chunk.images[k]!;
    const own = labels[k] ?? null;
    const prepared = own ? prepareLabels(own.byCategory, sizes[k]!.sh, sizes[k]!.sw, setup.tables, counters.truth) : null;
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

/** Label resolution of each image. */
function labelSizes(ds: ConceptDataset, images: readonly number[]): { sh: number; sw: number }[] {
  return images.map((i) => ({ sh: ds.images[i]!.sh, sw: ds.images[i]!.sw }));
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
   * thread reads every image's labels (it has the dataset open) and counts the chunks no thread
   * has room for; worker threads only prepare labels and count, so they hold no dataset.
   */
  readonly workers: number;
  readonly onImages?: ((done: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Each chunk, in image order, before it is counted (its arrays may move to a counting thread
   * afterwards): the maps above their thresholds, which the run keeps (unit-maps.seg) without
   * reading the candidate cache a second time.
   */
  readonly onChunk?: ((chunk: Chunk) => void) | undefined;
}

/**
 * Pass 2 of a shard: walk the shard's candidate caches in image order, keep the maps above
 * their thresholds, read their images' labels, and count them chunk by chunk: a chunk goes to a
 * worker thread with room in its queue, else this thread counts it. The next chunk's labels are
 * read while this one is counted.
 */
export async function countShard(
  ds: ConceptDataset, setup: CountSetup, shard: Shard, caches: readonly CandidateCache[], thresholds: readonly Float64Array[],
  skipped: ReadonlySet<number>, opts: CountShardOptions,
): Promise<CountPartial> {
  const t32 = thresholds.map((th) => Float32Array.from(th));
  const cursors = caches.map((c) => new CacheCursor(c));
  const pool = opts.workers > 1 ? new CountPool(setup, opts.workers - 1) : null;
  const local = new Counters(setup);
  let done = 0;
  const progress = (n: number): void => { done += n; opts.onImages?.(done); };
  type Pending = { chunk: Chunk; labels: Promise<ChunkLabels> };
  // Entries of images before the shard belong to another shard (a cache may cover more).
  for (let li = 0; li < cursors.length; li++) cursors[li]!.takeBefore(shard.start, () => {});
  let a = shard.start;
  const next = (): Pending | null => {
    if (a >= shard.end) return null;
    const b = Math.min(a + CHUNK_IMAGES, shard.end);
    const images: number[] = [];
    for (let i = a; i < b; i++) if (!skipped.has(i)) images.push(i);
    const chunk: Chunk = { images, layers: cursors.map((cur, li) => collectChunk(cur, caches[li]!.mapSize, t32[li]!, b, skipped)) };
    a = b;
    const labels = readChunkLabels(ds, images, setup.skipBadImages, local.skipped);
    labels.catch(() => undefined); // awaited below
    return { chunk, labels };
  };
  try {
    let current = next();
    while (current) {
      if (opts.signal?.aborted) throw new InterruptedError(shard.start);
      const labels = await current.labels;
      const { chunk } = current;
      current = next();
      opts.onChunk?.(chunk);
      const sizes = labelSizes(ds, chunk.images);
      if (pool?.trySubmit(chunk, labels, sizes, progress)) continue;
      countChunk(local, chunk, labels, sizes);
      progress(chunk.images.length);
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
  const maxes: number[] = [];
  const thr: number[] = [];
  const picks: { seg: Segment; pos: number }[] = [];
  cur.takeBefore(end, (seg, pos) => {
    const img = seg.images[pos] as number;
    const u = seg.units[pos] as number;
    const t = t32[u] as number;
    if (!skipped.has(img) && (seg.maxes[pos] as number) > t) {
      images.push(img);
      units.push(u);
      maxes.push(seg.maxes[pos] as number);
      thr.push(t);
      picks.push({ seg, pos });
    }
  });
  const maps = new Float32Array(picks.length * mapSize);
  picks.forEach((p, i) => maps.set(p.seg.maps.subarray(p.pos * mapSize, (p.pos + 1) * mapSize), i * mapSize));
  return { images: Int32Array.from(images), units: Int32Array.from(units), maxes: Float32Array.from(maxes), thresholds: Float32Array.from(thr), maps };
}

/** Messages from a counting thread. */
export type CountThreadMessage =
  | { readonly kind: 'done'; readonly images: number }
  | { readonly kind: 'error'; readonly error: WireError }
  | { readonly kind: 'partial'; readonly partial: CountPartial };

export interface CountThreadInit {
  readonly setup: CountSetup;
  /**
   * Jobs queued at each thread (shared memory): the thread lowers its own entry as soon as a job
   * is counted, so this thread sees a free lane at once, not when its message is processed
   * (it may be busy counting a chunk itself then).
   */
  readonly queued: Int32Array;
  readonly lane: number;
}

/** A chunk for a counting thread: the maps, their images' labels and label sizes. */
export interface CountThreadJob {
  readonly chunk: Chunk;
  readonly labels: ChunkLabels;
  readonly sizes: readonly { readonly sh: number; readonly sw: number }[];
}

/** The buffers of a job that can move to the thread without a copy (each once). */
function transferables(job: CountThreadJob): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const own = (a: ArrayBufferView): void => {
    // Only arrays that are their whole buffer: a view into a shared pool must be copied.
    if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  for (const l of job.chunk.layers) [l.images, l.units, l.maxes, l.thresholds, l.maps].forEach(own);
  for (const l of job.labels) if (l) for (const ann of l.byCategory.values()) ann.maps.forEach(own);
  return [...out];
}

/** Jobs queued at a counting thread at most: enough that it never waits while this thread counts a chunk. */
const QUEUE_DEPTH = 3;

/** Counting threads, each running countChunk on the jobs it is sent; at most QUEUE_DEPTH queued each. */
class CountPool {
  private readonly workers: Worker[];
  private readonly queued: Int32Array;
  private readonly progress: ((images: number) => void)[] = [];
  private failure: Error | null = null;
  private readonly partials: Promise<CountPartial>[];

  constructor(setup: CountSetup, n: number) {
    this.queued = new Int32Array(new SharedArrayBuffer(4 * n));
    this.workers = Array.from({ length: n }, (_, lane) => {
      const init: CountThreadInit = { setup, queued: this.queued, lane };
      return new Worker(new URL('./count-thread.js', import.meta.url), { workerData: init });
    });
    this.partials = this.workers.map((w, wi) => {
      const p = new Promise<CountPartial>((resolve, reject) => {
        w.on('message', (msg: CountThreadMessage) => {
          if (msg.kind === 'done') {
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

  /** Send a chunk to the least busy thread if one has room in its queue; false if none has. */
  trySubmit(chunk: Chunk, labels: ChunkLabels, sizes: CountThreadJob['sizes'], onDone: (images: number) => void): boolean {
    if (this.failure) throw this.failure;
    let wi = 0;
    for (let i = 1; i < this.workers.length; i++) if (Atomics.load(this.queued, i) < Atomics.load(this.queued, wi)) wi = i;
    if (Atomics.load(this.queued, wi) >= QUEUE_DEPTH) return false;
    Atomics.add(this.queued, wi, 1);
    this.progress[wi] = onDone;
    const job: CountThreadJob = { chunk, labels, sizes };
    this.workers[wi]!.postMessage({ job }, transferables(job));
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
