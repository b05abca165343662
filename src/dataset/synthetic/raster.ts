// Turns a layer list into pixels: the photo at size×size and the label maps at sh×sw, both by
// sampling the same shapes at pixel centres, so a label pixel agrees with the 2×2 photo block
// under it. Colour labels are named from the drawn photo (block average, before JPEG).
import { colorLabelOf, PIXEL_NOISE } from './palette.js';
import { bounds, hash3, inside, patternAt, type Layer } from './layers.js';

export interface Raster {
  /** Photo, RGB interleaved, size*size*3. */
  readonly rgb: Uint8Array;
  readonly size: number;
  /** Label maps, sh*sw each (square: sw = sh), global label numbers, 0 = none. */
  readonly labelSize: number;
  readonly color: Uint16Array;
  readonly object: Uint16Array;
  readonly part1: Uint16Array;
  readonly part2: Uint16Array;
  readonly material: Uint16Array;
  /** Object instance per label pixel (blue channel of object and part PNGs). */
  readonly instance: Uint8Array;
}

/** Index of the topmost layer covering each pixel centre of a w×h grid (-1 = none). */
function paintIndex(layers: readonly Layer[], w: number, h: number): Int16Array {
  const out = new Int16Array(w * h).fill(-1);
  for (let l = 0; l < layers.length; l++) {
    const shape = (layers[l] as Layer).shape;
    const [u0, v0, u1, v1] = bounds(shape);
    const xa = Math.max(0, Math.floor(u0 * w - 1));
    const xb = Math.min(w - 1, Math.ceil(u1 * w + 1));
    const ya = Math.max(0, Math.floor(v0 * h - 1));
    const yb = Math.min(h - 1, Math.ceil(v1 * h + 1));
    for (let y = ya; y <= yb; y++) {
      const v = (y + 0.5) / h;
      const row = y * w;
      for (let x = xa; x <= xb; x++) {
        if (inside(shape, (x + 0.5) / w, v)) out[row + x] = l;
      }
    }
  }
  return out;
}

/**
 * Draw the layers. `noiseSeed` varies the per-pixel noise (±PIXEL_NOISE) between images.
 * Pixels no layer covers are black and unlabelled (scenes start with a full-frame layer).
 */
export function rasterize(layers: readonly Layer[], size: number, labelSize: number, noiseSeed: number): Raster {
  const rgb = new Uint8Array(size * size * 3);
  const index = paintIndex(layers, size, size);
  const span = 2 * PIXEL_NOISE + 1;
  for (let y = 0, p = 0; y < size; y++) {
    const v = (y + 0.5) / size;
    for (let x = 0; x < size; x++, p++) {
      const l = index[p] as number;
      if (l < 0) continue;
      const fill = (layers[l] as Layer).fill;
      let t = 0;
      for (const pattern of fill.patterns) {
        const pt = patternAt(pattern, (x + 0.5) / size, v);
        if (pt > t) t = pt;
      }
      const n = (hash3(x, y, noiseSeed) % span) - PIXEL_NOISE;
      const o = p * 3;
      rgb[o] = clamp(fill.a[0] + (fill.b[0] - fill.a[0]) * t + n);
      rgb[o + 1] = clamp(fill.a[1] + (fill.b[1] - fill.a[1]) * t + n);
      rgb[o + 2] = clamp(fill.a[2] + (fill.b[2] - fill.a[2]) * t + n);
    }
  }

  const s = labelSize;
  const lindex = paintIndex(layers, s, s);
  const object = new Uint16Array(s * s);
  const part1 = new Uint16Array(s * s);
  const part2 = new Uint16Array(s * s);
  const material = new Uint16Array(s * s);
  const instance = new Uint8Array(s * s);
  for (let p = 0; p < s * s; p++) {
    const l = lindex[p] as number;
    if (l < 0) continue;
    const layer = layers[l] as Layer;
    object[p] = layer.object;
    part1[p] = layer.part1;
    part2[p] = layer.part2;
    material[p] = layer.material;
    instance[p] = layer.object !== 0 ? layer.instance : 0;
  }

  // Colour label of a label pixel: the average of the photo pixels whose centres fall in it.
  const color = new Uint16Array(s * s);
  for (let y = 0; y < s; y++) {
    const ya = Math.floor((y * size) / s);
    const yb = Math.max(ya + 1, Math.floor(((y + 1) * size) / s));
    for (let x = 0; x < s; x++) {
      const xa = Math.floor((x * size) / s);
      const xb = Math.max(xa + 1, Math.floor(((x + 1) * size) / s));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = ya; yy < yb; yy++) {
        for (let xx = xa; xx < xb; xx++) {
          const o = (yy * size + xx) * 3;
          r += rgb[o] as number;
          g += rgb[o + 1] as number;
          b += rgb[o + 2] as number;
        }
      }
      const n = (yb - ya) * (xb - xa);
      color[y * s + x] = colorLabelOf(r / n, g / n, b / n);
    }
  }
  return { rgb, size, labelSize: s, color, object, part1, part2, material, instance };
}

function clamp(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : Math.round(x);
}
