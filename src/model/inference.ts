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
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, input, dims }, [input.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
