// A whole dissection run, as orchestration of the stages (src/stages/): pass 1 (the forward pass)
// of every shard, the merge that gives exact thresholds, pass 2 (counting) of every shard, the
// merge of the counts, and the outputs. The stages run in this process (one shard by default),
// in local worker processes (--shards N), or on workers anywhere through Redis (--queue URL):
// the same stage functions in every case, so every case writes the same bytes.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset } from '../dataset/types.js';
import { loadModel, resolveInputSize, type LayerSession, type LoadedModel } from '../model/model.js';
import type { Preprocess } from '../model/preprocess.js';
import { contextOf, writePlan, type RunPlan, type StageContext } from '../stages/context.js';
import { countShard, type CountPartial } from '../stages/count.js';
import { forwardShard, openForwardSession, type ShardPass1 } from '../stages/forward.js';
import { mergeCounts, mergePass1, type MergedPass1 } from '../stages/merge.js';
import { writePass1State } from '../stages/pass1-state.js';
import { loadShardPass1, readCountPartial, readMergedPass1, scratchDir, shardDir } from '../stages/partial-files.js';
import { KEPT_MAPS_FILE, KeptMapsWriter, writeKeptMaps } from '../explain/kept-maps.js';
import { shardsAt, splitShards, type Shard, type Skip } from '../stages/shards.js';
import { DatasetError, InterruptedError, NetDissectError, RunDirError } from '../util/errors.js';
import { silentProgress, type ProgressSink } from '../util/progress.js';
import { Random } from '../util/random.js';
import { TOOL_VERSION } from '../util/version.js';
import { DEFAULTS } from './defaults.js';
import { inProcessExecutor, type Executor } from '../distributed/executor.js';
import type { ResultsSettings, Semantics } from './results-types.js';
import {
  completedLayers, digestDataset, identityDigest, layerDirName, prepareRunDir, readManifest, toolInfo, writeManifest, type RunIdentity,
} from './run-dir.js';
import type { RunLayer, RunManifest } from './run-types.js';
import { OUTPUT_FILES, writeOutputs, type LayerSummary } from './write-outputs.js';

export { layerDirName } from './run-dir.js';
export type { LayerSummary } from './write-outputs.js';

/** Preprocessing as the run records it: the constants, and the preset they came from. */
export interface RunPreprocess extends Preprocess {
  /** Preset name, or null for explicit --mean/--std. */
  readonly preset?: string | null;
  /** The preset was not chosen: the default was assumed (the summary says so). */
  readonly assumed?: boolean;
}

export interface DissectSettings {
  readonly model: string;
  /**
   * `model` already loaded (loadModel) by the caller: it is not read and hashed again. Its bytes
   * are released once the forward session exists (its graph, names and digest stay usable).
   */
  readonly loadedModel?: LoadedModel;
  readonly layers: readonly string[];
  readonly out: string;
  readonly semantics?: Semantics;
  readonly preprocess: RunPreprocess;
  readonly inputSize?: readonly [number, number];
  readonly quantile?: number;
  readonly iouThreshold?: number;
  readonly batch?: number;
  readonly limit?: number | null;
  readonly topK?: number;
  /** Bytes of candidate cache held in memory before spilling to disk (per process). */
  readonly memoryBudget?: number;
  readonly skipBadImages?: boolean;
  readonly threads?: number;
  readonly restart?: boolean;
  /** Rotate each layer's unit basis before thresholds (the paper's interpretability-of-basis test). */
  readonly rotation?: { readonly seed: number; readonly alpha: number };
  /** Checkpoint the forward pass after this many images, or this many seconds, whichever first. */
  readonly checkpointImages?: number;
  readonly checkpointSeconds?: number;
  /** The command line, recorded in run.json. */
  readonly command?: readonly string[];
  /**
   * How other threads and processes reopen the dataset (the dataset must be the one
   * `openDataset(datasetSpec)` returns). Without it, shards cannot run in other processes.
   */
  readonly datasetSpec?: DatasetSpec;
  /** Threads that count in pass 2, this one included (default: the machine's cores). */
  readonly countWorkers?: number;
  /** Split the images into this many shards (default 1). */
  readonly shards?: number;
  /** Run the shards in this many local worker processes (default: min(shards, cores); 0 = this process). */
  readonly processes?: number;
  /** Run the shards on workers through this Redis (BullMQ), e.g. redis://host:6379. */
  readonly queue?: string;
  /** Stop after checkpointing (the run can be resumed). */
  readonly signal?: AbortSignal;
  /** Messages for the user (resuming, already complete); stderr by default. */
  readonly log?: (message: string) => void;
  /** Tests: explicit shard boundaries, and a seed that shuffles the order partials are merged in. */
  readonly testing?: { readonly cuts?: readonly number[]; readonly mergeSeed?: number };
}

