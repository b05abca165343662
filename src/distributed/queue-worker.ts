// `netdissect worker --queue URL`: takes stage jobs of any run from the queue and runs them from
// the shared run directory. A job whose tool version, model or dataset differs from this worker's
// is refused with a message (never computed on something else). If the worker dies, BullMQ's
// stalled-job check hands its job to another worker once the job's lock expires.
import { hostname } from 'node:os';
import { UnrecoverableError, Worker } from 'bullmq';
import { runJob, type StageJob } from '../stages/jobs.js';
import { TOOL_VERSION } from '../util/version.js';
import { contextFor } from './contexts.js';
import type { QueueProgress } from './queue-executor.js';
import { checkRedis, describeRedisError, parseRedisUrl, QUEUE_NAME } from './redis.js';

export interface WorkerOptions {
  /** Jobs run at once by this process (each with its own model session). */
  readonly concurrency: number;
  /** A job whose worker stops renewing its lock for this long is handed to another worker. */
  readonly lockSeconds: number;
  readonly log: (message: string) => void;
  /** Stop taking jobs; the current one finishes first. */
  readonly signal: AbortSignal;
}

export async function runQueueWorker(url: string, o: WorkerOptions): Promise<void> {
  const target = parseRedisUrl(url);
  await checkRedis(target);
  const name = `${hostname()}:${process.pid}`;
  const lockDuration = Math.round(o.lockSeconds * 1000);
  let problem: string | null = null;
  const worker = new Worker<StageJob>(QUEUE_NAME, async (job) => {
    const data = job.data;
    const what = data.shard ? `${data.kind} of shard ${data.shard.index} (images ${data.shard.start}..${data.shard.end - 1})` : `${data.kind} merge`;
    if (data.tool !== TOOL_VERSION) {
      throw new UnrecoverableError(`worker ${name} runs netdissect ${TOOL_VERSION} but the run was planned by netdissect ${data.tool}; install the same version on every machine.`);
    }
    let ctx;
    try {
      ctx = await contextFor(data);
    } catch (err) {
      throw new UnrecoverableError(`worker ${name}: ${(err as Error).message}`);
    }
    o.log(`${name}: ${what} of ${ctx.plan.runDir}`);
    let last = 0;
    const report = (done: number): void => {
      const t = Date.now();
      if (t - last < 500) return;
      last = t;
      job.updateProgress({ done, worker: name } satisfies QueueProgress).catch(() => undefined);
    };
    await job.updateProgress({ done: 0, worker: name } satisfies QueueProgress);
    await runJob(ctx, data, { onImages: report, log: (m) => o.log(`${name}: ${m}`) });
    if (data.shard) await job.updateProgress({ done: data.shard.end - data.shard.start, worker: name } satisfies QueueProgress);
  }, {
    connection: { ...target.options, retryStrategy: (times: number) => Math.min(500 * 2 ** Math.min(times, 6), 30_000) },
    concurrency: o.concurrency,
    lockDuration,
    stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
    maxStalledCount: 5,
  });
  worker.on('error', (err) => {
    const line = describeRedisError(err, target.shown);
    if (line !== problem) o.log(`netdissect worker: ${line}; reconnecting with backoff`);
    problem = line;
  });
  worker.on('ready', () => {
    if (problem !== null) o.log(`netdissect worker: connected to ${target.shown} again`);
    problem = null;
  });
  worker.on('failed', (job, err) => o.log(`${name}: job ${job?.name ?? ''} failed: ${err.message}`));
  o.log(`worker ${name} (netdissect ${TOOL_VERSION}) waiting for jobs on ${target.shown}`);
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    else o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  o.log(`worker ${name}: finishing the current job, then stopping`);
  await worker.close();
}
