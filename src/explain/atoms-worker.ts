// Worker thread for the atom pass of `explain`: one contiguous slice of the run's images (their
// labels read and turned into atoms, their kept maps into unit masks); the main thread merges
// the slices in image order.
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import { collectAtomsPart } from './atoms.js';
import { KeptMapsReader } from './kept-maps.js';

export interface AtomsWorkerInit {
  readonly spec: DatasetSpec;
  readonly file: string;
  readonly images: Int32Array;
  readonly categories: readonly string[];
  readonly thresholds: Float64Array;
  readonly mapShape: readonly [number, number];
  readonly selected: Uint8Array;
}

const init = workerData as AtomsWorkerInit;
const port = parentPort!;

async function run(): Promise<void> {
  const ds = await openDataset(init.spec);
  const reader = KeptMapsReader.open(init.file, init.mapShape[0] * init.mapShape[1]);
  let last = 0;
  const part = await collectAtomsPart({
    ds, images: init.images, partial: true, categories: init.categories, blocks: reader.blocks(), thresholds: init.thresholds,
    mapShape: init.mapShape, selected: init.selected, file: init.file,
    progress: {
      start() {},
      update(done) { if (done - last >= 25) { port.postMessage({ progress: done - last }); last = done; } },
      finish() {},
    },
  });
  port.postMessage({ progress: init.images.length - last });
  const transfer = [part.weight.buffer, ...part.pairs.flatMap((p) => (p ? [p.atoms.buffer, p.counts.buffer] : []))] as ArrayBuffer[];
  port.postMessage({ part }, transfer);
}

run().catch((err: unknown) => port.postMessage({ error: (err as Error).message }));
