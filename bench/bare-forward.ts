// The floor a dissection is measured against: a bare onnxruntime-node program that decodes the
// images, runs the model with the chosen layers exposed as outputs and discards the features.
// Like the dissection, the session runs on a worker thread (run() blocks its thread) while the
// main thread decodes the next batch. Prints one JSON line {seconds, loadSeconds, checksum, cpuSeconds}.
//   node dist/bench/bare-forward.js MODEL DATASET LAYERS BATCH THREADS [--opt all|extended|basic|disabled]
//     [--no-arena] [--no-mem-pattern] [--inter N] [--parallel] [--truncate] [--limit N]
// Session options and truncation are here so that what moves the floor can be measured.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { openBroden } from '../src/dataset/broden/reader.js';
import { decodeRgb } from '../src/dataset/decode-image.js';
import { withExtraOutputs } from '../src/model/onnx-proto.js';
import { truncateAfter } from '../src/model/truncate.js';

interface WorkerInit {
  readonly model: Uint8Array;
  readonly outputs: readonly string[];
  readonly options: ort.InferenceSession.SessionOptions;
}

function flag(name: string): boolean {
  return process.argv.includes(name);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function worker(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const session = await ort.InferenceSession.create(init.model, init.options);
  const input = session.inputNames[0]!;
  port.postMessage({ ready: true });
  port.on('message', (msg: { data: Float32Array; dims: number[] } | null) => {
    if (!msg) { void session.release().then(() => process.exit(0)); return; }
    void (async () => {
      const out = await session.run({ [input]: new ort.Tensor('float32', msg.data, msg.dims) }, [...init.outputs]);
      // Touch the features (as a consumer would read them), then drop them.
      let sum = 0;
      for (const name of init.outputs) { const d = out[name]!.data as Float32Array; for (let i = 0; i < d.length; i += 97) sum += d[i] as number; }
      port.postMessage({ sum });
    })();
  });
}

async function main(): Promise<void> {
  const [modelFile, datasetDir, layersArg, batchArg, threadsArg] = process.argv.slice(2);
  const layers = layersArg!.split(',');
  const batch = Number(batchArg);
  const t0 = performance.now();
  const bytes: Uint8Array = readFileSync(modelFile!);
  // A truncated model has the layers as its outputs already.
  const model = flag('--truncate') ? truncateAfter(bytes, layers, modelFile!) : withExtraOutputs(bytes, layers);
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: (arg('--opt') ?? 'all') as 'all',
    intraOpNumThreads: Number(threadsArg),
    interOpNumThreads: Number(arg('--inter') ?? 1),
    executionMode: flag('--parallel') ? 'parallel' : 'sequential',
    enableCpuMemArena: !flag('--no-arena'),
    enableMemPattern: !flag('--no-mem-pattern'),
  };
  const w = new Worker(new URL(import.meta.url), { workerData: { model, outputs: layers, options } satisfies WorkerInit });
  await new Promise<void>((resolve, reject) => { w.once('message', () => resolve()); w.once('error', reject); });
  const loadSeconds = (performance.now() - t0) / 1000;
  const ds = await openBroden(datasetDir!);
  const n = Math.min(ds.images.length, Number(arg('--limit') ?? Infinity));
  const H = 224, W = 224, px = H * W;
  const load = async (start: number): Promise<Float32Array> => {
    const end = Math.min(start + batch, n);
    const t = new Float32Array((end - start) * 3 * px);
    const imgs = await Promise.all(Array.from({ length: end - start }, (_, j) => decodeRgb(path.join(datasetDir!, 'images', ds.images[start + j]!.file))));
    imgs.forEach((img, j) => {
      if (img.width !== W || img.height !== H) throw new Error(`bench images must be ${W}x${H}`);
      const base = j * 3 * px, d = img.data;
      for (let p = 0, q = 0; p < px; p++, q += 3) {
        t[base + p] = ((d[q] as number) - 128) / 128;
        t[base + px + p] = ((d[q + 1] as number) - 128) / 128;
        t[base + 2 * px + p] = ((d[q + 2] as number) - 128) / 128;
      }
    });
    return t;
  };
  const t1 = performance.now();
  let checksum = 0;
  let next: Promise<Float32Array> | null = load(0);
  for (let start = 0; start < n; start += batch) {
    const data = await next!;
    const done = new Promise<number>((resolve) => w.once('message', (m: { sum: number }) => resolve(m.sum)));
    w.postMessage({ data, dims: [data.length / (3 * px), 3, H, W] }, [data.buffer as ArrayBuffer]);
    next = start + batch < n ? load(start + batch) : null;
    checksum += await done;
  }
  const seconds = (performance.now() - t1) / 1000;
  w.postMessage(null);
  await new Promise((resolve) => w.once('exit', resolve));
  const cpu = process.cpuUsage(); // every thread of the process, ONNX Runtime's included
  process.stdout.write(`${JSON.stringify({ seconds: loadSeconds + seconds, loadSeconds, forwardSeconds: seconds, images: n, checksum, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
}

if (isMainThread) await main();
else await worker();
