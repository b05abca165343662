// A whole dissection run: one forward pass over the dataset (pass 1: thresholds' lower bounds,
// candidate cache, top images), exact thresholds, counting from the cache (pass 2), labels and
// the run directory. Settings are validated by the caller (src/cli/dissect.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset, ImageLabels } from '../dataset/types.js';
import { labelUnit, layerStats, type CountsView, type UnitLabels } from '../label/labels.js';
import { InferenceWorker, type OutputTensor } from '../model/inference.js';
import { loadModel, resolveInputSize, resolveLayers, type LayerInfo, type LoadedModel } from '../model/model.js';
import { withChannelMixes, withExtraOutputs, type ChannelMix } from '../model/onnx-proto.js';
import { fitToInput, writeInput, type Preprocess } from '../model/preprocess.js';
import { CacheCursor, CandidateCache, SegmentBuilder, type Segment } from '../quantile/candidate-cache.js';
import { fractionalRotation, haarOrthogonal } from '../experiments/rotation.js';
import { TopImages } from '../quantile/top-images.js';
import { TopQuantileState } from '../quantile/top-quantile.js';
import type { Chunk, ChunkLayer, CountWorkerInit } from '../tally/count-worker.js';
import { LayerCounts, prepareLabels, type LabelTables, type Semantics } from '../tally/counter.js';
import { DatasetError, ModelError, NetDissectError, RunDirError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { silentProgress, type ProgressSink } from '../util/progress.js';
import { TOOL_VERSION } from '../util/version.js';
import { writeFileAtomic } from './atomic.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { RunLock } from './lock.js';
import { writeKeptMaps } from '../explain/kept-maps.js'; // explain: keep unit maps
import { activationCsv, intersectionCsv, labelsCsv, layerResults, tallyCsv, thresholdsCsv } from './outputs.js';
import type { LayerResults, LayerStats, ResultsSettings } from './results-types.js';
import type { RunLayer, RunManifest } from './run-types.js';

export interface DissectSettings {
  readonly model: string;
  readonly layers: readonly string[];
  readonly out: string;
  readonly semantics: Semantics;
  readonly preprocess: Preprocess;
  readonly inputSize?: readonly [number, number];
  readonly quantile: number;
  readonly iouThreshold: number;
  readonly batch: number;
  readonly limit: number | null;
  readonly topK: number;
  readonly memoryBudget: number; // bytes of candidate cache held in memory
  readonly skipBadImages: boolean;
  readonly threads: number;
  readonly restart: boolean;
  /** Rotate each layer's unit basis before thresholds (the paper's interpretability-of-basis test). */
  readonly rotation?: { readonly seed: number; readonly alpha: number };
  /** Checkpoint the forward pass after this many images, or this many seconds, whichever first. */
  readonly checkpointImages?: number;
  readonly checkpointSeconds?: number;
  readonly command: readonly string[];
  /**
   * How worker threads reopen the dataset for counting in parallel (the dataset must be the one
   * `openDataset(datasetSpec)` returns). Without it, counting runs on the main thread.
   */
  readonly datasetSpec?: DatasetSpec;
  /** Worker threads for counting (default: the machine's cores). */
  readonly countWorkers?: number;
  /** Messages for the user (resuming, already complete); stderr by default. */
  readonly log?: (message: string) => void;
}

export interface LayerSummary {
  readonly layer: string;
  readonly dir: string;
  readonly shape: readonly [number, number, number];
  readonly stats: LayerStats;
  readonly saturationHint?: string;
  readonly best: readonly { unit: number; name: string; category: string; score: number }[];
}

export interface DissectSummary {
  readonly runDir: string;
  readonly images: number;
  readonly skipped: number;
  readonly layers: readonly LayerSummary[];
  readonly timings: Readonly<Record<string, number>>;
  readonly cacheSpilledBytes: number;
  /** The run was already complete with these settings: nothing was recomputed. */
  readonly reused?: boolean;
  /** Images whose forward pass came from a checkpoint. */
  readonly resumedImages?: number;
}

/** Filesystem-safe folder name for a tensor name (`/layer3/Relu_output_0` → `layer3_Relu_output_0`). */
export function layerDirName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '');
  return safe === '' ? 'layer' : safe;
}

