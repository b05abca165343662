// Compositing of one unit's two strips from its photos' tiles and activation maps (pure
// computation on typed arrays; runs in the strip workers so several units composite at once).
import { MaskUpsampler, blitDimmed, blitOutlined, dimTable } from './unit-mask.js';

/** Brightness kept outside the mask in the grid strips. */
export const DIM = 0.2;
/** Colour of the mask outline in the large strips. */
export const OUTLINE: readonly [number, number, number] = [255, 208, 0];
const DIMMED = dimTable(DIM);

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
  /** Outputs: strips of maps.length tiles (at least n*w*h*3 bytes each). */
  readonly smallOut: Uint8Array;
  readonly largeOut: Uint8Array;
}

/** Upsamplers and scratch masks, kept per (map size, tile size) across jobs. */
export class Compositor {
  private readonly upsamplers = new Map<string, { up: MaskUpsampler; mask: Uint8Array }>();

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
      blitOutlined(job.largeTiles[k] as Uint8Array, l.mask, large.w, large.h, job.largeOut, n * large.w, k * large.w, OUTLINE);
    }
  }
}
