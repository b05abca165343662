// Batched inference in a worker thread (see inference-worker.ts), with one request in flight
// while the main thread prepares the next batch.
import { Worker } from 'node:worker_threads';
import { ModelError } from '../util/errors.js';

export interface OutputTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  readonly type: string;
}

export class InferenceWorker {
  private nextId = 1;
  private pending = new Map<number, { resolve: (o: Record<string, OutputTensor>) => void; reject: (e: Error) => void }>();
  private inFlight = new Set<Promise<unknown>>();

  private constructor(private readonly worker: Worker, readonly file: string) {
    worker.on('message', (msg: { id: number; outputs?: Record<string, OutputTensor>; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new ModelError(`${file}: inference failed: ${msg.error}`));
      else p.resolve(msg.outputs!);
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(new ModelError(`${file}: inference worker crashed: ${err.message}`));
      this.pending.clear();
    });
    // A worker gone without an error event must not leave a batch (and close()) waiting forever.
    worker.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new ModelError(`${file}: inference worker exited (code ${code}) before answering`));
      this.pending.clear();
    });
  }

  /** Start a worker with a session on `model` (bytes) fetching `outputNames`. */
  static async start(
    model: Uint8Array, file: string, inputName: string, outputNames: readonly string[], threads: number,
  ): Promise<InferenceWorker> {
    const worker = new Worker(new URL('./inference-worker.js', import.meta.url), {
      workerData: { model, inputName, outputNames, threads },
    });
    const ready = await new Promise<{ ready: boolean; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new ModelError(`${file}: ONNX Runtime cannot load the model: ${ready.error}`);
    }
    return new InferenceWorker(worker, file);
  }

  run(input: Float32Array, dims: readonly number[]): Promise<Record<string, OutputTensor>> {
    const id = this.nextId++;
    const result = new Promise<Record<string, OutputTensor>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, input, dims }, [input.buffer as ArrayBuffer]);
    });
    const settled = result.then(() => undefined, () => undefined);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return result;
  }

  /**
   * Stop the worker once the batches in flight have finished: terminating it while ONNX Runtime
   * runs one aborts the whole process ("terminate called after throwing an instance of
   * 'Napi::Error'"), as a run failing on one batch while the next is prefetched would.
   */
  async close(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.worker.terminate();
  }
}
