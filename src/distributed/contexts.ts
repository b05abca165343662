// Contexts of the runs a worker process serves, opened once each (model loaded and checked,
// dataset opened and checked) and reused for every job of the same run.
import { openContext, readPlan, type StageContext } from '../stages/context.js';
import type { StageJob } from '../stages/jobs.js';

const contexts = new Map<string, Promise<StageContext>>();

export function contextFor(job: StageJob): Promise<StageContext> {
  let ctx = contexts.get(job.identity);
  if (!ctx) {
    ctx = openContext(readPlan(job.scratch));
    ctx.catch(() => contexts.delete(job.identity));
    contexts.set(job.identity, ctx);
    // A worker serves runs one after another: keep the latest few.
    if (contexts.size > 2) contexts.delete(contexts.keys().next().value!);
  }
  return ctx;
}
