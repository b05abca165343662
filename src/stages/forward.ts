// Pass 1 of a shard, the only forward pass: decode and preprocess the shard's images, run the
// model with the chosen layers exposed, and per layer keep what the exact thresholds need (the
// quantile pools), the candidate maps that may reach a threshold (the candidate cache) and the
// top images. It checkpoints into the shard's folder and resumes from there.
import { ModelError, DatasetError, InterruptedError } from '../util/errors.js';
import type { OutputTensor } from '../model/inference.js';
import { checkLayerNames, openLayerSession, type LayerInfo, type LayerSession, type LoadedModel } from '../model/model.js';
import { ModelBytes } from '../model/model-bytes.js';
import { truncateAfter } from '../model/truncate.js';
import type { ChannelMix } from '../model/onnx-proto.js';
import { fitToInput, writeInput, type Preprocess } from '../model/preprocess.js';
import { fractionalRotation, haarOrthogonal } from '../model/rotation.js';
import { CandidateCache, SegmentBuilder } from '../quantile/candidate-cache.js';
import { TopImages, type TopEntry } from '../quantile/top-images.js';
import { TopQuantileState } from '../quantile/top-quantile.js';
import type { ConceptDataset } from '../dataset/types.js';
import { readPass1State, writePass1State } from './pass1-state.js';
import type { Shard, Skip } from './shards.js';

export interface ForwardSettings {
  readonly preprocess: Preprocess;
  readonly batch: number;
  readonly threads: number;
  readonly quantile: number;
  readonly topK: number;
  readonly skipBadImages: boolean;
  /** Bytes of candidate cache this shard holds in memory before spilling to its folder. */
  readonly memoryBudget: number;
  readonly rotation?: { readonly seed: number; readonly alpha: number } | undefined;
  /** Checkpoint after this many images of the shard, or this many seconds, whichever first. */
  readonly checkpointImages: number;
  readonly checkpointSeconds: number;
}

/** Everything pass 1 needs besides the shard: the same for every shard of a run. */
export interface ForwardJob {
  readonly model: LoadedModel;
  readonly inputSize: readonly [number, number];
  readonly layers: readonly LayerInfo[];
  /** Folder name of each layer (names the cache files). */
  readonly layerDirs: readonly string[];
  readonly ds: ConceptDataset;
  /** Images of the whole run (every shard plans its quantile pools for the global count). */
  readonly totalImages: number;
  readonly identity: string;
  readonly settings: ForwardSettings;
  /**
   * The ONNX Runtime session with the layers exposed, when the caller keeps one open across
   * shards (it is not closed here). Without it, each shard opens and closes its own.
   */
  readonly session?: (() => Promise<LayerSession>) | undefined;
}

/**
 * The 1×1 convolutions that rotate each layer's unit basis (Haar-random rotation from the seed,
 * taken to the fraction alpha along its geodesic): ONNX Runtime then does the units×units mixing
 * at every position, and the rotated copy is fetched instead of the layer.
 */
export function rotationMixes(rotation: ForwardSettings['rotation']): ((layers: readonly LayerInfo[]) => ChannelMix[]) | undefined {
  if (!rotation) return undefined;
  return (layers) => layers.map((l) => {
    const units = l.shape[0];
    return {
      input: l.name,
      output: `${l.name}__netdissect_rotated`,
      weights: Float32Array.from(fractionalRotation(haarOrthogonal(units, rotation.seed), units, rotation.alpha)),
      channels: units,
    };
  });
}

/** Open the session a forward pass uses: the layers exposed (rotated when asked). */
export function openForwardSession(
  job: { readonly model: LoadedModel; readonly inputSize: readonly [number, number]; readonly settings: Pick<ForwardSettings, 'threads' | 'batch' | 'rotation'> },
  layers: readonly string[],
): Promise<LayerSession> {
  const mixes = rotationMixes(job.settings.rotation);
  return openLayerSession(cutAfter(job.model, layers), layers, job.inputSize, { threads: job.settings.threads, batch: job.settings.batch, ...(mixes ? { mixes } : {}) });
}

