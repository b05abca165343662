// An ONNX model as the dissection sees it: one 4-D image input, and intermediate tensors that
// can be exposed by name. Validation lives here so the pipeline can assume a usable model.
import { ModelError, UsageError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { InferenceWorker, prewarmInference } from './inference.js';
import { hashModelFile, ModelBytes, ModelFileChanged, readModelFile } from './model-bytes.js';
import { channelMixesFragment, extraOutputsFragment, parseGraph, type ChannelMix, type GraphInfo } from './onnx-proto.js';

export type Layout = 'NCHW' | 'NHWC';

export interface LoadedModel {
  readonly file: string;
  /** The file's bytes (a view on the one buffer that holds them; see model-bytes.ts). */
  readonly bytes: Uint8Array;
  /** The buffer behind `bytes`, lent to inference workers when they create a session. */
  readonly store: ModelBytes;
  /**
   * SHA-256 of the file, hex. Started on first use by a second, streaming read of the file
   * (model-bytes.ts hashModelFile), so that it runs while ONNX Runtime creates the session: get
   * it before opening the session and await it after. Rejects with a ModelError naming the file
   * when the file changed in between.
   */
  readonly sha256: Promise<string>;
  readonly graph: GraphInfo;
  readonly inputName: string;
  readonly layout: Layout;
  /** Input height and width when the model fixes them, else null (then --input-size is needed). */
  readonly inputSize: readonly [number, number] | null;
  /** The input's batch size when the model fixes it, else null (any batch). */
  readonly inputBatch: number | null;
  /** Producing op of every tensor that a node outputs. */
  readonly producers: ReadonlyMap<string, string>;
  /**
   * The activations: outputs of the nodes fed, directly or through other nodes, by the image, in
   * graph order. Weights, initializers, constants and tensors computed from them alone are not.
   */
  readonly activations: readonly string[];
}

export interface LayerInfo {
  readonly name: string;
  readonly op: string;
  /** [units, h, w] for one image at the model's input size. */
  readonly shape: readonly [number, number, number];
}

/**
 * Read and check a model file: exactly one 4-D float image input with 3 channels. The file is
 * read once and parsed without touching its weights; its hash comes from a second read when
 * asked for (LoadedModel.sha256).
 */
export async function loadModel(file: string): Promise<LoadedModel> {
  prewarmInference(); // the session's thread starts while the file is read
  let read: Awaited<ReturnType<typeof readModelFile>>;
  try {
    read = await readModelFile(file);
  } catch (err) {
    throw new ModelError(`${file}: cannot read the model: ${describeFsError(err)}; check the --model path.`);
  }
  const store = read.bytes;
  const graph = parseGraph(store.view(file), file);
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
  const inputBatch = typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : null;
  const producers = new Map<string, string>();
  for (const node of graph.nodes) for (const o of node.outputs) if (o) producers.set(o, node.opType);
  let hashing: Promise<string> | null = null;
  const identity = read.identity;
  return {
    file, store, graph, inputName: input.name, layout, inputSize, inputBatch, producers,
    activations: imageFedTensors(graph, input.name),
    get bytes() { return store.view(file); },
    get sha256() {
      if (!hashing) {
        hashing = hashModelFile(file, identity).catch((err: unknown) => {
          throw new ModelError(err instanceof ModelFileChanged
            ? `${file}: the model file changed while it was loaded; run again once it is written.`
            : `${file}: cannot read the model: ${describeFsError(err)}; check the --model path.`);
        });
        hashing.catch(() => undefined); // a caller that never awaits it must not crash the process
      }
      return hashing;
    },
  };
}

/**
 * Outputs of every node that the image reaches through the graph, in graph order. Found by
 * following consumers from the input, so the nodes need not be sorted. (A node's inputs are its
 * explicit ones: a control-flow node reached only through a subgraph's outer-scope reference is
 * not followed; CNN exports do not have them.)
 */
function imageFedTensors(graph: GraphInfo, inputName: string): string[] {
  const consumers = new Map<string, number[]>();
  graph.nodes.forEach((node, i) => {
    for (const x of node.inputs) if (x) (consumers.get(x) ?? consumers.set(x, []).get(x)!).push(i);
  });
  const fed = new Uint8Array(graph.nodes.length);
  const reached = new Set<string>([inputName]);
  const stack = [inputName];
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    for (const i of consumers.get(t) ?? []) {
      if (fed[i]) continue;
      fed[i] = 1;
      for (const o of graph.nodes[i]!.outputs) if (o && !reached.has(o)) { reached.add(o); stack.push(o); }
    }
  }
  const out: string[] = [];
  graph.nodes.forEach((node, i) => { if (fed[i]) for (const o of node.outputs) if (o) out.push(o); });
  return out;
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

const LIST_HINT = '`netdissect layers` lists the activations';

/**
 * Refuse, before any session exists, a requested layer that is not an activation of the image:
 * an unknown name (with the nearest activations' names), the input itself, a weight, or a tensor
 * computed from weights alone. A usage error: the command line names a wrong tensor.
 */
export function checkLayerNames(model: LoadedModel, names: readonly string[]): void {
  const activations = new Set(model.activations);
  for (const n of names) {
    if (activations.has(n)) continue;
    const what = n === model.inputName ? "is the model's input image, not an activation of a layer"
      : model.graph.initializers.has(n) ? 'is a weight (an initializer of the model), not an activation of the image'
        : model.producers.get(n) === 'Constant' ? 'is a constant (the output of a Constant node), not an activation of the image'
          : model.producers.has(n) ? `is a weight (a constant computed from initializers by ${model.producers.get(n)}), not an activation of the image`
            : null;
    if (what !== null) throw new UsageError(`${model.file}: '${n}' ${what}; ${LIST_HINT}.`);
    const near = nearestNames(n, model.activations, 3);
    throw new UsageError(`${model.file}: no tensor named '${n}'${near.length ? `; did you mean ${near.map((x) => `'${x}'`).join(', ')}?` : '.'} Run 'netdissect layers --model ${model.file}' to list the activations.`);
  }
}

/** Images in a shape probe: 2 shows which axis is the batch (a fixed-batch model gets its own). */
function probeBatch(model: LoadedModel): number {
  return model.inputBatch ?? 2;
}

/** Run one batch of zero images and return the shapes and types of `names`. */
async function probe(worker: InferenceWorker, model: LoadedModel, names: readonly string[], size: readonly [number, number]): Promise<Map<string, { dims: readonly number[]; type: string }>> {
  const b = probeBatch(model);
  const dims = model.layout === 'NCHW' ? [b, 3, size[0], size[1]] : [b, size[0], size[1], 3];
  const result = await worker.run(new Float32Array(b * 3 * size[0] * size[1]), dims);
  const out = new Map<string, { dims: readonly number[]; type: string }>();
  for (const n of names) out.set(n, { dims: result[n]!.dims, type: result[n]!.type });
  return out;
}

/** Why a probed tensor is not a per-image 4-D float32 activation, or null when it is one. */
function notPerImage(s: { dims: readonly number[]; type: string }, batch: number): string | null {
  const shown = `${s.type} [${s.dims.map((d, i) => (i === 0 && d === batch ? 'N' : String(d))).join(',')}]`;
  if (s.type !== 'float32') return `is ${shown}, not a float32 activation`;
  if (s.dims.length !== 4) return `is ${shown} (${s.dims.length}-D), not a per-image 4-D activation [N,units,h,w]`;
  if (s.dims[0] !== batch) return `is ${shown} for a batch of ${batch} images: its first axis is not the image batch, so it is not a per-image activation`;
  return null;
}

/** Start a session fetching `outputs` from `model` (+ `extra` fragment), lending it the model's buffer. */
async function startSession(model: LoadedModel, outputs: readonly string[], threads: number, extra: Uint8Array = new Uint8Array(0)): Promise<InferenceWorker> {
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const added = extraOutputsFragment([...new Set(outputs)].filter((n) => !existing.has(n)));
  const fragment = new Uint8Array(extra.length + added.length);
  fragment.set(extra, 0);
  fragment.set(added, extra.length);
  const loan = await model.store.lend(fragment, model.file);
  return InferenceWorker.start(loan, model.file, model.inputName, [...new Set(outputs)], threads);
}

/** Every activation that is a per-image 4-D float32 tensor: name, producing op, shape for one image. */
export async function listLayers(model: LoadedModel, size: readonly [number, number]): Promise<LayerInfo[]> {
  const names = model.activations;
  const worker = await startSession(model, names, 1);
  try {
    const shapes = await probe(worker, model, names, size);
    const layers: LayerInfo[] = [];
    for (const n of names) {
      const s = shapes.get(n)!;
      if (notPerImage(s, probeBatch(model)) === null) layers.push({ name: n, op: model.producers.get(n) ?? '?', shape: [s.dims[1]!, s.dims[2]!, s.dims[3]!] });
    }
    return layers;
  } finally {
    await worker.close();
  }
}

/** The requested layers' info from a probe, or a usage error naming the first that is not an activation. */
function layerInfos(model: LoadedModel, names: readonly string[], shapes: Map<string, { dims: readonly number[]; type: string }>): LayerInfo[] {
  return names.map((n) => {
    const s = shapes.get(n)!;
    const why = notPerImage(s, probeBatch(model));
    if (why !== null) throw new UsageError(`${model.file}: '${n}' ${why}; pick a convolutional layer (${LIST_HINT}).`);
    return { name: n, op: model.producers.get(n) ?? '?', shape: [s.dims[1]!, s.dims[2]!, s.dims[3]!] as const };
  });
}

/**
 * Check requested layer names: activations of the image, per-image, float32 and 4-D. Returns
 * their info. Creates (and closes) a session of its own: a run should use openLayerSession,
 * which learns the shapes from the session its forward pass then uses.
 */
export async function resolveLayers(model: LoadedModel, names: readonly string[], size: readonly [number, number]): Promise<LayerInfo[]> {
  checkLayerNames(model, names);
  const worker = await startSession(model, names, 1);
  try {
    return layerInfos(model, names, await probe(worker, model, names, size));
  } finally {
    await worker.close();
  }
}

/** One ONNX Runtime session with the chosen layers exposed, and what the forward pass needs. */
export interface LayerSession {
  /** The requested layers, in order, with their shapes for one image. */
  readonly layers: readonly LayerInfo[];
  /** The graph output fetched for each layer (the layer itself, or its rotated copy). */
  readonly outputNames: readonly string[];
  /** The session, in its worker thread: run(batch, dims) and close(). */
  readonly worker: InferenceWorker;
}

export interface LayerSessionOptions {
  /** ONNX Runtime intra-op threads. */
  readonly threads: number;
  /** The batch the forward pass will use: refused when the model fixes another. */
  readonly batch?: number;
  /**
   * Given the layers' shapes, the 1×1 convolutions to append (basis rotation); each mix's output
   * is fetched instead of its input layer. Needs a second session, since the mixes depend on the
   * shapes the first one reports.
   */
  readonly mixes?: (layers: readonly LayerInfo[]) => readonly ChannelMix[];
}

/**
 * Check the layer names, create the one session the forward pass uses (with the layers exposed),
 * and learn the layers' shapes from a probe batch of zero images on it. Model load to a ready
 * session costs one session creation plus one small batch. On any failure the session is closed
 * before the error is thrown. The caller closes `worker` when done (also on failure).
 */
export async function openLayerSession(model: LoadedModel, names: readonly string[], size: readonly [number, number], opts: LayerSessionOptions): Promise<LayerSession> {
  checkLayerNames(model, names);
  if (model.inputBatch !== null && opts.batch !== undefined && opts.batch !== model.inputBatch) {
    throw new UsageError(`${model.file}: the model's input has a fixed batch of ${model.inputBatch}; pass --batch ${model.inputBatch} (or export the model with a dynamic batch axis).`);
  }
  let worker = await startSession(model, names, opts.threads);
  try {
    const layers = layerInfos(model, names, await probe(worker, model, names, size));
    const mixes = opts.mixes ? opts.mixes(layers) : [];
    if (mixes.length === 0) return { layers, outputNames: [...names], worker };
    const mixed = new Map(mixes.map((m) => [m.input, m.output]));
    const outputNames = names.map((n) => mixed.get(n) ?? n);
    await worker.close();
    worker = await startSession(model, outputNames, opts.threads, channelMixesFragment(mixes));
    return { layers, outputNames, worker };
  } catch (err) {
    await worker.close();
    throw err;
  }
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
