// Contexts of the runs a worker process serves, opened once each (model loaded and checked,
// dataset opened and checked) and reused for every job of the same run.
import { openContext, readPlan, type StageContext } from '../stages/context.js';
import type { StageJob } from '../stages/jobs.js';

const contexts = new Map<string, Promise<StageContext>>();

export function contextFor(job: StageJob): Promise<StageContext> {
  // Two runs with the same settings in two folders have the same identity: key by folder too.
  const key = `${job.identity}:${job.scratch}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = openContext(readPlan(job.scratch));
    ctx.catch(() => contexts.delete(key));
    contexts.set(key, ctx);
    // A worker serves runs one after another: keep the latest few.
    if (contexts.size > 2) {
      const oldest = contexts.keys().next().value!;
      const evicted = contexts.get(oldest)!;
      contexts.delete(oldest);
      evicted.then((c) => c.close(), () => undefined);
    }
  }
  return ctx;
}
