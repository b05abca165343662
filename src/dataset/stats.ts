// Per-concept statistics of a dataset, from every image's labels: what `dataset info` prints and
// what the Broden writer puts in label.csv / c_<cat>.csv / category.csv.
import type { ConceptDataset, ImageLabels } from './types.js';

export interface ConceptStats {
  readonly number: number;
  readonly name: string;
  readonly categories: readonly string[];
  readonly primaryCategory: string;
  /** Per category: labelled pixels (all channels; an image-level label counts every pixel). */
  readonly pixels: Map<string, number>;
  /** Per category: images having the label. */
  readonly images: Map<string, number>;
  /** Per category: Σ over images of labelled pixels / image pixels (image-equivalents). */
  readonly coverage: Map<string, number>;
}

export interface DatasetStats {
  readonly images: number;
  /** Images with data per category. */
  readonly categoryImages: Map<string, number>;
  /** Label resolutions "HxW" → image count. */
  readonly labelSizes: Map<string, number>;
  readonly concepts: ConceptStats[];
  /** Label numbers met in maps that the label table does not have (with a count of pixels). */
  readonly unknown: Map<number, number>;
}

/** Accumulates statistics image by image (labels are not kept). */
export class StatsCollector {
  private readonly byNumber = new Map<number, ConceptStats>();
  private readonly categoryImages = new Map<string, number>();
  private readonly labelSizes = new Map<string, number>();
  private readonly unknown = new Map<number, number>();
  private images = 0;
  private readonly counts = new Float64Array(65536);

  constructor(private readonly ds: ConceptDataset) {
    for (const l of ds.labels) {
      if (!l || l.number === 0) continue;
      this.byNumber.set(l.number, { ...l, pixels: new Map(), images: new Map(), coverage: new Map() });
    }
  }

  add(index: number, labels: ImageLabels): void {
    const rec = this.ds.images[index]!;
    const area = rec.sh * rec.sw;
    const size = `${rec.sh}x${rec.sw}`;
    this.labelSizes.set(size, (this.labelSizes.get(size) ?? 0) + 1);
    this.images++;
    for (const [cat, ann] of labels.byCategory) {
      const seen: number[] = [];
      const counts = this.counts;
      for (const map of ann.maps) {
        for (let i = 0; i < map.length; i++) {
          const v = map[i]!;
          if (v === 0) continue;
          if (counts[v] === 0) seen.push(v);
          counts[v]!++;
        }
      }
      for (const n of ann.imageLabels) {
        if (counts[n] === 0) seen.push(n);
        counts[n]! += area;
      }
      if (seen.length > 0) this.categoryImages.set(cat, (this.categoryImages.get(cat) ?? 0) + 1);
      for (const n of seen) {
        const px = counts[n]!;
        counts[n] = 0;
        const s = this.byNumber.get(n);
        if (!s) {
          this.unknown.set(n, (this.unknown.get(n) ?? 0) + px);
          continue;
        }
        s.pixels.set(cat, (s.pixels.get(cat) ?? 0) + px);
        s.images.set(cat, (s.images.get(cat) ?? 0) + 1);
        s.coverage.set(cat, (s.coverage.get(cat) ?? 0) + px / area);
      }
    }
  }

  result(): DatasetStats {
    return {
      images: this.images,
      categoryImages: this.categoryImages,
      labelSizes: this.labelSizes,
      concepts: [...this.byNumber.values()].sort((a, b) => a.number - b.number),
      unknown: this.unknown,
    };
  }
}

/** Total over categories. */
export function total(m: ReadonlyMap<string, number>): number {
  let t = 0;
  for (const v of m.values()) t += v;
  return t;
}