/**
 * The model cut after the dissected layers (src/model/truncate.ts): ONNX Runtime neither holds
 * nor runs what comes after them (AlexNet's fully connected layers are 234 of its 244 MB), and the
 * layers' values are the same bits. Names are checked against the whole model first, so a wrong
 * layer gets the usual message; a model the cut cannot handle runs whole.
 */
function cutAfter(model: LoadedModel, layers: readonly string[]): LoadedModel {
  checkLayerNames(model, layers);
  const cut = truncateAfter(model.bytes, layers, model.file);
  if (cut === model.bytes || cut.byteLength === model.bytes.byteLength) return model;
  const buffer = new ArrayBuffer(cut.byteLength);
  new Uint8Array(buffer).set(cut);
  const store = new ModelBytes(buffer, cut.byteLength);
  // The cut graph's outputs are the layers themselves: nothing more to expose.
  const outputs = layers.map((name) => ({ name, elemType: 1, dims: null }));
  return { ...model, bytes: new Uint8Array(buffer, 0, cut.byteLength), store, graph: { ...model.graph, outputs } };
}

/** The pass-1 partial of a shard, in memory (its cache may be partly or wholly on disk). */
export interface ShardPass1 {
  readonly shard: Shard;
  readonly layers: readonly {
    readonly maxValue: Float32Array;
    readonly pools: readonly Float32Array[];
    readonly top: readonly (readonly TopEntry[])[];
    readonly cache: CandidateCache;
  }[];
  readonly skipped: readonly Skip[];
  /** Images of the shard that came from a checkpoint rather than the model. */
  readonly resumed: number;
}

