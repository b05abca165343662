// What `explain` and `baseline` read from a finished run: run.json, one layer's results.json,
// its exact thresholds, its kept unit maps, and the run's dataset reopened (labels only).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset } from '../dataset/types.js';
import { checkResults } from '../report/load-run.js';
import { datasetSpecOfRun } from '../run/reopen-dataset.js';
import type { LayerResults } from '../run/results-types.js';
import type { RunLayer, RunManifest } from '../run/run-types.js';
import { DatasetError, RunDirError, UsageError } from '../util/errors.js';

export interface RunLayerInput {
  readonly runDir: string;
  readonly manifest: RunManifest;
  readonly layer: RunLayer;
  /** RUN_DIR/<layer dir>. */
  readonly dir: string;
  readonly results: LayerResults;
  /** Exact float64 thresholds from thresholds.csv, by 0-based unit. */
  readonly thresholds: Float64Array;
  readonly ds: ConceptDataset;
  /** How worker threads reopen the same dataset. */
  readonly spec: DatasetSpec;
  /** Image indices the run counted (its --limit, without skipped images), ascending. */
  readonly images: Int32Array;
  readonly keptMapsFile: string;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new RunDirError(`${file}: ${what} not found; is this a run directory written by \`netdissect dissect\`?`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RunDirError(`${file}: ${what} is not valid JSON (${(err as Error).message}); rerun \`netdissect dissect\`.`);
  }
}

/** thresholds.csv (`unit,threshold`, 1-based, shortest round-trip float64) as a Float64Array. */
export function readThresholds(file: string, units: number): Float64Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new RunDirError(`${file}: not found; the layer's exact thresholds are needed (rerun \`netdissect dissect\`).`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'unit,threshold') throw new RunDirError(`${file}:1: header '${lines[0] ?? ''}', expected 'unit,threshold'.`);
  const out = new Float64Array(units);
  if (lines.length - 1 !== units) throw new RunDirError(`${file}: ${lines.length - 1} rows, expected ${units} (one per unit).`);
  for (let i = 1; i < lines.length; i++) {
    const [u, t] = lines[i]!.split(',');
    const v = Number(t);
    if (Number(u) !== i || t === undefined || t.trim() === '' || Number.isNaN(v)) {
      throw new RunDirError(`${file}:${i + 1}: '${lines[i]}', expected '${i},<threshold>'.`);
    }
    out[i - 1] = v;
  }
  return out;
}

/**
 * Reopen the run's dataset from the spec run.json records (as the report and workers do), and
 * check it is the run's: the same images in the same order.
 */
export async function openRunDataset(manifest: RunManifest, results: LayerResults): Promise<{ ds: ConceptDataset; spec: DatasetSpec }> {
  let spec: DatasetSpec;
  try {
    spec = datasetSpecOfRun(manifest);
  } catch (err) {
    throw new RunDirError(`run.json: ${(err as Error).message}`);
  }
  let ds: ConceptDataset;
  try {
    ds = await openDataset(spec);
  } catch (err) {
    throw new DatasetError(`cannot reopen the run's dataset (${manifest.dataset.root}): ${(err as Error).message}`);
  }
  const files = results.dataset.imageFiles;
  for (let i = 0; i < Math.min(files.length, manifest.dataset.images); i++) {
    if (ds.images[i]?.file !== files[i]) {
      throw new DatasetError(`the dataset at ${ds.root} differs from the run's: image ${i} is ${JSON.stringify(ds.images[i]?.file ?? null)}, the run has ${JSON.stringify(files[i])}; point the run at the same dataset.`);
    }
  }
  return { ds, spec };
}

/** Open layer `layerName` (tensor name or folder) of the run in `runDir`. */
export async function openRunLayer(runDir: string, layerName: string): Promise<RunLayerInput> {
  const manifestFile = path.join(runDir, 'run.json');
  const manifest = readJson(manifestFile, 'the run manifest run.json') as RunManifest;
  if (manifest.schema !== 'netdissect/run') throw new RunDirError(`${manifestFile}: schema ${JSON.stringify(manifest.schema)}, expected "netdissect/run".`);
  if (manifest.state !== 'complete') throw new RunDirError(`${manifestFile}: the run is ${manifest.state}; finish it with \`netdissect dissect\` first.`);
  const layer = manifest.layers.find((l) => l.name === layerName) ?? manifest.layers.find((l) => l.dir === layerName);
  if (!layer) throw new UsageError(`--layer ${layerName}: the run has layers ${manifest.layers.map((l) => l.name).join(', ')}.`);
  const dir = path.join(runDir, layer.dir);
  const resultsFile = path.join(dir, 'results.json');
  const results = checkResults(readJson(resultsFile, 'layer results'), resultsFile);
  const thresholds = readThresholds(path.join(dir, 'thresholds.csv'), results.shape[0]);
  const { ds, spec } = await openRunDataset(manifest, results);
  const skipped = new Set(manifest.images.skipped.map((s) => s.file));
  const used: number[] = [];
  for (let i = 0; i < manifest.dataset.images; i++) if (!skipped.has(ds.images[i]!.file)) used.push(i);
  const keptMapsFile = path.join(dir, 'unit-maps.seg');
  if (!existsSync(keptMapsFile)) {
    throw new RunDirError(`${keptMapsFile}: not found; this run kept no unit maps. Rerun \`netdissect dissect --restart\` with this version (it keeps them for explain and baseline).`);
  }
  return { runDir, manifest, layer, dir, results, thresholds, ds, spec, images: Int32Array.from(used), keptMapsFile };
}
