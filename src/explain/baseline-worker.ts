// Worker thread for `baseline`: reopens the run's dataset and counts every shuffle over its slice
// of label owners (each owner's labels read once); the main thread adds the integer counts.
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import type { LabelTables, Semantics } from '../tally/counter.js';
import { KeptMapsIndex } from './kept-maps.js';
import { countShuffles } from './shuffle-count.js';

export interface BaselineWorkerInit {
  readonly spec: DatasetSpec;
  readonly file: string;
  readonly images: Int32Array;
  readonly sources: readonly Int32Array[];
  readonly from: number;
  readonly to: number;
  readonly thresholds: Float64Array;
  readonly shape: readonly [number, number, number];
  readonly tables: LabelTables;
  readonly semantics: Semantics;
}

const init = workerData as BaselineWorkerInit;
const port = parentPort!;

async function run(): Promise<void> {
  const ds = await openDataset(init.spec);
  const index = new KeptMapsIndex(init.file, init.shape[1] * init.shape[2]);
  try {
    let last = 0;
    const c = await countShuffles({ ...init, ds, index, onProgress: (done) => { port.postMessage({ progress: done - last }); last = done; } });
    port.postMessage({ counts: c }, [c.truth.buffer, ...c.intersection.map((a) => a.buffer), ...c.activation.map((a) => a.buffer)] as ArrayBuffer[]);
  } finally {
    index.close();
  }
}

run().catch((err: unknown) => port.postMessage({ error: (err as Error).message }));
