// Reopen a run's dataset from what run.json recorded (the resolved dataset spec: format, absolute
// paths, classes, ignore id, label size, automatic colour): the report's ground truth, workers and
// `explain` all see the dataset the run used, without re-reading any command line.
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset } from '../dataset/types.js';
import { DatasetError } from '../util/errors.js';
import type { RunManifest } from './run-types.js';

/**
 * The run's dataset spec. For folder formats (Broden, ADE20K) `datasetRoot`, where the dataset
 * is now (it may have moved), replaces the recorded folder.
 */
export function datasetSpecOfRun(manifest: RunManifest, datasetRoot?: string): DatasetSpec {
  const recorded = manifest.dataset.spec;
  if (!recorded) {
    throw new DatasetError(`run.json of this run records no dataset spec (it was written by netdissect before 0.2); rerun the dissection to record it.`);
  }
  const spec: DatasetSpec = { ...recorded };
  const folderFormat = manifest.dataset.format === 'broden' || manifest.dataset.format === 'ade20k';
  if (datasetRoot !== undefined && folderFormat && spec.images === undefined) spec.dataset = datasetRoot;
  return spec;
}

export function reopenDataset(manifest: RunManifest, datasetRoot?: string): Promise<ConceptDataset> {
  return openDataset(datasetSpecOfRun(manifest, datasetRoot));
}
