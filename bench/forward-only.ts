// The baseline the dissection is measured against: decode, preprocess and run the model over the
// same images with the same layers exposed, doing nothing with the activations. Run as a child
// process by dissect.bench.ts; prints one JSON line {seconds, maxRssMiB}.
import { openBroden } from '../src/dataset/broden/reader.js';
import { InferenceWorker } from '../src/model/inference.js';
import { loadModel, resolveInputSize } from '../src/model/model.js';
import { withExtraOutputs } from '../src/model/onnx-proto.js';
import { fitToInput, writeInput, type Preprocess } from '../src/model/preprocess.js';

export async function forwardOnly(modelFile: string, datasetDir: string, layers: readonly string[], p: Preprocess, batch: number, threads: number): Promise<number> {
  const model = await loadModel(modelFile);
  const [H, W] = resolveInputSize(model, undefined);
  const ds = await openBroden(datasetDir);
  const worker = await InferenceWorker.start(withExtraOutputs(model.bytes, [...layers]), modelFile, model.inputName, [...layers], threads);
  const t0 = performance.now();
  const n = ds.images.length;
  const load = async (start: number): Promise<Float32Array> => {
    const end = Math.min(start + batch, n);
    const imgs = await Promise.all(Array.from({ length: end - start }, async (_, j) => fitToInput(await ds.readImage(start + j), H, W)));
    const t = new Float32Array(imgs.length * 3 * H * W);
    imgs.forEach((im, j) => writeInput(im, p, model.layout, t, j));
    return t;
  };
  let next: Promise<Float32Array> | null = load(0);
  for (let start = 0; start < n; start += batch) {
    const tensor = await next!;
    const running = worker.run(tensor, [tensor.length / (3 * H * W), 3, H, W]);
    next = start + batch < n ? load(start + batch) : null;
    await running;
  }
  const seconds = (performance.now() - t0) / 1000;
  await worker.close();
  return seconds;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [modelFile, datasetDir, layersArg, batch, threads] = process.argv.slice(2);
  const seconds = await forwardOnly(modelFile!, datasetDir!, layersArg!.split(','), { mean: [128, 128, 128], std: [128, 128, 128] }, Number(batch), Number(threads));
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}
