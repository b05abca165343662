// Where a run's shard jobs execute. The coordinator (src/run/dissect.ts) runs a stage of every
// shard through an executor, which also runs that stage's merge; the partials are then in the
// run's scratch folder. In this process, stages are called directly instead (no files needed).
import type { StageContext } from '../stages/context.js';
import type { Shard } from '../stages/shards.js';

export type StageName = 'pass1' | 'pass2';

export interface Executor {
  readonly kind: 'in-process' | 'processes' | 'queue';
  /**
   * Run `stage` for every shard of the plan that has no partial yet, then its merge. Calls
   * `onImages(shard, done)` as shards progress (done = images of that shard so far).
   */
  run(ctx: StageContext, stage: StageName, onImages: (shard: Shard, done: number) => void, signal?: AbortSignal): Promise<void>;
  /** In words, for the summary ("2 local worker processes"). */
  describe(): string;
  /** Distinct workers that ran jobs of this run (queue). */
  workersSeen?(): number;
  close(): Promise<void>;
}

export const inProcessExecutor: Executor = {
  kind: 'in-process',
  run: () => Promise.reject(new Error('internal: the in-process executor runs stages directly')),
  describe: () => 'this process',
  close: () => Promise.resolve(),
};

/** The merge job that follows a stage. */
export function mergeOf(stage: StageName): 'thresholds' | 'counts' {
  return stage === 'pass1' ? 'thresholds' : 'counts';
}
