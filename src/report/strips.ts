// The unit strips: per unit, its top-k photos side by side, as two JPEG files: small tiles with
// the pixels outside the unit's mask dimmed to 20 % (the grid), large tiles with the mask
// outlined (the unit detail). Composited here, never in the browser: photos are decoded once
// (PhotoCache), pixels composited sparsely on this thread (Compositor), JPEGs encoded by sharp
// on its threads, so compositing one unit overlaps the encoding of the previous ones.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { UnitResult } from '../run/results-types.js';
import { Compositor, type TileSize } from './composite.js';
import { outlineKey, type GroundTruth } from './ground-truth.js';
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
  /** Ground truth of each unit's concept, outlined in the large strips; null: none. */
  readonly truth: GroundTruth | null;
  /** JPEG encodes to keep in flight at once (about the number of cores). */
  readonly encoders: number;
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

/** Output buffers, one pair per unit in flight (its JPEGs encode while others composite). */
interface Slot {
  readonly small: Uint8Array;
  readonly large: Uint8Array;
}

/** The labels whose ground truth each shown image needs outlined: image → labels. */
function truthNeeds(jobs: readonly { unit: UnitResult }[], topK: number): Map<number, Set<number>> {
  const needs = new Map<number, Set<number>>();
  for (const { unit } of jobs) {
    if (unit.label <= 0) continue;
    for (const t of unit.topImages.slice(0, topK)) {
      let labels = needs.get(t.image);
      if (!labels) needs.set(t.image, (labels = new Set()));
      labels.add(unit.label);
    }
  }
  return needs;
}

/** Write every unit's two strips; resolves with the number of units done. */
export async function writeStrips(layers: readonly StripLayer[], options: StripOptions): Promise<number> {
  const { outDir, small, large, topK } = options;
  const jobs: { layer: StripLayer; unit: UnitResult }[] = [];
  for (const layer of layers) {
    await mkdir(join(outDir, 'units', layer.dir), { recursive: true });
    for (const unit of layer.units) jobs.push({ layer, unit });
  }
  // Compositing is sparse typed-array work on this thread; sharp decodes photos and encodes
  // JPEGs on its own threads meanwhile. Enough units in flight to keep those threads busy.
  const inFlight = Math.min(Math.max(2, options.encoders * 2), Math.max(jobs.length, 1));
  const slots: Slot[] = Array.from({ length: inFlight }, () => ({
    small: new Uint8Array(Math.max(topK, 1) * small.w * small.h * 3),
    large: new Uint8Array(Math.max(topK, 1) * large.w * large.h * 3),
  }));
  // Photos decode on sharp's threads while this thread reads the ground truth.
  const prefetch: Promise<unknown>[] = [];
  const seen = new Set<string>();
  for (const { layer, unit } of jobs) {
    for (const t of unit.topImages.slice(0, topK)) {
      const file = layer.imageFiles[t.image];
      if (file === undefined || seen.has(file) || seen.size >= options.cache.capacity) continue;
      seen.add(file);
      prefetch.push(options.cache.get(file, t.image).catch(() => {})); // a failure is reported by the unit needing it
    }
  }
  const outlines = options.truth ? await options.truth.outlines(truthNeeds(jobs, topK), large) : new Map<number, Int32Array>();
  await Promise.all(prefetch);
  const compositor = new Compositor();
  let done = 0;
  await runPool(jobs.length, inFlight, async (i, lane) => {
    const { layer, unit } = jobs[i] as (typeof jobs)[number];
    await writeUnitStrips(layer, unit, slots[lane] as Slot, compositor, outlines, options);
    done++;
    options.onProgress?.(done, jobs.length);
  });
  return jobs.length;
}

async function writeUnitStrips(layer: StripLayer, unit: UnitResult, slot: Slot, compositor: Compositor, outlines: ReadonlyMap<number, Int32Array>, options: StripOptions): Promise<void> {
  const { small, large, cache, topK } = options;
  const top = unit.topImages.slice(0, topK);
  const photos = await Promise.all(top.map((t) => cache.get(layer.imageFiles[t.image] as string, t.image)));
  const truths = options.truth && unit.label > 0 ? top.map((t) => outlines.get(outlineKey(t.image, unit.label))) : undefined;
  const n = Math.max(top.length, 1);
  const smallBytes = n * small.w * small.h * 3;
  const largeBytes = n * large.w * large.h * 3;
  if (top.length === 0) {
    slot.small.fill(48, 0, smallBytes); // a unit without images gets one grey tile
    slot.large.fill(48, 0, largeBytes);
  } else {
    compositor.composite({
      h: layer.h,
      w: layer.w,
      threshold: unit.threshold,
      maps: top.map((t) => Float32Array.from(t.map)),
      tiles: photos,
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
