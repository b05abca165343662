// Worker thread for pass 2: reopens the dataset from its spec, reads the labels of the images it
// is sent, and counts the candidate maps that come with them. Partial counts are integers, so
// the main thread adds them up in any order and gets the same numbers as a single thread.
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import type { ImageLabels } from '../dataset/types.js';
import { DatasetError } from '../util/errors.js';
import { LayerCounts, prepareLabels, type LabelTables, type Semantics } from './counter.js';

export interface CountWorkerInit {
  readonly spec: DatasetSpec;
  readonly tables: LabelTables;
  readonly layers: readonly { units: number; h: number; w: number }[];
  readonly semantics: Semantics;
  readonly maxPixels: number;
  readonly skipBadImages: boolean;
}

/** Candidate maps of one layer for a chunk of images, ordered by image (max > threshold only). */
export interface ChunkLayer {
  readonly images: Int32Array;
  readonly units: Int32Array;
  readonly thresholds: Float32Array;
  readonly maps: Float32Array;
}

export interface Chunk {
  readonly id: number;
  readonly images: readonly number[];
  readonly layers: readonly ChunkLayer[];
}

/** Images whose labels are read ahead of counting. */
const LABEL_PREFETCH = 4;

const init = workerData as CountWorkerInit;
const port = parentPort!;
const counts = init.layers.map((l) => new LayerCounts(l.units, l.h, l.w, init.tables, init.semantics, init.maxPixels));
const truth = new Float64Array(init.tables.labelCount);
const skipped: { index: number; file: string; reason: string }[] = [];
const ready = openDataset(init.spec);

async function countChunk(chunk: Chunk): Promise<void> {
  const ds = await ready;
  const pos = chunk.layers.map(() => 0);
  // ahead[k] reads the labels of chunk.images[k]; a few images are read ahead of counting.
  const ahead: Promise<ImageLabels>[] = [];
  const request = (k: number): void => {
    const image = chunk.images[k];
    if (image === undefined) return;
    const p = ds.readLabels(image);
    p.catch(() => undefined); // awaited below; this only keeps it from being "unhandled"
    ahead.push(p);
  };
  for (let k = 0; k < LABEL_PREFETCH; k++) request(k);
  for (let k = 0; k < chunk.images.length; k++) {
    const image = chunk.images[k]!;
    request(k + LABEL_PREFETCH);
    let labels: ImageLabels | null = null;
    try {
      labels = await ahead[k]!;
    } catch (err) {
      if (!(init.skipBadImages && err instanceof DatasetError)) throw err;
      skipped.push({ index: image, file: ds.images[image]!.file, reason: `labels: ${err.message}` });
    }
    const rec = ds.images[image]!;
    const prepared = labels ? prepareLabels(labels.byCategory, rec.sh, rec.sw, init.tables, truth) : null;
    chunk.layers.forEach((layer, li) => {
      const mapSize = init.layers[li]!.h * init.layers[li]!.w;
      let p = pos[li]!;
      while (p < layer.images.length && layer.images[p] === image) {
        if (prepared) counts[li]!.add(layer.units[p]!, layer.maps, p * mapSize, layer.thresholds[p]!, prepared);
        p++;
      }
      pos[li] = p;
    });
  }
}

// Chunks are counted one after another, in the order they arrive.
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: { chunk?: Chunk; finish?: true }) => {
  queue = queue.then(async () => {
    if (msg.chunk) {
      try {
        await countChunk(msg.chunk);
        port.postMessage({ done: msg.chunk.id, images: msg.chunk.images.length });
      } catch (err) {
        const e = err as Error;
        port.postMessage({ error: e.message, datasetError: err instanceof DatasetError });
      }
    } else if (msg.finish) {
      const result = {
        finished: true,
        truth,
        skipped,
        intersection: counts.map((c) => c.intersection),
        activation: counts.map((c) => c.activation),
      };
      port.postMessage(result, [truth.buffer, ...counts.map((c) => c.intersection.buffer), ...counts.map((c) => c.activation.buffer)] as ArrayBuffer[]);
    }
  });
});
