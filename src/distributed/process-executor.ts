// Shards on local worker processes: a small pool of forked processes (src/distributed/
// process-worker.ts), each taking the next shard job when it finishes one. The merge of a stage
// runs here, through the same job function, once every shard's partial is on disk.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StageContext } from '../stages/context.js';
import { jobDone, jobsFor, runJob, type StageJob } from '../stages/jobs.js';
import { errorFromWire, InterruptedError, NetDissectError } from '../util/errors.js';
import { mergeOf, type Executor, type StageName } from './executor.js';
import type { FromWorker, ToWorker } from './process-worker.js';

export async function processExecutor(count: number, log: (m: string) => void): Promise<Executor> {
  const workerFile = fileURLToPath(new URL('./process-worker.js', import.meta.url));
  const children: ChildProcess[] = [];
  const spawn = (): ChildProcess => {
    const child = fork(workerFile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    children.push(child);
    return child;
  };
  return {
    kind: 'processes',
    describe: () => `${count} local worker process${count === 1 ? '' : 'es'}`,
    async run(ctx: StageContext, stage: StageName, onImages, signal): Promise<void> {
      const pending: StageJob[] = [];
      for (const job of jobsFor(ctx.plan, stage)) {
        if (jobDone(ctx, job)) onImages(job.shard!, job.shard!.end - job.shard!.start);
        else pending.push(job);
      }
      const done = ctx.plan.shards.length - pending.length;
      if (done > 0) log(`resuming: ${done} of ${ctx.plan.shards.length} shards already have their ${stage === 'pass1' ? 'forward-pass' : 'counting'} partial`);
      while (children.length < Math.min(count, pending.length)) spawn();
      await new Promise<void>((resolve, reject) => {
        let running = 0;
        let failed = false;
        const fail = (err: Error): void => {
          if (failed) return;
          failed = true;
          for (const c of children) c.kill('SIGTERM');
          reject(err);
        };
        const onAbort = (): void => fail(new InterruptedError(0));
        signal?.addEventListener('abort', onAbort, { once: true });
        const next = (child: ChildProcess): void => {
          if (failed) return;
          const job = pending.shift();
          if (!job) {
            if (running === 0) {
              signal?.removeEventListener('abort', onAbort);
              resolve();
            }
            return;
          }
          running++;
          const shard = job.shard!;
          const onMessage = (msg: FromWorker): void => {
            if (msg.type === 'progress') onImages(shard, msg.done);
            else {
              child.off('message', onMessage);
              child.off('exit', onExit);
              running--;
              if (msg.type === 'error') fail(errorFromWire(msg.error));
              else next(child);
            }
          };
          const onExit = (code: number | null, sig: string | null): void => {
            fail(new NetDissectError(`a worker process ended (${sig ?? `exit code ${code}`}) while running ${stage} of shard ${shard.index} (images ${shard.start}..${shard.end - 1}); rerun the same command to resume.`));
          };
          child.on('message', onMessage);
          child.once('exit', onExit);
          child.send({ type: 'job', job } satisfies ToWorker);
        };
        if (pending.length === 0) {
          resolve();
          return;
        }
        for (const child of children.slice(0, Math.min(count, pending.length))) next(child);
      });
      const [merge] = jobsFor(ctx.plan, mergeOf(stage));
      await runJob(ctx, merge!, { log });
    },
    async close(): Promise<void> {
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) { resolve(); return; }
        c.once('exit', () => resolve());
        c.disconnect();
      })));
    },
  };
}
