// `netdissect baseline RUN_DIR --layer L`: chance level of every unit's IoU, from labels shuffled
// across images (seeded); writes RUN_DIR/<layer>/baseline.csv and `baseline` in results.json.
import type { Command } from 'commander';
import { baselineLayer } from '../explain/baseline.js';
import { StderrProgress } from '../util/progress.js';
import { intOption } from './options.js';

interface BaselineCliOptions {
  readonly layer: string;
  readonly shuffles: number;
  readonly seed: number;
  readonly workers?: number;
  readonly quiet: boolean;
}

export function register(program: Command): void {
  program
    .command('baseline')
    .summary('chance level of each unit\'s IoU (labels shuffled across images): baseline.csv')
    .description(
      'Recount a layer of a finished run against labels shuffled across images (R seeded shuffles; ' +
        'label maps move with their image) and report per unit its best score under the shuffles and ' +
        'whether the real score beats all of them (p < 1/(R+1)); no forward pass (docs/explain.md)',
    )
    .argument('<RUN_DIR>', 'a complete run directory written by `netdissect dissect`')
    .requiredOption('--layer <name>', 'layer (tensor name or folder name)')
    .option('--shuffles <n>', 'number of shuffles R', intOption('--shuffles', 1, 10000), 20)
    .option('--seed <s>', 'seed of the shuffles', intOption('--seed', 0, 4294967295), 1)
    .option('--workers <n>', 'worker threads (default: the cores, at most 8)', intOption('--workers', 1, 256))
    .option('--quiet', 'no progress on stderr', false)
    .action(async (runDir: string, o: BaselineCliOptions) => {
      const s = await baselineLayer(runDir, {
        layer: o.layer, shuffles: o.shuffles, seed: o.seed,
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
        ...(o.quiet ? {} : { progress: new StderrProgress() }),
      });
      process.stdout.write(`${s.dir}/baseline.csv: ${s.units.length} units, ${s.unitsAboveChance} above chance (p < 1/${o.shuffles + 1}); ` +
        `detectors: ${s.detectors}, of which ${s.detectorsAboveChance} above chance\n`);
      process.stderr.write(`baseline: ${s.seconds.toFixed(1)} s\n`);
    });
}
