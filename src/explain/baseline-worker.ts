// Worker thread for `baseline`: reopens the run's dataset and counts the shuffles it is sent,
// one at a time (each shuffle is independent: same result on any worker).
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import type { LabelTables, Semantics } from '../tally/counter.js';
import { KeptMapsReader } from './kept-maps.js';
import { shuffledScores, shuffledSources } from './shuffle-count.js';

export interface BaselineWorkerInit {
  readonly spec: DatasetSpec;
  readonly file: string;
  readonly images: Int32Array;
  readonly thresholds: Float64Array;
  readonly shape: readonly [number, number, number];
  readonly tables: LabelTables;
  readonly semantics: Semantics;
  readonly seed: number;
}

const init = workerData as BaselineWorkerInit;
const port = parentPort!;
const ready = openDataset(init.spec);
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: { shuffle: number }) => {
  queue = queue.then(async () => {
    try {
      const ds = await ready;
      const reader = KeptMapsReader.open(init.file, init.shape[1] * init.shape[2]);
      const scores = await shuffledScores({
        ds, images: init.images, source: shuffledSources(ds, init.images, init.seed, msg.shuffle), blocks: reader.blocks(),
        thresholds: init.thresholds, shape: init.shape, tables: init.tables, semantics: init.semantics, file: init.file,
      });
      port.postMessage({ shuffle: msg.shuffle, scores }, [scores.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ shuffle: msg.shuffle, error: (err as Error).message });
    }
  });
});
