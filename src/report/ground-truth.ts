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
 * Reopen the run's dataset. `datasetRoot` replaces the recorded --dataset (a moved dataset);
 * resolves with null and the reason when it cannot be used.
 */
export async function openGroundTruth(
  manifest: RunManifest,
  results: readonly LayerResults[],
  datasetRoot: string | undefined,
): Promise<{ truth: GroundTruth | null; note: string }> {
  let ds: ConceptDataset;
  try {
    const spec = datasetSpecOfCommand(manifest.command);
    if (datasetRoot !== undefined && spec.images === undefined) spec.dataset = datasetRoot;
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

/** Label masks from a dataset, with a small cache of decoded images (units share images). */
class DatasetTruth implements GroundTruth {
  private readonly decoded = new Map<number, Promise<ImageLabels>>();
  private static readonly CAPACITY = 256;

  constructor(private readonly ds: ConceptDataset) {}

  private labels(image: number): Promise<ImageLabels> {
    let hit = this.decoded.get(image);
    if (hit) {
      this.decoded.delete(image);
    } else {
      hit = this.ds.readLabels(image);
      if (this.decoded.size >= DatasetTruth.CAPACITY) this.decoded.delete(this.decoded.keys().next().value as number);
    }
    this.decoded.set(image, hit);
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
    const labels = await this.labels(image);
    for (const annotation of labels.byCategory.values()) {
      if (annotation.imageLabels.includes(label)) return { data: data.fill(1), h, w };
      for (const map of annotation.maps) {
        for (let i = 0; i < data.length; i++) if (map[i] === label) data[i] = 1;
      }
    }
    return { data, h, w };
  }
}