export interface DissectSummary {
  readonly runDir: string;
  readonly images: number;
  readonly skipped: number;
  readonly layers: readonly LayerSummary[];
  readonly timings: Readonly<Record<string, number>>;
  readonly cacheSpilledBytes: number;
  readonly preprocess: ResultsSettings['preprocess'];
  /** The run was already complete with these settings: nothing was recomputed. */
  readonly reused?: boolean;
  /** Images whose forward pass came from a checkpoint. */
  readonly resumedImages?: number;
  /** How the shards ran. */
  readonly shards?: { readonly count: number; readonly where: string; readonly workersSeen?: number };
}

const now = (): number => performance.now() / 1000;

export async function dissect(ds: ConceptDataset, s: DissectSettings, progress: ProgressSink = silentProgress): Promise<DissectSummary> {
  const timings: Record<string, number> = {};
  let t = now();
  const model = s.loadedModel ?? await loadModel(s.model);
  const inputSize = resolveInputSize(model, s.inputSize);
  const batch = s.batch ?? DEFAULTS.batch;
  // The hash reads the file a second time while ONNX Runtime creates the session.
  const hashing = model.sha256;
  // The one session of this process's forward pass: it checks the layers and reports their shapes.
  const session = await openForwardSession({ model, inputSize, settings: { threads: s.threads ?? DEFAULTS.threads, batch, rotation: s.rotation } }, s.layers);
  try {
    const sha256 = await hashing;
    // The session holds the (cut) model inside ONNX Runtime: the file's bytes are garbage now.
    await model.store.release();
    timings['load'] = now() - t;
    return await run(ds, s, progress, model, sha256, inputSize, session, timings);
  } finally {
    await session.worker.close();
  }
}

