// Decoded photos at tile size, shared by every unit (and layer) that shows the same image: each
// photo is decoded and resized once while it stays in this bounded least-recently-used cache.
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../util/errors.js';

import { DEFAULT_DIM, dimTable, type TileSet, type TileSize } from './composite.js';

/** One photo as interleaved RGB at the small and the large tile size, and the small tile
 *  dimmed (every unit showing the photo copies it, then restores its mask's pixels). */
export type PhotoTiles = TileSet;

export class PhotoCache {
  private readonly entries = new Map<string, Promise<PhotoTiles>>();
  /** Photos held at most. */
  readonly capacity: number;
  /** Photos decoded so far (a photo evicted and needed again counts twice). */
  decoded = 0;
  private readonly dimmed: Uint8Array;

  constructor(
    private readonly root: string,
    readonly small: TileSize,
    readonly large: TileSize,
    maxBytes: number,
    /** Brightness kept in the dimmed small tile. */
    dim: number = DEFAULT_DIM,
  ) {
    this.dimmed = dimTable(dim);
    const perPhoto = (2 * small.w * small.h + large.w * large.h) * 3;
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
      // The usual small tile is half the large one: a 2×2 average here costs far less than a
      // second sharp pipeline per photo.
      const small =
        this.large.w === 2 * this.small.w && this.large.h === 2 * this.small.h
          ? halve(large.data, this.small.w, this.small.h)
          : await sharp(large.data, { raw: { width: this.large.w, height: this.large.h, channels: 3 } })
              .resize(this.small.w, this.small.h, { fit: 'fill' })
              .raw()
              .toBuffer();
      const smallDimmed = new Uint8Array(small.length);
      for (let i = 0; i < small.length; i++) smallDimmed[i] = this.dimmed[small[i] as number] as number;
      return { small, smallDimmed, large: large.data };
    } catch (err) {
      throw new DatasetError(
        `${path}: cannot read the photo of image ${index} (${(err as Error).message}); check that the dataset is at this path, or pass --dataset DIR`,
      );
    }
  }
}

/** Downscale RGB pixels of (2w)×(2h) to w×h: each output is the rounded mean of its 2×2 block. */
export function halve(src: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const stride = w * 6; // one source row
  let o = 0;
  for (let y = 0; y < h; y++) {
    const end = (2 * y + 1) * stride;
    for (let a = 2 * y * stride; a < end; a += 6, o += 3) {
      const b = a + stride;
      out[o] = ((src[a] as number) + (src[a + 3] as number) + (src[b] as number) + (src[b + 3] as number) + 2) >> 2;
      out[o + 1] = ((src[a + 1] as number) + (src[a + 4] as number) + (src[b + 1] as number) + (src[b + 4] as number) + 2) >> 2;
      out[o + 2] = ((src[a + 2] as number) + (src[a + 5] as number) + (src[b + 2] as number) + (src[b + 5] as number) + 2) >> 2;
    }
  }
  return out;
}
