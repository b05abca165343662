// Ground-truth masks for the unit detail: the pixels of an image labelled with the unit's best
// concept, read through the dataset the run used (reopened from run.json's command line with the
// same dataset flags). When the dataset cannot be reopened or differs from the run, the report
// goes on without them and says why.
import { Command } from 'commander';
import { addDatasetOptions, datasetSpecFromOptions, openDataset, type DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import type { LayerResults } from '../run/results-types.js';
import type { RunManifest } from '../run/run-types.js';

/** A label mask at the dataset's label resolution: 1 where the pixel carries the label. */
export interface TruthMask {
  readonly data: Uint8Array;
  readonly h: number;
  readonly w: number;
}

export interface GroundTruth {
  /** The mask of `label` in `image`; all zeros when the image does not have the label. */
  mask(image: number, label: number): Promise<TruthMask>;
}

/** The dataset flags of the dissect command line recorded in run.json (other flags ignored). */
export function datasetSpecOfCommand(command: readonly string[]): DatasetSpec {
  const cmd = addDatasetOptions(new Command('dissect'))
    .allowUnknownOption()
    .allowExcessArguments()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.parse([...command.slice(command[0] === 'dissect' ? 1 : 0)], { from: 'user' });
  return datasetSpecFromOptions(cmd.opts());
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
    const spec = datasetSpecOfCommand(manifest.command);
    const folderFormat = manifest.dataset.format === 'broden' || manifest.dataset.format === 'ade20k';
    if (datasetRoot !== undefined && folderFormat && spec.images === undefined) spec.dataset = datasetRoot;
    const first = results[0];
    // Formats that resize label maps must use the run's resolution to give the run's masks.
    if (first && manifest.dataset.format !== 'broden') spec.labelSize = [first.dataset.labelResolution[0], first.dataset.labelResolution[1]];
    ds = await openDataset(spec);
  } catch (err) {
    return { truth: null, note: `the dataset could not be reopened from run.json's command line (${(err as Error).message})` };
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

/** Where each label is in one image: pixel indices per label, and the image-level labels. */
interface LabelIndex {
  readonly pixels: ReadonlyMap<number, Uint32Array>;
  readonly imageLevel: ReadonlySet<number>;
}

/**
 * Label masks from a dataset. Each image's labels are decoded once into a sparse index (pixels
 * per label), kept in a bounded cache: units share images, and a mask is then one fill.
 */
class DatasetTruth implements GroundTruth {
  private readonly indices = new Map<number, Promise<LabelIndex>>();
  private static readonly CAPACITY = 512;

  constructor(private readonly ds: ConceptDataset) {}

  private index(image: number): Promise<LabelIndex> {
    let hit = this.indices.get(image);
    if (hit) {
      this.indices.delete(image); // re-insert: Map order is the recency order
    } else {
      hit = this.ds.readLabels(image).then(indexLabels);
      hit.catch(() => this.indices.delete(image));
      if (this.indices.size >= DatasetTruth.CAPACITY) this.indices.delete(this.indices.keys().next().value as number);
    }
    this.indices.set(image, hit);
    return hit;
  }

  /**
   * Pixels labelled `label` in any category's channel, or the whole image when the image has
   * it as an image-level label: the same truth the IoU counts (DESIGN.md §5.3).
   */
  async mask(image: number, label: number): Promise<TruthMask> {
    const rec = this.ds.images[image];
    const h = rec?.sh ?? 0;
    const w = rec?.sw ?? 0;
    const data = new Uint8Array(h * w);
    if (label <= 0) return { data, h, w };
    const index = await this.index(image);
    if (index.imageLevel.has(label)) return { data: data.fill(1), h, w };
    const at = index.pixels.get(label);
    if (at) for (let i = 0; i < at.length; i++) data[at[i] as number] = 1;
    return { data, h, w };
  }
}

/** One pass over every channel of every category: pixel indices per label number. */
export function indexLabels(labels: ImageLabels): LabelIndex {
  const counts = new Map<number, number>();
  const imageLevel = new Set<number>();
  for (const a of labels.byCategory.values()) {
    for (const l of a.imageLabels) imageLevel.add(l);
    for (const map of a.maps) for (let i = 0; i < map.length; i++) if (map[i] !== 0) counts.set(map[i] as number, (counts.get(map[i] as number) ?? 0) + 1);
  }
  const pixels = new Map<number, Uint32Array>();
  const fill = new Map<number, number>();
  for (const [label, n] of counts) {
    pixels.set(label, new Uint32Array(n));
    fill.set(label, 0);
  }
  for (const a of labels.byCategory.values()) {
    for (const map of a.maps) {
      for (let i = 0; i < map.length; i++) {
        const l = map[i] as number;
        if (l === 0) continue;
        const k = fill.get(l) as number;
        (pixels.get(l) as Uint32Array)[k] = i;
        fill.set(l, k + 1);
      }
    }
  }
  return { pixels, imageLevel };
}