async function run(
  ds: ConceptDataset, s: DissectSettings, progress: ProgressSink, model: LoadedModel, sha256: string, inputSize: readonly [number, number], session: LayerSession,
  timings: Record<string, number>,
): Promise<DissectSummary> {
  let t = now();
  const layers = session.layers;

  const quantile = s.quantile ?? DEFAULTS.quantile;
  const topK = s.topK ?? DEFAULTS.topK;
  const limit = s.limit ?? null;
  const n = limit === null ? ds.images.length : Math.min(limit, ds.images.length);
  if (n === 0) throw new DatasetError(`${ds.root}: no images to dissect.`);
  const settings: ResultsSettings = {
    semantics: s.semantics ?? DEFAULTS.semantics,
    quantile,
    iouThreshold: s.iouThreshold ?? DEFAULTS.iouThreshold,
    categories: ds.categories,
    topK,
    preprocess: {
      preset: s.preprocess.preset ?? null,
      assumed: s.preprocess.assumed === true,
      mean: s.preprocess.mean,
      std: s.preprocess.std,
      inputSize,
      layout: model.layout,
    },
    ...(s.rotation ? { rotation: { seed: s.rotation.seed, alpha: s.rotation.alpha } } : {}),
  };
  const datasetDigest = digestDataset(ds);
  const runLayers: RunLayer[] = layers.map((l) => ({ name: l.name, dir: layerDirName(l.name), shape: l.shape }));
  const dirs = new Set<string>();
  for (const l of runLayers) {
    if (dirs.has(l.dir)) throw new RunDirError(`layers map to the same folder '${l.dir}'; dissect them in separate runs.`);
    dirs.add(l.dir);
  }
  const id: RunIdentity = { settings, layers: s.layers, model: sha256, dataset: datasetDigest, limit };
  const datasetSpec = s.datasetSpec ?? specOf(ds);
  const identity = identityDigest(id);
  const log = s.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const lock = prepareRunDir(s.out, s.restart === true, id);
  if (lock === 'complete') {
    log(`${s.out} already holds a complete run with these settings; nothing to do (pass --restart to recompute).`);
    const run = readManifest(s.out);
    return {
      runDir: s.out, images: run.images.used, skipped: run.images.skipped.length, layers: completedLayers(s.out, runLayers),
      timings: run.timings, cacheSpilledBytes: 0, preprocess: settings.preprocess, reused: true,
    };
  }

  const shards = s.testing?.cuts ? shardsAt(n, s.testing.cuts) : splitShards(n, s.shards ?? 1);
  const scratch = scratchDir(s.out, shards.length);
  const batch = s.batch ?? DEFAULTS.batch;
  const cores = availableParallelism();
  const mode = s.queue !== undefined ? 'queue' : shards.length > 1 && (s.processes ?? 1) > 0 && s.testing?.cuts === undefined ? 'processes' : 'in-process';
  const processes = mode === 'processes' ? Math.max(1, Math.min(s.processes ?? Math.min(shards.length, cores), shards.length)) : 1;
  if (mode !== 'in-process' && !datasetSpec) {
    throw new RunDirError(`${mode === 'queue' ? '--queue' : '--shards'} needs the dataset named by its options (a dataset spec), so that worker processes can open it.`);
  }
  const plan: RunPlan = {
    schema: 'netdissect/plan',
    tool: TOOL_VERSION,
    identity,
    runDir: path.resolve(s.out),
    scratch: path.resolve(scratch),
    model: { path: path.resolve(s.model), sha256 },
    dataset: { spec: datasetSpec ?? {}, digest: datasetDigest },
    layers: s.layers,
    layerInfos: layers,
    layerDirs: runLayers.map((l) => l.dir),
    inputSize,
    totalImages: n,
    shards,
    forward: {
      preprocess: { mean: s.preprocess.mean, std: s.preprocess.std },
      batch,
      // Processes on one machine share its cores: by default each gets its part of them.
      threads: s.threads ?? (mode === 'processes' ? Math.max(1, Math.floor(cores / processes)) : DEFAULTS.threads),
      quantile,
      topK,
      skipBadImages: s.skipBadImages === true,
      memoryBudget: Math.floor((s.memoryBudget ?? DEFAULTS.memoryBudget) / processes),
      rotation: s.rotation,
      checkpointImages: s.checkpointImages ?? DEFAULTS.checkpointImages,
      checkpointSeconds: s.checkpointSeconds ?? DEFAULTS.checkpointMinutes * 60,
    },
    semantics: settings.semantics,
    countWorkers: Math.min(s.countWorkers ?? Math.max(1, Math.floor(cores / processes)), 8),
  };
  // In this process the forward pass reuses the session opened above; worker processes open their own.
  const ctx = contextOf(plan, ds, model, layers, mode === 'in-process' ? session : undefined);
  if (mode !== 'in-process') await session.worker.close();

  const startedAt = new Date().toISOString();
  let skipped: readonly Skip[] = [];
  let imagesDone = 0;
  const manifest = (state: RunManifest['state'], extra: Partial<RunManifest>): RunManifest => ({
    schema: 'netdissect/run',
    version: 1,
    state,
    tool: toolInfo(),
    command: s.command ?? [],
    model: { path: path.resolve(s.model), sha256, input: model.inputName },
    dataset: {
      root: path.resolve(ds.root), format: ds.format, digest: datasetDigest, images: n,
      ...(datasetSpec ? { spec: datasetSpec } : {}),
    },
    settings: { ...settings, batch, limit, layers: s.layers, ...(shards.length > 1 ? { shards: shards.length } : {}) },
    layers: runLayers,
    images: { used: 0, skipped: [] },
    timings,
    startedAt,
    ...extra,
  });
  writeManifest(s.out, manifest('running', {}));
  // Other shard splits of this run left folders of their own; they are of no use to this one.
  for (const other of listOtherScratch(s.out, shards.length)) rmSync(other, { recursive: true, force: true });
  let executor: Executor = inProcessExecutor;
  try {
    // Inside the try: a queue that cannot be reached fails the run like anything else (run.json
    // says failed, the lock is released).
    executor = await chooseExecutor(mode, s.queue, processes, plan, log);
    t = now();
    progress.start('forward pass', n);
    const forwardDone = new Map<number, number>();
    const onForward = (shard: Shard) => (done: number): void => {
      forwardDone.set(shard.index, done);
      imagesDone = [...forwardDone.values()].reduce((a, b) => a + b, 0);
      progress.update(imagesDone);
    };
    let parts: ShardPass1[] | null = null;
    let merged: MergedPass1;
    let resumed = 0;
    try {
      if (executor.kind === 'in-process') {
        parts = [];
        for (const shard of shards) {
          const onResume = (images: number): void => log(`resuming ${s.out} from its checkpoint: ${images} of ${shard.end - shard.start} images${shards.length > 1 ? ` of shard ${shard.index}` : ''} already through the forward pass`);
          const part = await forwardShard(ctx.forward, shard, shardDir(scratch, shard), { persist: false, onImages: onForward(shard), signal: s.signal, log, onResume });
          resumed += part.resumed;
          parts.push(part);
        }
        merged = mergePass1(inMergeOrder(parts, s.testing?.mergeSeed), n, layers.map((l) => l.shape[1] * l.shape[2]), quantile, topK);
      } else {
        await executor.run(ctx, 'pass1', (shard, done) => onForward(shard)(done), s.signal);
        merged = readMergedPass1(scratch, identity)!;
      }
    } finally {
      progress.finish();
    }
    timings['forward'] = now() - t;
    // Pass 1 was this process's last use of the model: release ONNX Runtime's session, its arena
    // and its thread before the counting threads start, so the two never add up in memory.
    await session.worker.close();
    skipped = merged.skipped;
    if (merged.used === 0) throw new DatasetError(`${ds.root}: every image was skipped as unreadable; nothing to dissect.`);
    imagesDone = n;

    t = now();
    progress.start('counting', n);
    const countDone = new Map<number, number>();
    const onCount = (shard: Shard, done: number): void => {
      countDone.set(shard.index, done);
      progress.update(Math.min(n, [...countDone.values()].reduce((a, b) => a + b, 0) + merged.skipped.length));
    };
    let counts: CountPartial;
    const keptMapsFile = (li: number): string => path.join(s.out, plan.layerDirs[li]!, KEPT_MAPS_FILE);
    // In this process, the maps above their thresholds go to unit-maps.seg as counting takes them
    // from the cache (one read of it, not two); other executors' caches are read once more below.
    let kept: KeptMapsWriter[] | null = null;
    try {
      if (parts) {
        const skippedSet = new Set(merged.skipped.map((k) => k.index));
        const thresholds = merged.layers.map((l) => l.thresholds);
        kept = layers.map((l, li) => {
          mkdirSync(path.dirname(keptMapsFile(li)), { recursive: true });
          return new KeptMapsWriter(keptMapsFile(li), l.shape[1] * l.shape[2]);
        });
        const writers = kept;
        const countParts: CountPartial[] = [];
        for (const part of parts) {
          countParts.push(await countShard(ds, ctx.count, part.shard, part.layers.map((l) => l.cache), thresholds, skippedSet, {
            workers: plan.countWorkers, onImages: (d) => onCount(part.shard, d), signal: s.signal,
            onChunk: (chunk) => chunk.layers.forEach((l, li) => writers[li]!.addAll(l)),
          }));
        }
        counts = mergeCounts(inMergeOrder(countParts, s.testing?.mergeSeed === undefined ? undefined : s.testing.mergeSeed + 1));
      } else {
        await executor.run(ctx, 'pass2', onCount, s.signal);
        counts = readCountPartial(scratch, 'merged', identity)!;
      }
    } catch (err) {
      for (const w of kept ?? []) w.abort();
      // The forward pass is done: keep it, so a rerun only counts.
      if (err instanceof InterruptedError && parts) persistForward(ctx, scratch, parts);
      throw err;
    } finally {
      progress.finish();
    }
    timings['counting'] = now() - t;

    t = now();
    skipped = [...merged.skipped, ...counts.skipped].sort((a, b) => a.index - b.index);
    let summaries: LayerSummary[];
    try {
      summaries = writeOutputs({
        out: s.out, ds, model, modelSha256: sha256, modelFile: s.model, datasetDigest, layers, layerDirs: plan.layerDirs, settings,
        tables: ctx.count.tables, pass1: merged, counts, toolVersion: TOOL_VERSION,
      });
      // The maps above their thresholds stay in the run (unit-maps.seg per layer), so `explain` and
      // `baseline` need no second forward pass.
      if (kept) {
        for (const w of kept) w.finish();
      } else {
        const shardParts = shards.map((shard) => loadShardPass1(scratch, shard, identity, layers.map((l) => l.shape[1] * l.shape[2]), plan.layerDirs)!);
        layers.forEach((l, li) => {
          const segments = (function* () { for (const p of shardParts) yield* p.layers[li]!.cache.read(); })();
          writeKeptMaps(keptMapsFile(li), segments, merged.layers[li]!.thresholds, l.shape[1] * l.shape[2]);
        });
      }
    } catch (err) {
      for (const w of kept ?? []) w.abort();
      throw err;
    }
    timings['write'] = now() - t;
    const spilled = parts ? parts.reduce((a, p) => a + p.layers.reduce((b, l) => b + l.cache.spilledBytes, 0), 0) : 0;
    const skippedList = skipped.map((k) => ({ file: k.file, reason: k.reason }));
    writeManifest(s.out, manifest('complete', { images: { used: n - skipped.length, skipped: skippedList }, finishedAt: new Date().toISOString() }));
    rmSync(path.join(s.out, '.cache'), { recursive: true, force: true });
    return {
      runDir: s.out, images: n - skipped.length, skipped: skipped.length, layers: summaries, timings, cacheSpilledBytes: spilled,
      preprocess: settings.preprocess, resumedImages: resumed,
      ...(executor.kind !== 'in-process' || shards.length > 1 ? { shards: { count: shards.length, where: executor.describe(), ...(executor.workersSeen ? { workersSeen: executor.workersSeen() } : {}) } } : {}),
    };
  } catch (err) {
    const interrupted = err instanceof InterruptedError;
    const message = interrupted
      ? `interrupted at ${Math.min(imagesDone, n)} of ${n} images; rerun the same command to resume`
      : err instanceof NetDissectError ? err.message : `internal error: ${(err as Error).message}`;
    // Outputs of a failed run (one failing while writing them) must not sit there looking final.
    for (const f of [...runLayers.flatMap((l) => OUTPUT_FILES.map((o) => path.join(l.dir, o))), 'labels.csv']) {
      try { rmSync(path.join(s.out, f), { force: true }); } catch { /* a folder in its place is not ours */ }
    }
    try {
      writeManifest(s.out, manifest(interrupted ? 'interrupted' : 'failed', { error: message, images: { used: 0, skipped: skipped.map((k) => ({ file: k.file, reason: k.reason })) } }));
    } catch {
      // The original error matters more than a failure to record it.
    }
    if (interrupted) throw new InterruptedError(Math.min(imagesDone, n), message);
    throw err;
  } finally {
    await executor.close();
    lock.release();
  }
}