interface LayerState {
  readonly info: LayerInfo;
  readonly dir: string;
  readonly units: number;
  readonly mapSize: number;
  readonly quantile: TopQuantileState;
  readonly cache: CandidateCache;
  readonly builder: SegmentBuilder;
  readonly top: TopImages;
  /** The basis rotation applied to this layer's activations, units×units row-major. */
  readonly rotation: Float64Array | null;
}

interface Skip {
  readonly index: number;
  readonly file: string;
  readonly reason: string;
}

const now = (): number => performance.now() / 1000;

/** What a run writes in each layer's folder (removed again when the run fails). */
const OUTPUT_FILES = ['tally.csv', 'thresholds.csv', 'intersection.csv', 'activation.csv', 'results.json'] as const;

/** Images whose labels are read ahead during counting. */
const LABEL_PREFETCH = 4;

export async function dissect(ds: ConceptDataset, s: DissectSettings, progress: ProgressSink = silentProgress): Promise<DissectSummary> {
  const timings: Record<string, number> = {};
  let t = now();
  const model = await loadModel(s.model);
  const inputSize = resolveInputSize(model, s.inputSize);
  const layers = await resolveLayers(model, s.layers, inputSize);
  timings['load'] = now() - t;

  const images = s.limit === null ? ds.images : ds.images.slice(0, s.limit);
  if (images.length === 0) throw new DatasetError(`${ds.root}: no images to dissect.`);
  const settings: ResultsSettings = {
    semantics: s.semantics,
    quantile: s.quantile,
    iouThreshold: s.iouThreshold,
    categories: ds.categories,
    topK: s.topK,
    preprocess: { mean: s.preprocess.mean, std: s.preprocess.std, inputSize },
    ...(s.rotation ? { rotation: { seed: s.rotation.seed, alpha: s.rotation.alpha } } : {}),
  };
  const datasetDigest = digestDataset(ds);
  const runLayers: RunLayer[] = layers.map((l) => ({ name: l.name, dir: layerDirName(l.name), shape: l.shape }));
  const dirs = new Set<string>();
  for (const l of runLayers) {
    if (dirs.has(l.dir)) throw new RunDirError(`layers map to the same folder '${l.dir}'; dissect them in separate runs.`);
    dirs.add(l.dir);
  }

  const identityFields = { settings, layers: s.layers, model: model.sha256, dataset: datasetDigest, limit: s.limit };
  const identity = createHash('sha256').update(JSON.stringify(identityFields)).digest('hex');
  const log = s.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const lock = prepareRunDir(s.out, s.restart, { ...identityFields, batch: s.batch });
  const cacheDir = path.join(s.out, '.cache');
  if (lock === 'complete') {
    log(`${s.out} already holds a complete run with these settings; nothing to do (pass --restart to recompute).`);
    return { ...completedSummary(s.out, runLayers), reused: true };
  }
  const startedAt = new Date().toISOString();
  const manifest = (state: RunManifest['state'], extra: Partial<RunManifest>): RunManifest => ({
    schema: 'netdissect/run',
    version: 1,
    state,
    tool: { name: 'netdissect', version: TOOL_VERSION, onnxruntime: ortVersion(), node: process.version },
    command: s.command,
    model: { path: path.resolve(s.model), sha256: model.sha256, input: model.inputName },
    dataset: { root: path.resolve(ds.root), format: ds.format, digest: datasetDigest, images: images.length },
    settings: { ...settings, batch: s.batch, limit: s.limit, layers: s.layers },
    layers: runLayers,
    images: { used: 0, skipped: [] },
    timings,
    startedAt,
    ...extra,
  });
  const runJson = path.join(s.out, 'run.json');
  writeFileAtomic(runJson, `${JSON.stringify(manifest('running', {}), null, 1)}\n`);
  const skipped: Skip[] = [];
  try {
    const states = layers.map((info, i): LayerState => {
      const [units, h, w] = info.shape;
      const mapSize = h * w;
      return {
        info,
        dir: runLayers[i]!.dir,
        units,
        mapSize,
        quantile: new TopQuantileState(units, images.length * mapSize, s.quantile),
        cache: new CandidateCache(mapSize, path.join(s.out, '.cache'), runLayers[i]!.dir),
        builder: new SegmentBuilder(mapSize),
        top: new TopImages(units, s.topK, mapSize),
        rotation: s.rotation ? fractionalRotation(haarOrthogonal(units, s.rotation.seed), units, s.rotation.alpha) : null,
      };
    });

    const ckpt = readCheckpoint(cacheDir, identity);
    let startImage = 0;
    if (ckpt && ckpt.layers.length === states.length) {
      startImage = ckpt.imagesDone;
      skipped.push(...ckpt.skipped);
      states.forEach((st, i) => {
        const l = ckpt.layers[i]!;
        st.quantile.restore(l);
        st.top.restore(l.top);
        st.cache.restore(l.segmentFiles);
      });
      log(`resuming ${s.out} from its checkpoint: ${startImage} of ${images.length} images already through the forward pass`);
    } else {
      rmSync(cacheDir, { recursive: true, force: true });
    }
    const checkpoint = (imagesDone: number): void => {
      writeCheckpoint(cacheDir, {
        identity,
        imagesDone,
        // The next batch may already be decoding: only skips before the checkpoint belong to it.
        skipped: skipped.filter((k) => k.index < imagesDone),
        layers: states.map((st) => ({ ...st.quantile.snapshot(), top: st.top.snapshot(), segmentFiles: st.cache.persist() })),
      });
    };

    t = now();
    if (startImage < images.length) {
      await forwardPass(model, inputSize, ds, images.length, startImage, s, states, skipped, progress, checkpoint);
    }
    timings['forward'] = now() - t;

    const skippedSet = new Set(skipped.map((k) => k.index));
    const used = images.length - skipped.length;
    if (used === 0) throw new DatasetError(`${ds.root}: every image was skipped as unreadable; nothing to dissect.`);

    t = now();
    const thresholds = states.map((st) => st.quantile.thresholds(used * st.mapSize, s.quantile));
    timings['thresholds'] = now() - t;

    t = now();
    const tables = labelTables(ds);
    const truth = new Float64Array(tables.labelCount);
    const workers = Math.min(s.countWorkers ?? availableParallelism(), 8);
    const counts = s.datasetSpec && workers > 1
      ? await countPassParallel(s.datasetSpec, workers, ds, images.length, s.semantics, states, thresholds, tables, truth, skippedSet, skipped, s.skipBadImages, progress)
      : await countPass(ds, images.length, s.semantics, states, thresholds, tables, truth, skippedSet, skipped, s.skipBadImages, progress);
    timings['counting'] = now() - t;

    t = now();
    const summaries: LayerSummary[] = [];
    states.forEach((st, i) => {
      const view: CountsView = { ...tables, truth, intersection: counts[i]!.intersection, activation: counts[i]!.activation };
      const th = thresholds[i]!;
      const units: UnitLabels[] = [];
      for (let u = 0; u < st.units; u++) units.push(labelUnit(view, u));
      const saturated = new Uint8Array(st.units);
      let nSat = 0;
      let nZero = 0;
      for (let u = 0; u < st.units; u++) {
        if ((th[u] as number) === (st.quantile.maxValue[u] as number)) { saturated[u] = 1; nSat++; }
        if ((th[u] as number) === 0) nZero++;
      }
      const stats = layerStats(units, ds.categories, s.iouThreshold, nSat, nZero);
      const hint = nSat > 0 ? saturationHint(model, st.info, nSat) : undefined;
      const results = layerResults({
        ds, layer: st.info.name, shape: st.info.shape, model: { file: path.basename(s.model), sha256: model.sha256 },
        datasetDigest, settings, counts: view, units, thresholds: th, maxValues: st.quantile.maxValue, saturated,
        top: st.top, stats, ...(hint !== undefined ? { saturationHint: hint } : {}), toolVersion: TOOL_VERSION,
      });
      const dir = path.join(s.out, st.dir);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw new RunDirError(`cannot create ${dir}: ${describeFsError(err)}; free some space or choose another --out.`);
      }
      writeFileAtomic(path.join(dir, 'tally.csv'), tallyCsv(ds, units));
      writeFileAtomic(path.join(dir, 'thresholds.csv'), thresholdsCsv(th));
      writeFileAtomic(path.join(dir, 'intersection.csv'), intersectionCsv(view, st.units));
      writeFileAtomic(path.join(dir, 'activation.csv'), activationCsv(view, st.units, ds.categories));
      writeFileAtomic(path.join(dir, 'results.json'), JSON.stringify(results));
      writeKeptMaps(path.join(dir, 'unit-maps.seg'), st.cache.read(), th, st.mapSize); // explain: keep unit maps
      const best = results.units.filter((u) => u.detector).sort((a, b) => b.score - a.score || a.unit - b.unit).slice(0, 10)
        .map((u) => ({ unit: u.unit, name: u.name, category: u.category, score: u.score }));
      summaries.push({ layer: st.info.name, dir: st.dir, shape: st.info.shape, stats, best, ...(hint !== undefined ? { saturationHint: hint } : {}) });
    });
    writeFileAtomic(path.join(s.out, 'labels.csv'), labelsCsv(ds, truth));
    timings['write'] = now() - t;
    const spilled = states.reduce((a, st) => a + st.cache.spilledBytes, 0);

    const skippedList = skipped.map((k) => ({ file: k.file, reason: k.reason }));
    writeFileAtomic(runJson, `${JSON.stringify(manifest('complete', { images: { used: images.length - skipped.length, skipped: skippedList }, finishedAt: new Date().toISOString() }), null, 1)}\n`);
    rmSync(cacheDir, { recursive: true, force: true });
    return { runDir: s.out, images: images.length - skipped.length, skipped: skipped.length, layers: summaries, timings, cacheSpilledBytes: spilled, resumedImages: startImage };
  } catch (err) {
    const message = err instanceof NetDissectError ? err.message : `internal error: ${(err as Error).message}`;
    // Outputs of a failed run (one failing while writing them) must not sit there looking final.
    for (const f of [...runLayers.flatMap((l) => OUTPUT_FILES.map((o) => path.join(l.dir, o))), 'labels.csv']) {
      try { rmSync(path.join(s.out, f), { force: true }); } catch { /* a folder in its place is not ours */ }
    }
    try {
      writeFileAtomic(runJson, `${JSON.stringify(manifest('failed', { error: message, images: { used: 0, skipped: skipped.map((k) => ({ file: k.file, reason: k.reason })) } }), null, 1)}\n`);
    } catch {
      // The original error matters more than a failure to record it.
    }
    throw err;
  } finally {
    lock.release();
  }
}

