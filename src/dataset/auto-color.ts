// Automatic colour concepts: any dataset gains a `color` category (the first one) whose labels are
// the 11 Broden colour names, computed per pixel from the photo itself.
//
// Method (documented in docs/datasets.md):
//   1. The photo is sampled at the label resolution by nearest neighbour (the same convention as
//      label maps, src/dataset/nearest.ts), so each label pixel takes one photo pixel.
//   2. sRGB (8-bit) → linear RGB → CIE XYZ (D65) → CIELAB.
//   3. Each colour name has one or more prototype colours (below, in sRGB). The pixel's distance
//      to a name is the smallest Euclidean CIELAB distance (ΔE*76) to that name's prototypes.
//   4. The pixel gets the nearest name unless it is unsure: d1 > MAX_DISTANCE (far from every
//      prototype), or d1 / d2 > MAX_RATIO where d2 is the distance to the second-nearest name
//      (too close to call). Unsure pixels are unlabelled (0).
import { nearestIndices } from './nearest.js';
import type { CategoryAnnotation, ConceptDataset, ConceptLabel, ImageLabels } from './types.js';
import { UsageError } from '../util/errors.js';

export const COLOR_CATEGORY = 'color';

/** The 11 Broden colour names, in Broden's order, with sRGB prototypes. */
export const COLOR_PROTOTYPES: readonly { readonly name: string; readonly srgb: readonly (readonly [number, number, number])[] }[] = [
  { name: 'black', srgb: [[0, 0, 0]] },
  { name: 'blue', srgb: [[0, 0, 255], [0, 0, 139], [65, 105, 225], [70, 130, 180]] },
  { name: 'brown', srgb: [[139, 69, 19], [160, 82, 45], [101, 67, 33]] },
  { name: 'green', srgb: [[0, 128, 0], [0, 255, 0], [34, 139, 34], [107, 142, 35]] },
  { name: 'grey', srgb: [[128, 128, 128], [80, 80, 80], [192, 192, 192]] },
  { name: 'orange', srgb: [[255, 165, 0], [255, 140, 0]] },
  { name: 'pink', srgb: [[255, 192, 203], [255, 105, 180]] },
  { name: 'purple', srgb: [[128, 0, 128], [148, 0, 211]] },
  { name: 'red', srgb: [[255, 0, 0], [178, 34, 34], [139, 0, 0]] },
  { name: 'white', srgb: [[255, 255, 255]] },
  { name: 'yellow', srgb: [[255, 255, 0], [255, 215, 0]] },
];

/** Farther than this (ΔE*76) from every prototype: unlabelled. */
export const MAX_DISTANCE = 40;
/** Nearest / second-nearest name distance above this: unlabelled. */
export const MAX_RATIO = 0.8;

/** sRGB 8-bit → CIELAB (D65 white), as [L, a, b]. */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (c: number): number => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const R = lin(r);
  const G = lin(g);
  const B = lin(b);
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

const PROTO_LAB: Float64Array = Float64Array.from(COLOR_PROTOTYPES.flatMap((c) => c.srgb.flatMap(([r, g, b]) => srgbToLab(r, g, b))));
const PROTO_NAME: Int32Array = Int32Array.from(COLOR_PROTOTYPES.flatMap((c, k) => c.srgb.map(() => k)));

/**
 * Colour name index (0..10, COLOR_PROTOTYPES order) of one sRGB pixel, or -1 when unsure.
 * `dist` is scratch space of COLOR_PROTOTYPES.length elements.
 */
export function classifyColor(r: number, g: number, b: number, dist: Float64Array = new Float64Array(COLOR_PROTOTYPES.length)): number {
  const [L, A, B] = srgbToLab(r, g, b);
  dist.fill(Infinity);
  for (let p = 0; p < PROTO_NAME.length; p++) {
    const dl = L - PROTO_LAB[3 * p]!;
    const da = A - PROTO_LAB[3 * p + 1]!;
    const db = B - PROTO_LAB[3 * p + 2]!;
    const d = Math.sqrt(dl * dl + da * da + db * db);
    const k = PROTO_NAME[p]!;
    if (d < dist[k]!) dist[k] = d;
  }
  let best = -1;
  let d1 = Infinity;
  let d2 = Infinity;
  for (let k = 0; k < dist.length; k++) {
    const d = dist[k]!;
    if (d < d1) {
      d2 = d1;
      d1 = d;
      best = k;
    } else if (d < d2) d2 = d;
  }
  if (d1 > MAX_DISTANCE || d1 > MAX_RATIO * d2) return -1;
  return best;
}

/**
 * Colour label map of an RGB photo at sh×sw: value = firstNumber + name index, 0 when unsure.
 * Pixels are cached by colour within one call (photos repeat colours a lot).
 */
export function colorMap(rgb: Uint8Array, width: number, height: number, sh: number, sw: number, firstNumber: number): Uint16Array {
  const rows = nearestIndices(height, sh);
  const cols = nearestIndices(width, sw);
  const out = new Uint16Array(sh * sw);
  const cache = new Map<number, number>();
  const dist = new Float64Array(COLOR_PROTOTYPES.length);
  let o = 0;
  for (let y = 0; y < sh; y++) {
    const row = rows[y]! * width;
    for (let x = 0; x < sw; x++) {
      const s = (row + cols[x]!) * 3;
      const key = (rgb[s]! << 16) | (rgb[s + 1]! << 8) | rgb[s + 2]!;
      let k = cache.get(key);
      if (k === undefined) {
        k = classifyColor(rgb[s]!, rgb[s + 1]!, rgb[s + 2]!, dist);
        cache.set(key, k);
      }
      out[o++] = k < 0 ? 0 : firstNumber + k;
    }
  }
  return out;
}

/**
 * Wrap `base` so it has a `color` category first, labelled from each photo. Colour labels are
 * numbered right after the base's largest label number, in COLOR_PROTOTYPES order.
 */
export function withAutoColor(base: ConceptDataset): ConceptDataset {
  if (base.categories.includes(COLOR_CATEGORY)) {
    throw new UsageError(`${base.root} already has a '${COLOR_CATEGORY}' category; drop --auto-color (or select other categories with --categories)`);
  }
  const first = base.labels.length;
  if (first + COLOR_PROTOTYPES.length > 65536) {
    throw new UsageError(`${base.root}: no label numbers left for colour concepts (largest label number is ${first - 1})`);
  }
  const labels: (ConceptLabel | undefined)[] = [...base.labels];
  COLOR_PROTOTYPES.forEach((c, k) => {
    labels[first + k] = { number: first + k, name: c.name, categories: [COLOR_CATEGORY], primaryCategory: COLOR_CATEGORY };
  });
  return {
    format: base.format,
    root: base.root,
    categories: [COLOR_CATEGORY, ...base.categories],
    labels,
    images: base.images,
    identityFiles: base.identityFiles,
    readImage: (index) => base.readImage(index),
    async readLabels(index: number): Promise<ImageLabels> {
      const [own, photo] = await Promise.all([base.readLabels(index), base.readImage(index)]);
      const rec = base.images[index]!;
      const map = colorMap(photo.data, photo.width, photo.height, rec.sh, rec.sw, first);
      const byCategory = new Map<string, CategoryAnnotation>();
      if (map.some((v) => v !== 0)) byCategory.set(COLOR_CATEGORY, { maps: [map], imageLabels: [] });
      for (const [cat, ann] of own.byCategory) byCategory.set(cat, ann);
      return { byCategory };
    },
  };
}
