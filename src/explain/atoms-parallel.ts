// The atom pass on worker threads: the run's images cut into contiguous slices, one per worker;
// each slice's atoms are merged in image order, so the result is the one thread's, whatever the
// number of workers (atom numbering aside, which no count depends on).
import { Worker } from 'node:worker_threads';
import { DatasetError } from '../util/errors.js';
import type { ProgressSink } from '../util/progress.js';
import { mergeAtoms, type AtomData, type PartialAtoms } from './atoms.js';
import type { AtomsWorkerInit } from './atoms-worker.js';

export async function collectAtomsOnWorkers(base: AtomsWorkerInit, workers: number, progress: ProgressSink, minImagesPerWorker = 500): Promise<AtomData> {
  const n = base.images.length;
  // A worker costs a dataset reopen and a module load: only worth it for a few hundred images.
  const slices = Math.max(1, Math.min(workers, Math.ceil(n / minImagesPerWorker)));
  const parts: PartialAtoms[] = new Array(slices);
  let done = 0;
  progress.start('atoms and unit masks', n);
  const pool: Worker[] = [];
  try {
    await Promise.all(Array.from({ length: slices }, (_, w) => new Promise<void>((resolve, reject) => {
      const a = Math.floor((n * w) / slices);
      const b = Math.floor((n * (w + 1)) / slices);
      const init: AtomsWorkerInit = { ...base, images: base.images.slice(a, b) };
      const worker = new Worker(new URL('./atoms-worker.js', import.meta.url), { workerData: init });
      pool.push(worker);
      worker.on('message', (msg: { progress?: number; part?: PartialAtoms; error?: string }) => {
        if (msg.progress !== undefined) { done += msg.progress; progress.update(done); }
        if (msg.part) { parts[w] = msg.part; resolve(); }
        if (msg.error !== undefined) reject(new DatasetError(msg.error));
      });
      worker.on('error', reject);
    })));
  } finally {
    progress.finish();
    await Promise.all(pool.map((wk) => wk.terminate()));
  }
  return mergeAtoms(parts, base.selected.length);
}
