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

function parseDim(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`--dim ${JSON.stringify(value)}: expected a number from 0 to 1 (NetDissect's is 0.2)`);
  return n;
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
    .option('--all-strips', "also write every unit's JPEG strips (RUN_DIR/report/units/): images without JavaScript, but a far larger report")
    .option('--dim <F>', "brightness kept outside a unit's mask, 0 to 1 (default: 0.5; NetDissect's is 0.2)", parseDim)
    .action(async (runDir: string, opts: { out?: string; topK?: number; dataset?: string; groundTruth: boolean; allStrips?: boolean; dim?: number }) => {
      const { indexPath, seconds } = await writeReport(runDir, {
        ...(opts.out !== undefined ? { outDir: opts.out } : {}),
        ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
        ...(opts.dataset !== undefined ? { datasetRoot: opts.dataset } : {}),
        groundTruth: opts.groundTruth,
        allStrips: opts.allStrips === true,
        ...(opts.dim !== undefined ? { dim: opts.dim } : {}),
        log: (m) => process.stderr.write(`${m}\n`),
      });
      process.stderr.write(`report written in ${seconds.toFixed(1)} s\n`);
      process.stdout.write(`${indexPath}\n`);
    });
}
