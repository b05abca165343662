// The plan of a run (everything a stage needs besides its shard, as JSON in the run's scratch
// folder) and the context a process builds from it: the model loaded, the dataset opened, the
// layers resolved. The coordinator builds its context from the same plan, so every process, local
// or remote, runs the stages with the same inputs, and a process whose model or dataset differs
// from the plan's refuses to work on it.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDataset, type DatasetSpec } from '../dataset/open.js';
import type { ConceptDataset } from '../dataset/types.js';
import { loadModel, type LayerInfo, type LayerSession, type LoadedModel } from '../model/model.js';
import { writeFileAtomic } from '../run/atomic.js';
import { digestDataset } from '../run/run-dir.js';
import type { Semantics } from '../run/results-types.js';
import { DatasetError, ModelError, RunDirError } from '../util/errors.js';
import { TOOL_VERSION } from '../util/version.js';
import { labelTables, maxLabelPixels, type CountSetup } from './count.js';
import { openForwardSession, type ForwardJob, type ForwardSettings } from './forward.js';
import type { Shard } from './shards.js';

export interface RunPlan {
  readonly schema: 'netdissect/plan';
  readonly tool: string;
  readonly identity: string;
  readonly runDir: string;
  readonly scratch: string;
  readonly model: { readonly path: string; readonly sha256: string };
  readonly dataset: { readonly spec: DatasetSpec; readonly digest: string };
  readonly layers: readonly string[];
  /** The layers' shapes, as the coordinator's session reported them (workers need no probe). */
  readonly layerInfos: readonly LayerInfo[];
  readonly layerDirs: readonly string[];
  readonly inputSize: readonly [number, number];
  readonly totalImages: number;
  readonly shards: readonly Shard[];
  readonly forward: ForwardSettings;
  readonly semantics: Semantics;
  /** Counting threads per process. */
  readonly countWorkers: number;
}

export const PLAN_FILE = 'plan.json';

export function writePlan(plan: RunPlan): void {
  mkdirSync(plan.scratch, { recursive: true });
  writeFileAtomic(path.join(plan.scratch, PLAN_FILE), `${JSON.stringify(plan, null, 1)}\n`);
}

export function readPlan(scratch: string): RunPlan {
  const file = path.join(scratch, PLAN_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunPlan;
  } catch (err) {
    throw new RunDirError(`cannot read the run plan ${file}: ${(err as Error).message}; is the run directory shared with this worker at the same path?`);
  }
}

/** A process's view of a run: the plan and what it takes to run its stages. */
export interface StageContext {
  readonly plan: RunPlan;
  readonly ds: ConceptDataset;
  readonly model: LoadedModel;
  readonly layers: readonly LayerInfo[];
  readonly forward: ForwardJob;
  readonly count: CountSetup;
  /** Close the forward session this context opened (if any). */
  close(): Promise<void>;
}

/**
 * The context from already opened parts. The forward session is opened on the first forward
 * pass and kept for the next shards (one session creation per process, not per shard); `session`
 * is one the caller opened already (the coordinator, which learned the shapes from it).
 */
export function contextOf(plan: RunPlan, ds: ConceptDataset, model: LoadedModel, layers: readonly LayerInfo[], opened?: LayerSession): StageContext {
  let session: Promise<LayerSession> | null = opened ? Promise.resolve(opened) : null;
  const forwardBase = { model, inputSize: plan.inputSize, settings: plan.forward };
  return {
    plan, ds, model, layers,
    forward: {
      ...forwardBase, layers, layerDirs: plan.layerDirs, ds, totalImages: plan.totalImages, identity: plan.identity,
      session: () => {
        session ??= openForwardSession(forwardBase, plan.layers);
        session.catch(() => { session = null; });
        return session;
      },
    },
    count: {
      tables: labelTables(ds),
      layers: layers.map((l) => ({ units: l.shape[0], h: l.shape[1], w: l.shape[2] })),
      semantics: plan.semantics,
      maxPixels: maxLabelPixels(ds),
      skipBadImages: plan.forward.skipBadImages,
    },
    async close(): Promise<void> {
      const s = session;
      session = null;
      if (s) await (await s.catch(() => null))?.worker.close();
    },
  };
}

/**
 * Open the plan's model and dataset in this process and check they are the plan's: the same
 * tool version, model bytes and dataset tables. A worker that differs refuses the job.
 */
export async function openContext(plan: RunPlan): Promise<StageContext> {
  if (plan.tool !== TOOL_VERSION) {
    throw new RunDirError(`this worker runs netdissect ${TOOL_VERSION} but the run ${plan.runDir} was planned by ${plan.tool}; install the same version on every machine.`);
  }
  const model = await loadModel(plan.model.path);
  const sha256 = await model.sha256;
  if (sha256 !== plan.model.sha256) {
    throw new ModelError(`${plan.model.path} on this worker differs from the coordinator's model (sha256 ${sha256.slice(0, 12)}… vs ${plan.model.sha256.slice(0, 12)}…); every machine must see the same file at the same path.`);
  }
  const ds = await openDataset(plan.dataset.spec);
  const digest = digestDataset(ds);
  if (digest !== plan.dataset.digest) {
    throw new DatasetError(`the dataset at ${ds.root} on this worker differs from the coordinator's (digest ${digest.slice(0, 12)}… vs ${plan.dataset.digest.slice(0, 12)}…); every machine must see the same dataset at the same path.`);
  }
  return contextOf(plan, ds, model, plan.layerInfos);
}
