// Worker thread that owns one ONNX Runtime session: run() blocks its thread, so the main thread
// stays free for decoding, counting and progress. Messages: {id, input, dims} -> {id, outputs}.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

interface Init {
  readonly model: Uint8Array;
  readonly inputName: string;
  readonly outputNames: readonly string[];
  readonly threads: number;
}

interface Request {
  readonly id: number;
  readonly input: Float32Array;
  readonly dims: readonly number[];
}

const init = workerData as Init;
const port = parentPort!;

const ready = ort.InferenceSession.create(init.model, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: init.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
});

ready.then(
  () => port.postMessage({ ready: true }),
  (err: Error) => port.postMessage({ ready: false, error: err.message }),
);

port.on('message', (req: Request) => {
  void (async () => {
    try {
      const session = await ready;
      const feeds = { [init.inputName]: new ort.Tensor('float32', req.input, [...req.dims]) };
      const result = await session.run(feeds, [...init.outputNames]);
      const outputs: Record<string, { data: Float32Array; dims: number[]; type: string }> = {};
      const transfer: ArrayBuffer[] = [];
      for (const name of init.outputNames) {
        const t = result[name]!;
        // Copy into a plain ArrayBuffer we own, so it can be transferred without a second copy.
        const src = t.data as Float32Array;
        const data = t.type === 'float32' ? new Float32Array(src) : new Float32Array(0);
        outputs[name] = { data, dims: [...t.dims], type: t.type };
        transfer.push(data.buffer as ArrayBuffer);
      }
      port.postMessage({ id: req.id, outputs }, transfer);
    } catch (err) {
      port.postMessage({ id: req.id, error: (err as Error).message });
    }
  })();
});
