// Shards on workers anywhere, through BullMQ on Redis. Each stage is one flow: a parent job (the
// stage's merge) that waits on its children (one job per shard still without a partial). Workers
// (`netdissect worker`) run the jobs from the shared run directory; the coordinator follows the
// flow's events for progress and failures, and reads the merged partial when the parent is done.
import { randomBytes } from 'node:crypto';
import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import type { StageContext } from '../stages/context.js';
import { jobDone, jobsFor, type StageJob } from '../stages/jobs.js';
import { InterruptedError, NetDissectError } from '../util/errors.js';
import { mergeOf, type Executor, type StageName } from './executor.js';
import { checkRedis, describeRedisError, parseRedisUrl, QUEUE_NAME } from './redis.js';

/** What a worker reports with a job's progress. */
export interface QueueProgress {
  readonly done: number;
  readonly worker: string;
}

export async function queueExecutor(url: string, log: (m: string) => void): Promise<Executor> {
  const target = parseRedisUrl(url);
  await checkRedis(target);
  const connection = target.options;
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const flow = new FlowProducer({ connection });
  let redisProblem: string | null = null;
  const onRedisError = (err: Error): void => {
    const line = describeRedisError(err, target.shown);
    if (line !== redisProblem) log(`netdissect: ${line} (retrying)`);
    redisProblem = line;
  };
  queue.on('error', onRedisError);
  events.on('error', onRedisError);
  flow.on('error', onRedisError);
  await events.waitUntilReady();
  const seen = new Set<string>();
  return {
    kind: 'queue',
    describe: () => `workers through ${target.shown}`,
    workersSeen: () => seen.size,
    async run(ctx: StageContext, stage: StageName, onImages, signal): Promise<void> {
      const { plan } = ctx;
      const [merge] = jobsFor(plan, mergeOf(stage));
      const pending: StageJob[] = [];
      for (const job of jobsFor(plan, stage)) {
        if (jobDone(ctx, job)) onImages(job.shard!, job.shard!.end - job.shard!.start);
        else pending.push(job);
      }
      const done = plan.shards.length - pending.length;
      if (done > 0) log(`resuming: ${done} of ${plan.shards.length} shards already have their ${stage === 'pass1' ? 'forward-pass' : 'counting'} partial; they are not queued again`);
      if (pending.length === 0 && jobDone(ctx, merge!)) return;
      await removeWaiting(queue, plan.identity);
      // Ids are new at every attempt of the coordinator: a rerun's flow never waits on children
      // of a flow that died with its coordinator (those, if still running, only rewrite the same partials).
      const attempt = randomBytes(4).toString('hex');
      const idOf = (j: StageJob): string => `${plan.identity.slice(0, 16)}-${plan.shards.length}-${j.kind}-${j.shard?.index ?? 'all'}-${attempt}`;
      const byId = new Map<string, StageJob>([[idOf(merge!), merge!], ...pending.map((j) => [idOf(j), j] as const)]);
      const parentId = idOf(merge!);
      await new Promise<void>((resolve, reject) => {
        const cleanup = (): void => {
          events.off('progress', onProgress);
          events.off('failed', onFailed);
          events.off('completed', onCompleted);
          signal?.removeEventListener('abort', onAbort);
        };
        const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
          const job = byId.get(jobId);
          const p = data as Partial<QueueProgress>;
          if (typeof p.worker === 'string') seen.add(p.worker);
          if (job?.shard && typeof p.done === 'number') onImages(job.shard, p.done);
        };
        const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }): void => {
          const job = byId.get(jobId);
          if (!job) return;
          cleanup();
          const where = job.shard ? `${job.kind} of shard ${job.shard.index} (images ${job.shard.start}..${job.shard.end - 1})` : `the ${job.kind} merge`;
          reject(new NetDissectError(`${where} failed on a worker: ${failedReason}`));
        };
        const onCompleted = ({ jobId }: { jobId: string }): void => {
          const job = byId.get(jobId);
          if (job?.shard) onImages(job.shard, job.shard.end - job.shard.start);
          if (jobId === parentId) {
            cleanup();
            resolve();
          }
        };
        const onAbort = (): void => {
          cleanup();
          reject(new InterruptedError(0));
        };
        events.on('progress', onProgress);
        events.on('failed', onFailed);
        events.on('completed', onCompleted);
        signal?.addEventListener('abort', onAbort, { once: true });
        const opts = { removeOnComplete: true, removeOnFail: 1000 };
        flow.add({
          name: merge!.kind,
          queueName: QUEUE_NAME,
          data: merge!,
          opts: { ...opts, jobId: parentId },
          children: pending.map((j) => ({ name: j.kind, queueName: QUEUE_NAME, data: j, opts: { ...opts, jobId: idOf(j), failParentOnFailure: true } })),
        }).catch((err: unknown) => {
          cleanup();
          reject(new NetDissectError(describeRedisError(err, target.shown)));
        });
        log(`queued ${pending.length} ${stage === 'pass1' ? 'forward-pass' : 'counting'} job${pending.length === 1 ? '' : 's'} on ${target.shown}; waiting for workers (\`netdissect worker --queue ${target.shown}\`)`);
      });
    },
    async close(): Promise<void> {
      await Promise.allSettled([flow.close(), events.close(), queue.close()]);
    },
  };
}

/** Remove this run's jobs that no worker has started (left by a coordinator that died). */
async function removeWaiting(queue: Queue, identity: string): Promise<void> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused']);
  for (const job of jobs) {
    if ((job?.data as StageJob | undefined)?.identity === identity) await job.remove().catch(() => undefined);
  }
}
