// One model-load measurement in a fresh process (run by model-load.bench.ts); prints one JSON
// line. Modes:
//   ort         the floor: ONNX Runtime creating a session on the model's bytes (with the layers
//               appended as outputs), in this thread, after the file was read
//   session     what a run pays now: loadModel + openLayerSession (one session; shapes from a
//               probe batch on it), until the forward pass could start
//   run         what `netdissect dissect` pays: loadModel + openForwardSession (the graph cut after
//               the layers), the hash running meanwhile
//   two-session the sequence src/run/dissect.ts used before openLayerSession: loadModel,
//               resolveLayers (its own probe session), then the forward pass's session
//   legacy      the same two-session sequence with the modules of another build (--legacy DIST),
//               e.g. the commit before the model-load work
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';

const [mode, file, layersArg, threadsArg, legacyDir] = process.argv.slice(2);
const layers = layersArg!.split(',');
const threads = Number(threadsArg);
const now = (): number => performance.now() / 1000;

interface Modules {
  model: typeof import('../src/model/model.js');
  inference: typeof import('../src/model/inference.js');
  proto: typeof import('../src/model/onnx-proto.js');
}

async function modules(root: string | undefined): Promise<Modules> {
  if (root === undefined) {
    return { model: await import('../src/model/model.js'), inference: await import('../src/model/inference.js'), proto: await import('../src/model/onnx-proto.js') };
  }
  const at = (p: string): string => pathToFileURL(path.join(root, 'src', 'model', p)).href;
  return { model: await import(at('model.js')), inference: await import(at('inference.js')), proto: await import(at('onnx-proto.js')) };
}

const phases: Record<string, number> = {};
const t0 = now();
if (mode === 'ort') {
  const { withExtraOutputs } = await import('../src/model/onnx-proto.js');
  const bytes = withExtraOutputs(new Uint8Array(readFileSync(file!)), layers);
  phases['read'] = now() - t0;
  const t = now();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  phases['create'] = now() - t;
  await session.release();
} else if (mode === 'session') {
  const m = await modules(undefined);
  const c0 = process.cpuUsage();
  const model = await m.model.loadModel(file!);
  phases['load'] = now() - t0;
  // CPU of the read, hash and parse (process-wide: includes the inference thread starting meanwhile).
  const c = process.cpuUsage(c0);
  phases['loadCpu'] = (c.user + c.system) / 1e6;
  const t = now();
  // As a run does: the hash (a second, streaming read) runs while the session is created.
  const hashing = model.sha256 as unknown;
  const s = await m.model.openLayerSession(model, layers, m.model.resolveInputSize(model, undefined), { threads, batch: 16 });
  phases['session'] = now() - t;
  await hashing; // a string already in builds that hashed while reading
  phases['ready'] = now() - t0;
  // ONNX Runtime's own session creation, timed inside the worker: the floor, in the same process.
  phases['create'] = s.worker.createSeconds;
  await s.worker.close();
} else if (mode === 'run') {
  // What `netdissect dissect` pays: the model cut after the layers (src/model/truncate.ts) and
  // its session, the hash running meanwhile; `create` is ONNX Runtime's creation of the cut model.
  const m = await modules(undefined);
  const { openForwardSession } = await import('../src/stages/forward.js');
  const model = await m.model.loadModel(file!);
  phases['load'] = now() - t0;
  const t = now();
  const hashing = model.sha256;
  const s = await openForwardSession({ model, inputSize: m.model.resolveInputSize(model, undefined), settings: { threads, batch: 16, rotation: undefined } }, layers);
  phases['session'] = now() - t;
  await hashing;
  phases['ready'] = now() - t0;
  phases['create'] = s.worker.createSeconds;
  await s.worker.close();
} else if (mode === 'two-session' || mode === 'legacy') {
  const m = await modules(mode === 'legacy' ? legacyDir : undefined);
  const model = await m.model.loadModel(file!);
  phases['load'] = now() - t0;
  let t = now();
  const size = m.model.resolveInputSize(model, undefined);
  await m.model.resolveLayers(model, layers, size);
  phases['resolve'] = now() - t;
  t = now();
  const worker = await m.inference.InferenceWorker.start(m.proto.withExtraOutputs(model.bytes, layers), file!, model.inputName, layers, threads);
  phases['session'] = now() - t;
  phases['ready'] = now() - t0;
  await worker.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
const usage = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ mode, phases, cpu: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMiB: usage.maxRSS / 1024 })}\n`);
