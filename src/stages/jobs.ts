// A stage job: one stage of one shard (or one merge) of a planned run, run from the files in the
// run directory and leaving its partial there. Jobs are idempotent: a job whose partial already
// exists returns at once, and one that runs twice (at-least-once delivery) writes the same
// partial under the same name. Local worker processes and remote workers run these; the
// coordinator runs the merges itself through the same function.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { countShard } from './count.js';
import { PLAN_FILE } from './context.js';
import { forwardShard } from './forward.js';
import { mergeCounts, mergePass1 } from './merge.js';
import {
  loadShardPass1, readCountPartial, readMergedPass1, shardDir, writeCountPartial, writeMergedPass1,
} from './partial-files.js';
import type { StageContext } from './context.js';
import type { Shard } from './shards.js';
import { RunDirError } from '../util/errors.js';

export type StageKind = 'pass1' | 'thresholds' | 'pass2' | 'counts';

export interface StageJob {
  readonly kind: StageKind;
  /** The run's scratch folder (holds plan.json and the partials). */
  readonly scratch: string;
  /** The plan's identity, tool version and digests: a worker that differs refuses the job. */
  readonly identity: string;
  readonly tool: string;
  readonly model: string;
  readonly dataset: string;
  /** The shard (pass1, pass2). */
  readonly shard?: Shard;
}

export function jobsFor(ctxPlan: StageContext['plan'], kind: StageKind): StageJob[] {
  const base = { scratch: ctxPlan.scratch, identity: ctxPlan.identity, tool: ctxPlan.tool, model: ctxPlan.model.sha256, dataset: ctxPlan.dataset.digest };
  if (kind === 'pass1' || kind === 'pass2') return ctxPlan.shards.map((shard) => ({ kind, ...base, shard }));
  return [{ kind, ...base }];
}

/** Whether the job's partial is already there (its work is done). */
export function jobDone(ctx: StageContext, job: StageJob): boolean {
  const { plan } = ctx;
  switch (job.kind) {
    case 'pass1': return loadShardPass1(plan.scratch, job.shard!, plan.identity, mapSizes(ctx), plan.layerDirs) !== null;
    case 'thresholds': return readMergedPass1(plan.scratch, plan.identity) !== null;
    case 'pass2': return readCountPartial(plan.scratch, job.shard!, plan.identity) !== null;
    case 'counts': return readCountPartial(plan.scratch, 'merged', plan.identity) !== null;
  }
}

function mapSizes(ctx: StageContext): number[] {
  return ctx.layers.map((l) => l.shape[1] * l.shape[2]);
}

export interface JobOptions {
  readonly onImages?: (done: number) => void;
  readonly signal?: AbortSignal | undefined;
  readonly log?: (message: string) => void;
}

/** Run one job against its context; its partial is in the run directory when this resolves. */
export async function runJob(ctx: StageContext, job: StageJob, opts: JobOptions = {}): Promise<void> {
  const { plan } = ctx;
  if (job.identity !== plan.identity) throw new RunDirError(`job for run ${job.identity.slice(0, 12)}… given the plan of run ${plan.identity.slice(0, 12)}…`);
  // A job delivered again after its run finished (and removed its scratch folder) has nothing
  // to do, and must not recreate files in a finished run directory.
  if (!existsSync(path.join(job.scratch, PLAN_FILE)) || jobDone(ctx, job)) {
    if (job.shard) opts.onImages?.(job.shard.end - job.shard.start);
    return;
  }
  const sizes = mapSizes(ctx);
  switch (job.kind) {
    case 'pass1': {
      await forwardShard(ctx.forward, job.shard!, shardDir(plan.scratch, job.shard!), { persist: true, onImages: opts.onImages, signal: opts.signal, log: opts.log });
      return;
    }
    case 'thresholds': {
      const parts = plan.shards.map((shard) => {
        const p = loadShardPass1(plan.scratch, shard, plan.identity, sizes, plan.layerDirs);
        if (!p) throw new RunDirError(`shard ${shard.index} (images ${shard.start}..${shard.end - 1}) has no finished forward pass in ${plan.scratch}; rerun the same command.`);
        return p;
      });
      writeMergedPass1(plan.scratch, plan.identity, mergePass1(parts, plan.totalImages, sizes, plan.forward.quantile, plan.forward.topK));
      return;
    }
    case 'pass2': {
      const shard = job.shard!;
      const merged = readMergedPass1(plan.scratch, plan.identity);
      const part = loadShardPass1(plan.scratch, shard, plan.identity, sizes, plan.layerDirs);
      if (!merged || !part) throw new RunDirError(`shard ${shard.index}: counting needs the thresholds and this shard's forward pass in ${plan.scratch}; rerun the same command.`);
      const counts = await countShard(ctx.ds, ctx.count, shard, part.layers.map((l) => l.cache), merged.layers.map((l) => l.thresholds),
        new Set(merged.skipped.map((k) => k.index)), { workers: plan.countWorkers, onImages: opts.onImages, signal: opts.signal });
      writeCountPartial(plan.scratch, shard, plan.identity, counts);
      return;
    }
    case 'counts': {
      const parts = plan.shards.map((shard) => {
        const c = readCountPartial(plan.scratch, shard, plan.identity);
        if (!c) throw new RunDirError(`shard ${shard.index} has no counts in ${shardDir(plan.scratch, shard)}; rerun the same command.`);
        return c;
      });
      writeCountPartial(plan.scratch, 'merged', plan.identity, mergeCounts(parts));
      return;
    }
  }
}