/**
 * The spec that reopens `ds` when the caller gave none: a Broden folder is its root and its
 * categories; other formats need the caller's spec (their options cannot be read back).
 */
function specOf(ds: ConceptDataset): DatasetSpec | undefined {
  return ds.format === 'broden' ? { dataset: path.resolve(ds.root), format: 'broden', categories: [...ds.categories] } : undefined;
}

/** The forward pass of every shard, written to the shards' folders (a checkpoint at the end). */
function persistForward(ctx: StageContext, scratch: string, parts: readonly ShardPass1[]): void {
  for (const p of parts) {
    writePass1State(shardDir(scratch, p.shard), {
      identity: ctx.plan.identity,
      imagesDone: p.shard.end,
      skipped: p.skipped,
      layers: p.layers.map((l) => ({
        lowerBound: new Float32Array(l.maxValue.length).fill(-Infinity), maxValue: l.maxValue, pools: l.pools, top: l.top, segmentFiles: l.cache.persist(),
      })),
    }, p.shard.end);
  }
}

/** Partials in the order they are merged: shard order, or shuffled by a seed (tests). */
function inMergeOrder<T>(parts: readonly T[], seed: number | undefined): T[] {
  const out = [...parts];
  if (seed === undefined) return out;
  const rng = new Random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function listOtherScratch(out: string, shards: number): string[] {
  const dir = path.join(out, '.cache');
  const keep = path.basename(scratchDir(out, shards));
  try {
    return readdirSync(dir).filter((name) => name !== keep).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

async function chooseExecutor(mode: 'queue' | 'processes' | 'in-process', queue: string | undefined, processes: number, plan: RunPlan, log: (m: string) => void): Promise<Executor> {
  if (mode === 'in-process') return inProcessExecutor;
  writePlan(plan);
  if (mode === 'queue') {
    const { queueExecutor } = await import('../distributed/queue-executor.js');
    return queueExecutor(queue!, log);
  }
  const { processExecutor } = await import('../distributed/process-executor.js');
  return processExecutor(processes, log);
}