export interface ForwardOptions {
  /** Write every segment and the final state to the shard folder (a partial other processes read). */
  readonly persist: boolean;
  /** Called after each batch with the number of the shard's images done (resumed ones included). */
  readonly onImages?: ((done: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((message: string) => void) | undefined;
  /** Called before the model runs when a checkpoint gave this many of the shard's images. */
  readonly onResume?: ((images: number) => void) | undefined;
}

interface LayerState {
  readonly info: LayerInfo;
  readonly units: number;
  readonly mapSize: number;
  readonly quantile: TopQuantileState;
  readonly cache: CandidateCache;
  readonly builder: SegmentBuilder;
  readonly top: TopImages;
}

const now = (): number => performance.now() / 1000;

/** Batches queued in the model at once. */
const IN_MODEL = 2;

export async function forwardShard(job: ForwardJob, shard: Shard, shardDir: string, opts: ForwardOptions): Promise<ShardPass1> {
  const s = job.settings;
  const states = job.layers.map((info, i): LayerState => {
    const [units, h, w] = info.shape;
    const mapSize = h * w;
    return {
      info,
      units,
      mapSize,
      quantile: new TopQuantileState(units, job.totalImages * mapSize, s.quantile),
      cache: new CandidateCache(mapSize, shardDir, job.layerDirs[i]!),
      builder: new SegmentBuilder(mapSize),
      top: new TopImages(units, s.topK, mapSize),
    };
  });
  const skipped: Skip[] = [];
  const log = opts.log ?? (() => {});

  let first = shard.start;
  const damaged = (file: string, reason: string): void => log(`ignoring ${file}: ${reason}; redoing that part of the forward pass`);
  const saved = readPass1State(shardDir, job.identity, damaged, 'partial') ?? readPass1State(shardDir, job.identity, damaged, 'checkpoint');
  if (saved && saved.layers.length === states.length && saved.imagesDone >= shard.start && saved.imagesDone <= shard.end) {
    const broken = saved.layers.map((l, i) => CandidateCache.verifyFiles(shardDir, l.segmentFiles, states[i]!.mapSize)).find((x) => x !== null);
    if (broken) {
      log(`ignoring the checkpoint in ${shardDir}: ${broken}`);
    } else {
      first = saved.imagesDone;
      skipped.push(...saved.skipped);
      states.forEach((st, i) => {
        const l = saved.layers[i]!;
        st.quantile.restore({ lowerBound: l.lowerBound, maxValue: l.maxValue, pools: [...l.pools] });
        st.top.restore(l.top);
        st.cache.restore(l.segmentFiles);
      });
    }
  }
  const resumed = first - shard.start;
  if (resumed > 0) opts.onResume?.(resumed);
  const checkpoint = (imagesDone: number): void => {
    writePass1State(shardDir, {
      identity: job.identity,
      imagesDone,
      // The next batch may already be decoding: only skips before the checkpoint belong to it.
      skipped: skipped.filter((k) => k.index < imagesDone),
      layers: states.map((st) => ({ ...st.quantile.views(), top: st.top.snapshot(), segmentFiles: st.cache.persist() })),
    }, shard.end);
  };

  if (first < shard.end) {
    await runModel(job, states, shard.start, first, shard.end, skipped, opts, checkpoint);
  }
  if (opts.persist && first < shard.end) checkpoint(shard.end);
  opts.onImages?.(shard.end - shard.start);
  skipped.sort((a, b) => a.index - b.index);
  return {
    shard,
    layers: states.map((st) => {
      // The state ends here: its own arrays are handed on, not copied (tens of MiB on a long run).
      const snap = st.quantile.views();
      return { maxValue: snap.maxValue, pools: snap.pools, top: st.top.snapshot(), cache: st.cache };
    }),
    skipped,
    resumed,
  };
}

/** The model over images [first, end): batches decoding, queued in the model (IN_MODEL) and being absorbed. */
async function runModel(
  job: ForwardJob, states: LayerState[], shardStart: number, first: number, end: number, skipped: Skip[], opts: ForwardOptions,
  checkpoint: (imagesDone: number) => void,
): Promise<void> {
  const { model, ds, settings: s } = job;
  const session = job.session ? await job.session() : await openForwardSession(job, job.layers.map((l) => l.name));
  const worker = session.worker;
  // The tensor fetched for each layer: the layer itself, or its rotated copy.
  const fetch = session.outputNames;
  const [H, W] = job.inputSize;
  const pixels = 3 * H * W;
  type Loaded = { tensor: Float32Array; indices: number[] };
  const load = async (start: number): Promise<Loaded> => {
    const stop = Math.min(start + s.batch, end);
    const decoded = await Promise.all(Array.from({ length: stop - start }, async (_, j) => {
      const index = start + j;
      try {
        return await fitToInput(await ds.readImage(index), H, W);
      } catch (err) {
        if (s.skipBadImages && err instanceof DatasetError) {
          skipped.push({ index, file: ds.images[index]!.file, reason: err.message });
          return null;
        }
        throw err;
      }
    }));
    const indices: number[] = [];
    const tensor = worker.takeInput(decoded.filter((d) => d !== null).length * pixels);
    decoded.forEach((img, j) => {
      if (!img) return;
      writeInput(img, s.preprocess, model.layout, tensor, indices.length);
      indices.push(start + j);
    });
    return { tensor, indices };
  };
  const infer = (b: Loaded): Promise<Record<string, OutputTensor> | null> => (b.indices.length > 0
    ? worker.run(b.tensor, model.layout === 'NCHW' ? [b.indices.length, 3, H, W] : [b.indices.length, H, W, 3])
    : Promise.resolve(null));
  const prefetch = (start: number): Promise<Loaded> | null => {
    if (start >= end) return null;
    const p = load(start);
    p.catch(() => undefined); // surfaced when awaited
    return p;
  };
  let lastImages = first;
  let lastTime = now();
  // Batches handed to the model and not yet absorbed. Two, so that the model always has the
  // next one queued even while this thread spills the cache or writes a checkpoint.
  const inModel: { batch: Loaded; outputs: Promise<Record<string, OutputTensor> | null> }[] = [];
  let decoding = prefetch(first);
  let nextStart = first;
  // A batch that could not be read fails the run only after the batches before it are absorbed
  // (and checkpointed when due), so a rerun after the fix loses as little as possible.
  let readFailed: unknown = null;
  const feed = async (): Promise<void> => {
    while (decoding && inModel.length < IN_MODEL) {
      try {
        const batch = await decoding;
        const outputs = infer(batch);
        outputs.catch(() => undefined); // awaited in order below
        inModel.push({ batch, outputs });
        nextStart += s.batch;
        decoding = prefetch(nextStart);
      } catch (err) {
        readFailed = err;
        decoding = null;
      }
    }
  };
  try {
    await feed();
    for (let start = first; start < end; start += s.batch) {
      const head = inModel.shift();
      if (!head) throw readFailed;
      const outputs = await head.outputs;
      await feed();
      if (outputs) {
        states.forEach((st, li) => absorb(st, outputs[fetch[li]!]!, head.batch.indices, ds));
        worker.recycle(outputs); // absorb copied what it keeps
      }
      manageMemory(states, s.memoryBudget);
      const done = Math.min(start + s.batch, end);
      const interrupted = opts.signal?.aborted === true && done < end;
      if (done < end && (interrupted || done - lastImages >= s.checkpointImages || now() - lastTime >= s.checkpointSeconds)) {
        checkpoint(done);
        lastImages = done;
        lastTime = now();
      }
      opts.onImages?.(done - shardStart);
      if (interrupted) throw new InterruptedError(done);
    }
    // The pass ends with a checkpoint when one is due by the cadence, so that a crash while
    // counting resumes there; otherwise the tail is cheaper to redo than to write the candidate
    // cache out, and Ctrl-C while counting keeps the forward pass anyway (dissect.ts persists it).
    if (!opts.persist && end > lastImages && (end - lastImages >= s.checkpointImages || now() - lastTime >= s.checkpointSeconds)) checkpoint(end);
  } finally {
    // Let the batches still in the model finish before the session goes away.
    for (const b of inModel) await b.outputs.catch(() => undefined);
    if (!job.session) await worker.close();
  }
}

/** Feed one batch of a layer's activations into its quantile state, cache and top images. */
function absorb(st: LayerState, out: OutputTensor, indices: readonly number[], ds: ConceptDataset): void {
  const { units, mapSize } = st;
  const expected = indices.length * units * mapSize;
  if (out.data.length !== expected) {
    throw new ModelError(`layer '${st.info.name}' returned shape [${out.dims.join(',')}], expected [${indices.length},${st.info.shape.join(',')}]; models whose layer shapes depend on the batch are not supported.`);
  }
  const data = out.data;
  for (let b = 0; b < indices.length; b++) {
    const image = indices[b]!;
    for (let u = 0; u < units; u++) {
      const offset = (b * units + u) * mapSize;
      let max = -Infinity;
      let bad = 0;
      for (let j = 0; j < mapSize; j++) {
        const v = data[offset + j] as number;
        bad += v - v; // NaN for NaN and ±Infinity, else 0
        if (v > max) max = v;
      }
      if (bad !== 0) {
        throw new ModelError(`layer '${st.info.name}' unit ${u + 1} has NaN or infinite activations on image ${ds.images[image]!.file} (index ${image}); check the model export and the preprocessing (--mean/--std).`);
      }
      if (st.quantile.offer(u, data, offset, mapSize, max)) st.builder.add(image, u, max, data, offset);
      st.top.offer(u, image, max, data, offset);
    }
  }
  st.cache.push(st.builder.finish());
}

/** Keep the in-memory cache under budget: first drop entries below the risen bounds, then spill. */
function manageMemory(states: LayerState[], budget: number): void {
  const total = (): number => states.reduce((a, st) => a + st.cache.bytesInMemory, 0);
  if (total() <= budget) return;
  for (const st of states) st.cache.compact(st.quantile.lowerBound);
  if (total() <= budget * 0.75) return;
  for (const st of states) st.cache.spill((budget / 2) / states.length);
}
