// A local worker process (`--shards N` without a queue): runs the stage jobs its parent sends
// over IPC, one at a time, and answers with progress, done, or the error (class kept). SIGTERM
// stops the job in progress at its next checkpoint.
import { errorToWire } from '../util/errors.js';
import { runJob, type StageJob } from '../stages/jobs.js';
import { contextFor } from './contexts.js';

export type ToWorker = { readonly type: 'job'; readonly job: StageJob };
export type FromWorker =
  | { readonly type: 'progress'; readonly done: number }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly error: { name: string; message: string } };

const abort = new AbortController();
process.on('SIGTERM', () => abort.abort());
process.on('SIGINT', () => abort.abort());

const send = (msg: FromWorker): void => {
  process.send?.(msg);
};

let queue: Promise<void> = Promise.resolve();
process.on('message', (msg: ToWorker) => {
  if (msg.type !== 'job') return;
  queue = queue.then(async () => {
    try {
      const ctx = await contextFor(msg.job);
      await runJob(ctx, msg.job, { onImages: (done) => send({ type: 'progress', done }), signal: abort.signal, log: (m) => process.stderr.write(`${m}\n`) });
      send({ type: 'done' });
    } catch (err) {
      send({ type: 'error', error: errorToWire(err) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
