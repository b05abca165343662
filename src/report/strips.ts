// The unit strips: per unit, its top-k photos side by side, as two JPEG files: small tiles with
// the pixels outside the unit's mask dimmed to 20 % (the grid), large tiles with the mask
// outlined (the unit detail). Composited here, never in the browser: photos are decoded once
// (PhotoCache, shared memory), pixels composited in worker threads, JPEGs encoded by sharp.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import type { UnitResult } from '../run/results-types.js';
import type { CompositeJob, TileSize } from './composite.js';
import type { GroundTruth } from './ground-truth.js';
import type { PhotoCache } from './photo-cache.js';

export interface StripLayer {
  readonly dir: string;
  /** Activation map size of the layer. */
  readonly h: number;
  readonly w: number;
  readonly units: readonly UnitResult[];
  /** Dataset-relative photo paths by image index. */
  readonly imageFiles: readonly string[];
}

export interface StripOptions {
  readonly outDir: string; // the report folder
  readonly topK: number;
  readonly small: TileSize;
  readonly large: TileSize;
  readonly cache: PhotoCache;
  /** Ground-truth masks of each unit's concept, outlined in the large strips; null: none. */
  readonly truth: GroundTruth | null;
  /** Worker threads compositing pixels. */
  readonly workers: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Report-relative paths of a unit's strips. */
export function stripPaths(dir: string, unit: number): { small: string; large: string } {
  const name = String(unit).padStart(4, '0');
  return { small: `units/${dir}/${name}.jpg`, large: `units/${dir}/${name}-large.jpg` };
}

// The Huffman-optimising pass costs 3.5× the encode time and saves under 1 % on photos.
const SMALL_JPEG = { quality: 82, optimiseCoding: false } as const;
const LARGE_JPEG = { quality: 85, optimiseCoding: false } as const;

/** Worker threads running Compositor.composite, fed round-robin. */
class CompositorPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('./strip-worker.js', import.meta.url));
      worker.on('message', (m: { id: number; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(`compositing a unit strip failed: ${m.error}`));
        else p?.resolve();
      });
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`strip worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  run(job: CompositeJob): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.workers[id % this.workers.length] as Worker).postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Output buffers in shared memory, one pair per unit in flight, reused. */
interface Slot {
  readonly small: Uint8Array;
  readonly large: Uint8Array;
}

/** Write every unit's two strips; resolves with the number of units done. */
export async function writeStrips(layers: readonly StripLayer[], options: StripOptions): Promise<number> {
  const { outDir, small, large, topK } = options;
  const jobs: { layer: StripLayer; unit: UnitResult }[] = [];
  for (const layer of layers) {
    await mkdir(join(outDir, 'units', layer.dir), { recursive: true });
    for (const unit of layer.units) jobs.push({ layer, unit });
  }
  const workers = Math.max(1, options.workers);
  // Enough units in flight to keep the workers and sharp's threads busy while photos decode.
  const inFlight = Math.min(workers * 3 + 2, Math.max(jobs.length, 1));
  const slots: Slot[] = Array.from({ length: inFlight }, () => ({
    small: new Uint8Array(new SharedArrayBuffer(Math.max(topK, 1) * small.w * small.h * 3)),
    large: new Uint8Array(new SharedArrayBuffer(Math.max(topK, 1) * large.w * large.h * 3)),
  }));
  const pool = new CompositorPool(workers);
  let done = 0;
  try {
    await runPool(jobs.length, inFlight, async (i, worker) => {
      const { layer, unit } = jobs[i] as (typeof jobs)[number];
      await writeUnitStrips(layer, unit, slots[worker] as Slot, pool, options);
      done++;
      options.onProgress?.(done, jobs.length);
    });
  } finally {
    await pool.close();
  }
  return jobs.length;
}

async function writeUnitStrips(layer: StripLayer, unit: UnitResult, slot: Slot, pool: CompositorPool, options: StripOptions): Promise<void> {
  const { small, large, cache, topK } = options;
  const top = unit.topImages.slice(0, topK);
  const photos = await Promise.all(top.map((t) => cache.get(layer.imageFiles[t.image] as string, t.image)));
  const truth = options.truth;
  const truths = truth && unit.label > 0 ? await Promise.all(top.map((t) => truth.mask(t.image, unit.label))) : undefined;
  const n = Math.max(top.length, 1);
  const smallBytes = n * small.w * small.h * 3;
  const largeBytes = n * large.w * large.h * 3;
  if (top.length === 0) {
    slot.small.fill(48, 0, smallBytes); // a unit without images gets one grey tile
    slot.large.fill(48, 0, largeBytes);
  } else {
    await pool.run({
      h: layer.h,
      w: layer.w,
      threshold: unit.threshold,
      maps: top.map((t) => Float32Array.from(t.map)),
      smallTiles: photos.map((p) => p.small),
      largeTiles: photos.map((p) => p.large),
      ...(truths ? { truths } : {}),
      small,
      large,
      smallOut: slot.small,
      largeOut: slot.large,
    });
  }
  const paths = stripPaths(layer.dir, unit.unit);
  const view = (a: Uint8Array, bytes: number): Buffer => Buffer.from(a.buffer, a.byteOffset, bytes);
  await Promise.all([
    sharp(view(slot.small, smallBytes), { raw: { width: n * small.w, height: small.h, channels: 3 } })
      .jpeg(SMALL_JPEG)
      .toFile(join(options.outDir, paths.small)),
    sharp(view(slot.large, largeBytes), { raw: { width: n * large.w, height: large.h, channels: 3 } })
      .jpeg(LARGE_JPEG)
      .toFile(join(options.outDir, paths.large)),
  ]);
}

/**
 * Run `task(0..count-1)` on `concurrency` sequential lanes; `lane` tells the task which lane
 * runs it (so it can own per-lane buffers). The first failure rejects.
 */
export async function runPool(count: number, concurrency: number, task: (index: number, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (id: number): Promise<void> => {
    while (next < count) await task(next++, id);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, id) => lane(id)));
}
