// Compositing of one unit's two strips from its photos' tiles and activation maps (pure
// computation on typed arrays; runs in the strip workers so several units composite at once).
import { nearestIndices } from '../dataset/nearest.js';
import { MaskUpsampler, blitDimmed, copyTile, dimTable, paintEdges } from './unit-mask.js';

/** Brightness kept outside the mask in the grid strips. */
export const DIM = 0.2;
/** Colour of the mask outline in the large strips. */
export const OUTLINE: readonly [number, number, number] = [255, 208, 0];
/** Colour of the ground-truth outline of the unit's concept in the large strips. */
export const TRUTH_OUTLINE: readonly [number, number, number] = [0, 225, 255];
const DIMMED = dimTable(DIM);

/** A label mask at the label resolution (1 = the pixel has the unit's concept). */
export interface TruthMask {
  readonly data: Uint8Array;
  readonly h: number;
  readonly w: number;
}

export interface TileSize {
  readonly w: number;
  readonly h: number;
}

/** Everything needed to composite one unit; arrays may live in SharedArrayBuffers. */
export interface CompositeJob {
  readonly h: number; // activation map size
  readonly w: number;
  readonly threshold: number;
  /** The maps of the shown images, h*w each, in strip order. */
  readonly maps: readonly Float32Array[];
  /** RGB tiles of the same images at the small and the large size. */
  readonly smallTiles: readonly Uint8Array[];
  readonly largeTiles: readonly Uint8Array[];
  readonly small: TileSize;
  readonly large: TileSize;
  /** Ground-truth masks of the unit's concept per image, when the dataset is available. */
  readonly truths?: readonly TruthMask[];
  /** Outputs: strips of maps.length tiles (at least n*w*h*3 bytes each). */
  readonly smallOut: Uint8Array;
  readonly largeOut: Uint8Array;
}

/** Upsamplers and scratch masks, kept per (map size, tile size) across jobs. */
export class Compositor {
  private readonly upsamplers = new Map<string, { up: MaskUpsampler; mask: Uint8Array }>();
  private readonly nearest = new Map<string, { rows: Int32Array; cols: Int32Array; mask: Uint8Array }>();

  /** Resize a truth mask to `size` by nearest neighbour (the dataset's own label convention). */
  private truthAt(t: TruthMask, size: TileSize): Uint8Array {
    const key = `${t.h}x${t.w}>${size.h}x${size.w}`;
    let e = this.nearest.get(key);
    if (!e) this.nearest.set(key, (e = { rows: nearestIndices(t.h, size.h), cols: nearestIndices(t.w, size.w), mask: new Uint8Array(size.w * size.h) }));
    const { rows, cols, mask } = e;
    let o = 0;
    for (let y = 0; y < size.h; y++) {
      const row = (rows[y] as number) * t.w;
      for (let x = 0; x < size.w; x++) mask[o++] = t.data[row + (cols[x] as number)] as number;
    }
    return mask;
  }

  private upsampler(h: number, w: number, size: TileSize): { up: MaskUpsampler; mask: Uint8Array } {
    const key = `${h}x${w}>${size.h}x${size.w}`;
    let entry = this.upsamplers.get(key);
    if (!entry) this.upsamplers.set(key, (entry = { up: new MaskUpsampler(h, w, size.h, size.w), mask: new Uint8Array(size.w * size.h) }));
    return entry;
  }

  /** Fill job.smallOut (pixels outside the mask dimmed) and job.largeOut (mask outlined). */
  composite(job: CompositeJob): void {
    const { small, large, maps } = job;
    const s = this.upsampler(job.h, job.w, small);
    const l = this.upsampler(job.h, job.w, large);
    const n = maps.length;
    for (let k = 0; k < n; k++) {
      const map = maps[k] as Float32Array;
      // A map whose maximum is ≤ the threshold has an empty mask: no need to upsample it.
      let max = -Infinity;
      for (let i = 0; i < map.length; i++) if ((map[i] as number) > max) max = map[i] as number;
      if (max > job.threshold) {
        s.up.mask(map, job.threshold, s.mask);
        l.up.mask(map, job.threshold, l.mask);
      } else {
        s.mask.fill(0);
        l.mask.fill(0);
      }
      blitDimmed(job.smallTiles[k] as Uint8Array, s.mask, small.w, small.h, job.smallOut, n * small.w, k * small.w, DIMMED);
      copyTile(job.largeTiles[k] as Uint8Array, large.w, large.h, job.largeOut, n * large.w, k * large.w);
      const truth = job.truths?.[k];
      if (truth && truth.h > 0 && truth.w > 0) paintEdges(this.truthAt(truth, large), large.w, large.h, job.largeOut, n * large.w, k * large.w, TRUTH_OUTLINE);
      paintEdges(l.mask, large.w, large.h, job.largeOut, n * large.w, k * large.w, OUTLINE);
    }
  }
}
