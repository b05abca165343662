// Ground-truth outlines for the unit detail: the edge of the pixels of an image labelled with
// the unit's best concept, read through the dataset the run used (reopened from the dataset spec
// run.json records). When the dataset cannot be reopened or differs from the run, the report
// goes on without them and says why.
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import type { LayerResults } from '../run/results-types.js';
import type { RunManifest } from '../run/run-types.js';
import { reopenDataset } from '../run/reopen-dataset.js';
import type { TileSize } from './composite.js';
import { OutlineScratch, outlineAt } from './outline.js';

export { OutlineScratch, outlineAt };

export interface GroundTruth {
  /**
   * The outline at tile size `size` of each wanted label's mask in each image (`needs`: image →
   * labels), keyed by outlineKey(image, label): tile pixel indices, ascending. Each image's labels
   * are decoded once, whatever the number of units showing it.
   */
  outlines(needs: ReadonlyMap<number, ReadonlySet<number>>, size: TileSize): Promise<Map<number, Int32Array>>;
  /**
   * The masks themselves at label resolution (for the viewer, which outlines them at whatever
   * size it draws), keyed like outlines; 'full' for an image-level label.
   */
  masks(needs: ReadonlyMap<number, ReadonlySet<number>>): Promise<Map<number, LabelMask>>;
}

/** One label's truth in one image at label resolution. */
export interface LabelMask {
  readonly h: number;
  readonly w: number;
  readonly mask: Uint8Array | 'full';
}

/** Key of the outline of `label` in `image`. */
export function outlineKey(image: number, label: number): number {
  return image * 65536 + label;
}

/**
 * Reopen the run's dataset. For folder formats (Broden, ADE20K) `datasetRoot`, the root the
 * report found the photos in, replaces the recorded --dataset (which may be relative to another
 * folder, or moved). Resolves with null and the reason when the dataset cannot be used.
 */
export async function openGroundTruth(
  manifest: RunManifest,
  results: readonly LayerResults[],
  datasetRoot: string | undefined,
): Promise<{ truth: GroundTruth | null; note: string }> {
  let ds: ConceptDataset;
  try {
    ds = await reopenDataset(manifest, datasetRoot);
  } catch (err) {
    return { truth: null, note: `the dataset could not be reopened from run.json (${(err as Error).message})` };
  }
  for (const r of results) {
    for (const u of r.units) {
      for (const t of u.topImages) {
        if (ds.images[t.image]?.file !== r.dataset.imageFiles[t.image]) {
          return { truth: null, note: `the dataset at ${ds.root} differs from the run's (image ${t.image} is ${JSON.stringify(ds.images[t.image]?.file ?? null)}, the run has ${JSON.stringify(r.dataset.imageFiles[t.image])})` };
        }
      }
    }
  }
  return { truth: new DatasetTruth(ds), note: `read from the ${ds.format} dataset at ${ds.root}` };
}

/** Label masks and outlines from a dataset (its images' labels read once each, in order). */
class DatasetTruth implements GroundTruth {
  constructor(private readonly ds: ConceptDataset) {}

  async outlines(needs: ReadonlyMap<number, ReadonlySet<number>>, size: TileSize): Promise<Map<number, Int32Array>> {
    const out = new Map<number, Int32Array>();
    const scratch = new OutlineScratch(size);
    for (const image of [...needs.keys()].sort((a, b) => a - b)) {
      const rec = this.ds.images[image];
      const wanted = [...(needs.get(image) ?? [])].filter((l) => l > 0);
      if (!rec || rec.sh <= 0 || rec.sw <= 0 || wanted.length === 0) continue;
      const masks = labelMasks(await this.ds.readLabels(image), wanted, rec.sh * rec.sw);
      wanted.forEach((label, i) => {
        const m = masks[i];
        // An image-level label covers the whole image: a mask without an edge.
        out.set(outlineKey(image, label), m === 'full' ? new Int32Array(0) : outlineAt(m as Uint8Array, rec.sh, rec.sw, size, scratch));
      });
    }
    return out;
  }

  async masks(needs: ReadonlyMap<number, ReadonlySet<number>>): Promise<Map<number, LabelMask>> {
    const out = new Map<number, LabelMask>();
    for (const image of [...needs.keys()].sort((a, b) => a - b)) {
      const rec = this.ds.images[image];
      const wanted = [...(needs.get(image) ?? [])].filter((l) => l > 0);
      if (!rec || rec.sh <= 0 || rec.sw <= 0 || wanted.length === 0) continue;
      const masks = labelMasks(await this.ds.readLabels(image), wanted, rec.sh * rec.sw);
      wanted.forEach((label, i) => out.set(outlineKey(image, label), { h: rec.sh, w: rec.sw, mask: masks[i] as Uint8Array | 'full' }));
    }
    return out;
  }
}

/**
 * Masks (1 = labelled) of the `wanted` labels over all channels of all categories, in one pass
 * over the label maps, or 'full' for a label the image has as an image-level label: the same
 * truth the IoU counts (DESIGN.md §5.3).
 */
export function labelMasks(labels: ImageLabels, wanted: readonly number[], pixels: number): (Uint8Array | 'full')[] {
  const masks: (Uint8Array | 'full')[] = wanted.map(() => new Uint8Array(pixels));
  const imageLevel = new Set<number>();
  for (const a of labels.byCategory.values()) for (const l of a.imageLabels) imageLevel.add(l);
  const slot = new Map<number, Uint8Array>();
  wanted.forEach((l, i) => {
    if (imageLevel.has(l)) masks[i] = 'full';
    else slot.set(l, masks[i] as Uint8Array);
  });
  if (slot.size === 0) return masks;
  // A label-indexed lookup beats a Map per pixel; only wanted labels get a non-zero entry.
  const which = new Uint8Array(65536);
  const targets: Uint8Array[] = [new Uint8Array(0)];
  for (const [l, m] of slot) {
    which[l] = targets.length;
    targets.push(m);
  }
  for (const a of labels.byCategory.values()) {
    for (const map of a.maps) {
      const n = Math.min(map.length, pixels);
      for (let i = 0; i < n; i++) {
        const t = which[map[i] as number] as number;
        if (t !== 0) (targets[t] as Uint8Array)[i] = 1;
      }
    }
  }
  return masks;
}

