// An ONNX model as the dissection sees it: one 4-D image input, and intermediate tensors that
// can be exposed by name. Validation lives here so the pipeline can assume a usable model.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ModelError, UsageError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { InferenceWorker } from './inference.js';
import { parseGraph, withExtraOutputs, type GraphInfo } from './onnx-proto.js';

export type Layout = 'NCHW' | 'NHWC';

export interface LoadedModel {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly graph: GraphInfo;
  readonly inputName: string;
  readonly layout: Layout;
  /** Input height and width when the model fixes them, else null (then --input-size is needed). */
  readonly inputSize: readonly [number, number] | null;
  /** Producing op of every tensor that a node outputs. */
  readonly producers: ReadonlyMap<string, string>;
}

export interface LayerInfo {
  readonly name: string;
  readonly op: string;
  /** [units, h, w] for one image at the model's input size. */
  readonly shape: readonly [number, number, number];
}

/** Read and check a model file: exactly one 4-D float image input with 3 channels. */
export async function loadModel(file: string): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new ModelError(`${file}: cannot read the model: ${describeFsError(err)}; check the --model path.`);
  }
  const graph = parseGraph(bytes, file);
  if (graph.inputs.length !== 1) {
    throw new ModelError(`${file}: the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => i.name).join(', ')}); expected exactly one image input [N,3,H,W]. Export a model with only the image as input.`);
  }
  const input = graph.inputs[0]!;
  const dims = input.dims;
  if (input.elemType !== 1 || !dims || dims.length !== 4) {
    throw new ModelError(`${file}: input '${input.name}' is ${describe(input.elemType, dims)}; expected a float32 image [N,3,H,W] (or [N,H,W,3]).`);
  }
  let layout: Layout;
  if (dims[1] === 3) layout = 'NCHW';
  else if (dims[3] === 3) layout = 'NHWC';
  else throw new ModelError(`${file}: input '${input.name}' has shape [${dims.map(String).join(',')}]; expected 3 colour channels at axis 1 ([N,3,H,W]) or 3 ([N,H,W,3]).`);
  const [h, w] = layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  const inputSize = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? ([h, w] as const) : null;
  const producers = new Map<string, string>();
  for (const node of graph.nodes) for (const o of node.outputs) if (o) producers.set(o, node.opType);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { file, bytes, sha256, graph, inputName: input.name, layout, inputSize, producers };
}

function describe(elemType: number, dims: readonly (number | string | null)[] | null): string {
  const type = elemType === 1 ? 'float32' : `ONNX type ${elemType}`;
  return dims ? `${type} [${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]` : `${type} of unknown shape`;
}

/** The input size to run at: the model's own, or the one given (which must agree with it). */
export function resolveInputSize(model: LoadedModel, given: readonly [number, number] | undefined): [number, number] {
  if (model.inputSize) {
    if (given && (given[0] !== model.inputSize[0] || given[1] !== model.inputSize[1])) {
      throw new UsageError(`--input-size ${given.join(',')} conflicts with the model's fixed input ${model.inputSize.join('×')} (${model.file}); omit --input-size.`);
    }
    return [model.inputSize[0], model.inputSize[1]];
  }
  if (!given) throw new UsageError(`${model.file}: the model's input size is dynamic; pass --input-size H,W (e.g. --input-size 224,224).`);
  return [given[0], given[1]];
}

/** Run one zero image with `names` exposed and return their shapes (for one image). */
async function probeShapes(model: LoadedModel, names: readonly string[], size: readonly [number, number]): Promise<Map<string, { dims: readonly number[]; type: string }>> {
  const outputs = [...new Set(names)];
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const bytes = withExtraOutputs(model.bytes, outputs.filter((n) => !existing.has(n)));
  const worker = await InferenceWorker.start(bytes, model.file, model.inputName, outputs, 1);
  try {
    const dims = model.layout === 'NCHW' ? [1, 3, size[0], size[1]] : [1, size[0], size[1], 3];
    const result = await worker.run(new Float32Array(3 * size[0] * size[1]), dims);
    const out = new Map<string, { dims: readonly number[]; type: string }>();
    for (const n of outputs) out.set(n, { dims: result[n]!.dims, type: result[n]!.type });
    return out;
  } finally {
    await worker.close();
  }
}

/** Every 4-D intermediate tensor: name, producing op, shape for one image. */
export async function listLayers(model: LoadedModel, size: readonly [number, number]): Promise<LayerInfo[]> {
  const names: string[] = [];
  for (const node of model.graph.nodes) for (const o of node.outputs) if (o) names.push(o);
  const shapes = await probeShapes(model, names, size);
  const layers: LayerInfo[] = [];
  for (const n of names) {
    const s = shapes.get(n);
    if (s && s.type === 'float32' && s.dims.length === 4) {
      layers.push({ name: n, op: model.producers.get(n) ?? '?', shape: [s.dims[1]!, s.dims[2]!, s.dims[3]!] });
    }
  }
  return layers;
}

/** Check requested layer names: they exist, are float32 and 4-D. Returns their info. */
export async function resolveLayers(model: LoadedModel, names: readonly string[], size: readonly [number, number]): Promise<LayerInfo[]> {
  const known = [...model.producers.keys()];
  for (const n of names) {
    if (!model.producers.has(n)) {
      const near = nearestNames(n, known, 3);
      throw new ModelError(`${model.file}: no tensor named '${n}'${near.length ? `; did you mean ${near.map((x) => `'${x}'`).join(', ')}?` : '.'} Run 'netdissect layers --model ${model.file}' to list them.`);
    }
  }
  const shapes = await probeShapes(model, names, size);
  return names.map((n) => {
    const s = shapes.get(n)!;
    if (s.type !== 'float32' || s.dims.length !== 4) {
      throw new ModelError(`${model.file}: tensor '${n}' is ${s.type} [${s.dims.join(',')}]; expected a 4-D float32 activation [N,units,h,w]. Pick a convolutional layer ('netdissect layers' lists them).`);
    }
    return { name: n, op: model.producers.get(n) ?? '?', shape: [s.dims[1]!, s.dims[2]!, s.dims[3]!] as const };
  });
}

/** Up to `count` names closest to `name` by edit distance (case-insensitive), then by prefix. */
export function nearestNames(name: string, candidates: readonly string[], count: number): string[] {
  const a = name.toLowerCase();
  const scored = candidates.map((c) => {
    const d = editDistance(a, c.toLowerCase());
    return { c, d: c.toLowerCase().includes(a) ? Math.min(d, 1) : d };
  });
  const limit = Math.max(2, Math.floor(a.length / 2));
  return scored.filter((s) => s.d <= limit).sort((x, y) => x.d - y.d || x.c.localeCompare(y.c)).slice(0, count).map((s) => s.c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
