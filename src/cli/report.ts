// `netdissect report RUN_DIR`: write RUN_DIR/report/index.html (static + interactive viewer).
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_TOP_K, writeReport } from '../report/write-report.js';

export function parseIntOption(name: string, lo: number, hi: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < lo || n > hi) {
      throw new InvalidArgumentError(`${name} ${JSON.stringify(value)}: expected an integer from ${lo} to ${hi}`);
    }
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write an HTML report of a run directory (static page + interactive viewer; opens from file://)')
    .argument('<RUN_DIR>', 'run directory written by `netdissect dissect` (holds run.json)')
    .option('--out <DIR>', 'report folder (default: RUN_DIR/report)')
    .option('--top-k <N>', `top images shown per unit, 1 to 100 (default: ${DEFAULT_TOP_K})`, parseIntOption('--top-k', 1, 100))
    .option('--dataset <DIR>', "dataset root holding the photos (default: run.json's dataset.root)")
    .option('--no-ground-truth', "do not outline the concept's ground truth on the large images (it needs the dataset's labels)")
    .action(async (runDir: string, opts: { out?: string; topK?: number; dataset?: string; groundTruth: boolean }) => {
      const { indexPath, seconds } = await writeReport(runDir, {
        ...(opts.out !== undefined ? { outDir: opts.out } : {}),
        ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
        ...(opts.dataset !== undefined ? { datasetRoot: opts.dataset } : {}),
        groundTruth: opts.groundTruth,
        log: (m) => process.stderr.write(`${m}\n`),
      });
      process.stderr.write(`report written in ${seconds.toFixed(1)} s\n`);
      process.stdout.write(`${indexPath}\n`);
    });
}
