// `netdissect worker`: run shard jobs of dissections from a Redis job queue (BullMQ), on any
// machine that sees the model, dataset and run directory at the same paths as the coordinator.
import type { Command } from 'commander';
import { runQueueWorker } from '../distributed/queue-worker.js';
import { intOption, numberOption } from './options.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run dissection shard jobs from a Redis queue (start one per machine, any number; see docs/distributed.md)')
    .requiredOption('--queue <url>', 'Redis URL: redis://HOST:PORT, redis://:PASSWORD@HOST:PORT/DB, rediss:// for TLS (the password is never printed)')
    .option('--concurrency <n>', 'jobs run at once (each loads the model; 1 uses the machine through ONNX Runtime threads)', intOption('--concurrency', 1, 64), 1)
    .option('--lock-seconds <s>', 'a job whose worker is silent this long (killed, frozen) goes to another worker', numberOption('--lock-seconds', 1, 3600, false), 30)
    .addHelpText('after', `
Stop with Ctrl-C (the current job finishes first; a second Ctrl-C stops at once, and the job
goes to another worker after --lock-seconds). Exit codes: 0 stopped, 1 cannot use the queue, 2 usage error.
Example:
  netdissect worker --queue redis://10.0.0.5:6379`)
    .action(async (flags: { queue: string; concurrency: number; lockSeconds: number }) => {
      const controller = new AbortController();
      const onSignal = (): void => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      await runQueueWorker(flags.queue, {
        concurrency: flags.concurrency,
        lockSeconds: flags.lockSeconds,
        log: (m) => process.stderr.write(`${m}\n`),
        signal: controller.signal,
      });
    });
}
