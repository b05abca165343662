// The unit strips: per unit, its top-k photos side by side, as two JPEG files: small tiles with
// the pixels outside the unit's mask dimmed to 20 % (the grid), large tiles with the mask
// outlined (the unit detail). Composited here with sharp, never in the browser.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { UnitResult } from '../run/results-types.js';
import { PhotoCache, type TileSize } from './photo-cache.js';
import { MaskUpsampler, blitDimmed, blitOutlined } from './unit-mask.js';

/** Brightness kept outside the mask in the grid strips. */
export const DIM = 0.2;
const OUTLINE: readonly [number, number, number] = [255, 208, 0];
const EMPTY_GREY = 48;

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
  /** Units composited at once (each waits on photo decodes and two encodes). */
  readonly concurrency: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Report-relative paths of a unit's strips. */
export function stripPaths(dir: string, unit: number): { small: string; large: string } {
  const name = String(unit).padStart(4, '0');
  return { small: `units/${dir}/${name}.jpg`, large: `units/${dir}/${name}-large.jpg` };
}

/** Write every unit's two strips; resolves with the number of strips per size written. */
export async function writeStrips(layers: readonly StripLayer[], options: StripOptions): Promise<number> {
  const { outDir, small, large } = options;
  const jobs: { layer: StripLayer; unit: UnitResult; up: LayerUpsamplers }[] = [];
  for (const layer of layers) {
    await mkdir(join(outDir, 'units', layer.dir), { recursive: true });
    const up: LayerUpsamplers = {
      small: new MaskUpsampler(layer.h, layer.w, small.h, small.w),
      large: new MaskUpsampler(layer.h, layer.w, large.h, large.w),
      smallMask: new Uint8Array(small.w * small.h),
      largeMask: new Uint8Array(large.w * large.h),
    };
    for (const unit of layer.units) jobs.push({ layer, unit, up });
  }
  let done = 0;
  await runPool(jobs.length, options.concurrency, async (i) => {
    const job = jobs[i] as (typeof jobs)[number];
    await writeUnitStrips(job.layer, job.unit, job.up, options);
    done++;
    options.onProgress?.(done, jobs.length);
  });
  return jobs.length;
}

interface LayerUpsamplers {
  readonly small: MaskUpsampler;
  readonly large: MaskUpsampler;
  /** Scratch masks: filled and consumed synchronously, so concurrent units can share them. */
  readonly smallMask: Uint8Array;
  readonly largeMask: Uint8Array;
}

async function writeUnitStrips(layer: StripLayer, unit: UnitResult, up: LayerUpsamplers, options: StripOptions): Promise<void> {
  const { small, large, cache, topK } = options;
  const top = unit.topImages.slice(0, topK);
  const photos = await Promise.all(top.map((t) => cache.get(layer.imageFiles[t.image] as string, t.image)));
  const n = Math.max(top.length, 1);
  const smallStrip = new Uint8Array(n * small.w * small.h * 3).fill(EMPTY_GREY);
  const largeStrip = new Uint8Array(n * large.w * large.h * 3).fill(EMPTY_GREY);
  for (let k = 0; k < top.length; k++) {
    const map = (top[k] as (typeof top)[number]).map;
    const photo = photos[k] as (typeof photos)[number];
    up.small.mask(map, unit.threshold, up.smallMask);
    blitDimmed(photo.small, up.smallMask, small.w, small.h, smallStrip, n * small.w, k * small.w, DIM);
    up.large.mask(map, unit.threshold, up.largeMask);
    blitOutlined(photo.large, up.largeMask, large.w, large.h, largeStrip, n * large.w, k * large.w, OUTLINE);
  }
  const paths = stripPaths(layer.dir, unit.unit);
  await Promise.all([
    sharp(smallStrip, { raw: { width: n * small.w, height: small.h, channels: 3 } })
      .jpeg({ quality: 82 })
      .toFile(join(options.outDir, paths.small)),
    sharp(largeStrip, { raw: { width: n * large.w, height: large.h, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(join(options.outDir, paths.large)),
  ]);
}

/** Run `task(0..count-1)` with at most `concurrency` in flight; the first failure rejects. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
