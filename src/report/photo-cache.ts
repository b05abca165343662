// Decoded photos at tile size, shared by every unit (and layer) that shows the same image: each
// photo is decoded and resized once while it stays in this bounded least-recently-used cache.
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../util/errors.js';

import type { TileSize } from './composite.js';

/** One photo as interleaved RGB at the small and the large tile size, in shared memory (the
 *  compositing workers read it without a copy). */
export interface PhotoTiles {
  readonly small: Uint8Array;
  readonly large: Uint8Array;
}

export class PhotoCache {
  private readonly entries = new Map<string, Promise<PhotoTiles>>();
  private readonly capacity: number;
  /** Photos decoded so far (a photo evicted and needed again counts twice). */
  decoded = 0;

  constructor(
    private readonly root: string,
    readonly small: TileSize,
    readonly large: TileSize,
    maxBytes: number,
  ) {
    const perPhoto = (small.w * small.h + large.w * large.h) * 3;
    this.capacity = Math.max(16, Math.floor(maxBytes / perPhoto));
  }

  /** The tiles of the photo at dataset-relative path `file` (image `index`, for messages). */
  get(file: string, index: number): Promise<PhotoTiles> {
    const hit = this.entries.get(file);
    if (hit) {
      this.entries.delete(file); // re-insert: Map order is the recency order
      this.entries.set(file, hit);
      return hit;
    }
    const loading = this.load(file, index);
    this.entries.set(file, loading);
    loading.catch(() => this.entries.delete(file));
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return loading;
  }

  private async load(file: string, index: number): Promise<PhotoTiles> {
    const path = join(this.root, file);
    this.decoded++;
    try {
      // The tile shows the photo as the model saw it: stretched to the input's aspect ratio.
      const large = await sharp(path)
        .resize(this.large.w, this.large.h, { fit: 'fill' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (large.info.channels !== 3) throw new Error(`decoded to ${large.info.channels} channels, expected 3`);
      const small = await sharp(large.data, { raw: { width: this.large.w, height: this.large.h, channels: 3 } })
        .resize(this.small.w, this.small.h, { fit: 'fill' })
        .raw()
        .toBuffer();
      return { small: shared(small), large: shared(large.data) };
    } catch (err) {
      throw new DatasetError(
        `${path}: cannot read the photo of image ${index} (${(err as Error).message}); check that the dataset is at this path, or pass --dataset DIR`,
      );
    }
  }
}

function shared(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}