function ortVersion(): string {
  return (ort.env as { versions?: { node?: string; common?: string } }).versions?.node
    ?? (ort.env as { versions?: { common?: string } }).versions?.common ?? 'unknown';
}

/** sha256 over the dataset's identity files (its tables), so a changed dataset refuses to resume. */
function digestDataset(ds: ConceptDataset): string {
  const h = createHash('sha256');
  for (const f of ds.identityFiles) {
    h.update(f);
    h.update('\0');
    try {
      h.update(readFileSync(path.join(ds.root, f)));
    } catch {
      h.update('(missing)');
    }
  }
  h.update(`images:${ds.images.length}`);
  return h.digest('hex');
}

interface Identity {
  readonly settings: ResultsSettings;
  readonly layers: readonly string[];
  readonly model: string;
  readonly dataset: string;
  readonly limit: number | null;
  readonly batch: number;
}

/**
 * Create and lock the run directory, or check that an existing run has the same settings.
 * Returns 'complete' (without locking) when that run already finished.
 */
function prepareRunDir(out: string, restart: boolean, id: Identity): RunLock | 'complete' {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new RunDirError(`--out ${out} is a file, not a folder; choose another --out.`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    let cause = err;
    // Node's recursive mkdir reports ENOENT for other failures (EROFS, EACCES): ask once more without it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(path.dirname(out))) {
      try { mkdirSync(out); } catch (again) { cause = again; }
    }
    throw new RunDirError(`cannot create the output folder ${out}: ${describeFsError(cause)}; choose another --out.`);
  }
  const lock = RunLock.acquire(out);
  try {
    const runJson = path.join(out, 'run.json');
    if (!existsSync(runJson)) return lock;
    let old: RunManifest | null = null;
    try {
      old = JSON.parse(readFileSync(runJson, 'utf8')) as RunManifest;
    } catch {
      if (!restart) throw new RunDirError(`${runJson} is not a readable run manifest; pass --restart to start the run over, or use another --out.`);
    }
    if (restart) {
      // Remove what the old run wrote, so nothing stale sits beside the new outputs.
      for (const l of old?.layers ?? []) rmSync(path.join(out, path.basename(l.dir)), { recursive: true, force: true });
      for (const f of ['run.json', 'labels.csv', '.cache']) rmSync(path.join(out, f), { recursive: true, force: true });
      return lock;
    }
    const differs: string[] = [];
    const cmp = (name: string, a: unknown, b: unknown): void => {
      if (JSON.stringify(a) !== JSON.stringify(b)) differs.push(`${name} (was ${JSON.stringify(a)}, now ${JSON.stringify(b)})`);
    };
    cmp('model', old!.model?.sha256, id.model);
    cmp('dataset', old!.dataset?.digest, id.dataset);
    cmp('layers', old!.settings?.layers, id.layers);
    const { batch: _b, limit: oldLimit, layers: _l, ...oldSettings } = old!.settings ?? ({} as RunManifest['settings']);
    cmp('limit', oldLimit, id.limit);
    for (const key of Object.keys({ ...oldSettings, ...id.settings }) as (keyof ResultsSettings)[]) {
      cmp(key, (oldSettings as Record<string, unknown>)[key], id.settings[key]);
    }
    if (differs.length > 0) {
      throw new RunDirError(`${out} holds a run with other settings: ${differs.join('; ')}. Pass --restart to replace it, or use another --out.`);
    }
    if (old!.state === 'complete') {
      lock.release();
      return 'complete';
    }
    return lock;
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** The summary of a finished run, read back from its results. */
function completedSummary(out: string, layers: readonly RunLayer[]): DissectSummary {
  const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
  const summaries = layers.map((l): LayerSummary => {
    const r = JSON.parse(readFileSync(path.join(out, l.dir, 'results.json'), 'utf8')) as LayerResults;
    const best = r.units.filter((u) => u.detector).sort((a, b) => b.score - a.score || a.unit - b.unit).slice(0, 10)
      .map((u) => ({ unit: u.unit, name: u.name, category: u.category, score: u.score }));
    return { layer: l.name, dir: l.dir, shape: l.shape, stats: r.stats, best, ...(r.saturationHint !== undefined ? { saturationHint: r.saturationHint } : {}) };
  });
  return { runDir: out, images: run.images.used, skipped: run.images.skipped.length, layers: summaries, timings: run.timings, cacheSpilledBytes: 0 };
}

/** Pass 1: the only forward pass. */
async function forwardPass(
  model: LoadedModel, inputSize: readonly [number, number], ds: ConceptDataset, n: number, first: number, s: DissectSettings,
  states: LayerState[], skipped: Skip[], progress: ProgressSink, checkpoint: (imagesDone: number) => void,
): Promise<void> {
  // A rotated layer is fetched through an appended 1×1 convolution by its rotation matrix, so
  // ONNX Runtime does the units×units mixing at every position.
  const mixes: ChannelMix[] = states.flatMap((st) => st.rotation
    ? [{ input: st.info.name, output: `${st.info.name}__netdissect_rotated`, weights: Float32Array.from(st.rotation), channels: st.units }]
    : []);
  const fetchName = (st: LayerState): string => (st.rotation ? `${st.info.name}__netdissect_rotated` : st.info.name);
  const names = states.map(fetchName);
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const bytes = withExtraOutputs(mixes.length ? withChannelMixes(model.bytes, mixes) : model.bytes, names.filter((x) => !existing.has(x)));
  const worker = await InferenceWorker.start(bytes, model.file, model.inputName, names, s.threads);
  const [H, W] = inputSize;
  const pixels = 3 * H * W;
  const load = async (start: number): Promise<{ tensor: Float32Array; indices: number[] }> => {
    const end = Math.min(start + s.batch, n);
    const decoded = await Promise.all(Array.from({ length: end - start }, async (_, j) => {
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
    const tensor = new Float32Array(decoded.filter((d) => d !== null).length * pixels);
    decoded.forEach((img, j) => {
      if (!img) return;
      writeInput(img, s.preprocess, model.layout, tensor, indices.length);
      indices.push(start + j);
    });
    return { tensor, indices };
  };
  const everyImages = s.checkpointImages ?? 1000;
  const everySeconds = s.checkpointSeconds ?? 300;
  let lastImages = first;
  let lastTime = now();
  progress.start('forward pass', n);
  try {
    type Loaded = { tensor: Float32Array; indices: number[] };
    const infer = (b: Loaded): Promise<Record<string, OutputTensor> | null> => (b.indices.length > 0
      ? worker.run(b.tensor, model.layout === 'NCHW' ? [b.indices.length, 3, H, W] : [b.indices.length, H, W, 3])
      : Promise.resolve(null));
    const prefetch = (start: number): Promise<Loaded> | null => {
      if (start >= n) return null;
      const p = load(start);
      p.catch(() => undefined); // surfaced when awaited
      return p;
    };
    // Three batches in flight: one being absorbed here, one in the model, one being decoded.
    let loaded = await load(first);
    let running = infer(loaded);
    let next = prefetch(first + s.batch);
    for (let start = first; start < n; start += s.batch) {
      const current = loaded;
      const outputs = await running;
      // Start the model on the next batch before absorbing this one, so it never waits for us.
      // A next batch that cannot be read fails the run only after this one is absorbed (and
      // checkpointed when due), so a rerun after the fix loses as little as possible.
      let nextFailed: unknown = null;
      if (next) {
        try {
          loaded = await next;
          running = infer(loaded);
          next = prefetch(start + 2 * s.batch);
        } catch (err) {
          nextFailed = err;
        }
      }
      if (outputs) for (const st of states) absorb(st, outputs[fetchName(st)]!, current.indices, ds);
      manageMemory(states, s.memoryBudget);
      const done = Math.min(start + s.batch, n);
      if (done < n && (done - lastImages >= everyImages || now() - lastTime >= everySeconds)) {
        checkpoint(done);
        lastImages = done;
        lastTime = now();
      }
      progress.update(done);
      if (nextFailed !== null) throw nextFailed;
    }
    // A long forward pass ends with a checkpoint too, so a crash while counting resumes there.
    if (n - lastImages >= everyImages || now() - lastTime >= everySeconds) checkpoint(n);
  } finally {
    progress.finish();
    await worker.close();
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

function labelTables(ds: ConceptDataset): LabelTables {
  let max = 0;
  ds.labels.forEach((l, i) => { if (l) max = Math.max(max, i); });
  const primary = new Int32Array(max + 1).fill(-1);
  for (const l of ds.labels) if (l) primary[l.number] = ds.categories.indexOf(l.primaryCategory);
  return { labelCount: max + 1, categoryCount: ds.categories.length, primary };
}

/** Pass 2: counts from the candidate cache; each image's labels are decoded once. */
async function countPass(
  ds: ConceptDataset, n: number, semantics: Semantics, states: LayerState[], thresholds: Float64Array[],
  tables: LabelTables, truth: Float64Array, skippedSet: Set<number>, skipped: Skip[], skipBad: boolean, progress: ProgressSink,
): Promise<LayerCounts[]> {
  let maxPixels = 0;
  for (let i = 0; i < n; i++) maxPixels = Math.max(maxPixels, ds.images[i]!.sh * ds.images[i]!.sw);
  const counts = states.map((st) => new LayerCounts(st.units, st.info.shape[1], st.info.shape[2], tables, semantics, maxPixels));
  const t32 = thresholds.map((th) => Float32Array.from(th));
  const cursors = states.map((st) => new CacheCursor(st.cache));
  progress.start('counting', n);
  try {
    // Read a few images' labels ahead, so file reads overlap counting.
    const ahead = new Map<number, Promise<ImageLabels>>();
    const request = (i: number): void => {
      if (i < n && !skippedSet.has(i) && !ahead.has(i)) {
        const p = ds.readLabels(i);
        p.catch(() => undefined); // handled when awaited
        ahead.set(i, p);
      }
    };
    for (let image = 0; image < n; image++) {
      if (skippedSet.has(image)) continue;
      for (let j = 0; j <= LABEL_PREFETCH; j++) request(image + j);
      let prepared;
      try {
        const labels = await ahead.get(image)!;
        ahead.delete(image);
        const rec = ds.images[image]!;
        prepared = prepareLabels(labels.byCategory, rec.sh, rec.sw, tables, truth);
      } catch (err) {
        if (skipBad && err instanceof DatasetError) {
          skipped.push({ index: image, file: ds.images[image]!.file, reason: `labels: ${err.message}` });
          prepared = null;
        } else throw err;
      }
      for (let li = 0; li < states.length; li++) {
        const mapSize = states[li]!.mapSize;
        const th = t32[li]!;
        const c = counts[li]!;
        cursors[li]!.takeBefore(image + 1, (seg, pos) => {
          // Entries of earlier images belong to images skipped while counting.
          if (!prepared || seg.images[pos] !== image) return;
          const u = seg.units[pos] as number;
          const thr = th[u] as number;
          if ((seg.maxes[pos] as number) > thr) c.add(u, seg.maps, pos * mapSize, thr, prepared);
        });
      }
      progress.update(image + 1);
    }
  } finally {
    progress.finish();
  }
  return counts;
}

/** Images per chunk sent to a counting worker. */
const COUNT_CHUNK = 32;

/**
 * Pass 2 on worker threads: the main thread walks the candidate cache in image order and sends
 * chunks of images with their above-threshold maps; each worker reads those images' labels and
 * counts. Partial counts are integers, summed here: the same result as one thread, bit for bit.
 */
async function countPassParallel(
  spec: DatasetSpec, nWorkers: number, ds: ConceptDataset, n: number, semantics: Semantics, states: LayerState[],
  thresholds: Float64Array[], tables: LabelTables, truth: Float64Array, skippedSet: Set<number>, skipped: Skip[],
  skipBad: boolean, progress: ProgressSink,
): Promise<LayerCounts[]> {
  let maxPixels = 0;
  for (let i = 0; i < n; i++) maxPixels = Math.max(maxPixels, ds.images[i]!.sh * ds.images[i]!.sw);
  const init: CountWorkerInit = {
    spec, tables, semantics, maxPixels, skipBadImages: skipBad,
    layers: states.map((st) => ({ units: st.units, h: st.info.shape[1], w: st.info.shape[2] })),
  };
  const workers = Array.from({ length: nWorkers }, () => new Worker(new URL('../tally/count-worker.js', import.meta.url), { workerData: init }));
  const inFlight = workers.map(() => 0);
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  let done = 0;
  const finished: Promise<{ truth: Float64Array; skipped: Skip[]; intersection: Float64Array[]; activation: Float64Array[] }>[] = [];
  workers.forEach((w, wi) => {
    finished.push(new Promise((resolve, reject) => {
      w.on('message', (msg: { done?: number; images?: number; error?: string; datasetError?: boolean; finished?: boolean }) => {
        if (msg.done !== undefined) {
          inFlight[wi]!--;
          done += msg.images!;
          progress.update(Math.min(done + skippedSet.size, n));
        } else if (msg.error !== undefined) {
          failure = msg.datasetError ? new DatasetError(msg.error) : new Error(msg.error);
          reject(failure);
        } else if (msg.finished) {
          resolve(msg as unknown as { truth: Float64Array; skipped: Skip[]; intersection: Float64Array[]; activation: Float64Array[] });
        }
        wake?.();
      });
      w.on('error', (err) => { failure = err; reject(err); wake?.(); });
    }));
    finished[wi]!.catch(() => undefined);
  });
  const t32 = thresholds.map((th) => Float32Array.from(th));
  const cursors = states.map((st) => new CacheCursor(st.cache));
  progress.start('counting', n);
  try {
    let chunkId = 0;
    for (let a = 0; a < n; a += COUNT_CHUNK) {
      const b = Math.min(a + COUNT_CHUNK, n);
      const images: number[] = [];
      for (let i = a; i < b; i++) if (!skippedSet.has(i)) images.push(i);
      const layers: ChunkLayer[] = states.map((st, li) => collectChunk(cursors[li]!, st.mapSize, t32[li]!, b, skippedSet));
      // Send to the least busy worker; wait while every worker has two chunks queued.
      for (;;) {
        if (failure) throw failure;
        const wi = inFlight.indexOf(Math.min(...inFlight));
        if (inFlight[wi]! < 2) {
          inFlight[wi]!++;
          const chunk: Chunk = { id: chunkId++, images, layers };
          workers[wi]!.postMessage({ chunk }, layers.flatMap((l) => [l.images.buffer, l.units.buffer, l.thresholds.buffer, l.maps.buffer]) as ArrayBuffer[]);
          break;
        }
        await new Promise<void>((r) => { wake = r; });
        wake = null;
      }
    }
    for (const w of workers) w.postMessage({ finish: true });
    const parts = await Promise.all(finished);
    const counts = states.map((st) => new LayerCounts(st.units, st.info.shape[1], st.info.shape[2], tables, semantics, 1));
    for (const part of parts) {
      for (let l = 0; l < truth.length; l++) truth[l] = (truth[l] as number) + (part.truth[l] as number);
      counts.forEach((c, li) => {
        const pi = part.intersection[li]!;
        for (let j = 0; j < pi.length; j++) if (pi[j] !== 0) c.intersection[j] = (c.intersection[j] as number) + (pi[j] as number);
        const pa = part.activation[li]!;
        for (let j = 0; j < pa.length; j++) c.activation[j] = (c.activation[j] as number) + (pa[j] as number);
      });
      skipped.push(...part.skipped);
    }
    skipped.sort((x, y) => x.index - y.index);
    return counts;
  } finally {
    progress.finish();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Take from a layer's cache cursor every entry of images < end whose max passes its threshold. */
function collectChunk(cur: CacheCursor, mapSize: number, t32: Float32Array, end: number, skippedSet: Set<number>): ChunkLayer {
  const images: number[] = [];
  const units: number[] = [];
  const thr: number[] = [];
  const picks: { seg: Segment; pos: number }[] = [];
  cur.takeBefore(end, (seg, pos) => {
    const img = seg.images[pos] as number;
    const u = seg.units[pos] as number;
    const t = t32[u] as number;
    if (!skippedSet.has(img) && (seg.maxes[pos] as number) > t) {
      images.push(img);
      units.push(u);
      thr.push(t);
      picks.push({ seg, pos });
    }
  });
  const maps = new Float32Array(picks.length * mapSize);
  picks.forEach((p, i) => maps.set(p.seg.maps.subarray(p.pos * mapSize, (p.pos + 1) * mapSize), i * mapSize));
  return { images: Int32Array.from(images), units: Int32Array.from(units), thresholds: Float32Array.from(thr), maps };
}

/** Where the clipped units come from, and which tensor to dissect instead. */
function saturationHint(model: LoadedModel, layer: LayerInfo, saturated: number): string {
  // Walk back through pass-through nodes (Identity) to the op that clips.
  const producer = (t: string) => model.graph.nodes.find((nd) => nd.outputs.includes(t));
  let node = producer(layer.name);
  for (let hops = 0; node && node.opType === 'Identity' && node.inputs[0] && hops < 16; hops++) node = producer(node.inputs[0]);
  const clips = node !== undefined && /^(Clip|Relu|Relu6|Min|HardSigmoid|HardSwish|Sigmoid|Tanh)$/.test(node.opType);
  const pre = clips ? node!.inputs[0] : undefined;
  const what = `${saturated} of ${layer.shape[0]} units of '${layer.name}' saturate: their threshold equals their largest activation${node ? ` (the tensor comes from a ${node.opType})` : ''}, so under the strict '>' their masks are always empty.`;
  return pre ? `${what} Dissect the pre-activation tensor '${pre}' instead.` : `${what} Dissect a tensor before the clipping activation instead ('netdissect layers' shows each tensor's producing op).`;
}
