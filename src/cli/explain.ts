// `netdissect explain RUN_DIR --layer L`: compositional explanations (AND / OR / NOT formulas of
// concepts, Mu & Andreas 2020) of a finished run's units: RUN_DIR/<layer>/formulas.csv and a
// `formula` per unit in results.json. Counting only, no forward pass.
import type { Command } from 'commander';
import { explainLayer } from '../explain/explain.js';
import { UsageError } from '../util/errors.js';
import { StderrProgress } from '../util/progress.js';
import { intOption, numberOption } from './options.js';

interface ExplainCliOptions {
  readonly layer: string;
  readonly length: number;
  readonly beam: number;
  readonly units?: string;
  readonly categories?: string;
  readonly penalty: number;
  readonly search: string;
  readonly workers?: number;
  readonly quiet: boolean;
}

export function register(program: Command): void {
  program
    .command('explain')
    .summary('compositional explanations (AND/OR/NOT formulas) of a run\'s units: formulas.csv')
    .description(
      'Best formula of concepts per unit (compexp\'s beam search, or --search optimal with a proof), ' +
        'IoU over the whole dataset on the run\'s exact thresholds; writes RUN_DIR/<layer>/formulas.csv ' +
        'and adds `formula` to each unit of results.json (docs/explain.md)',
    )
    .argument('<RUN_DIR>', 'a complete run directory written by `netdissect dissect`')
    .requiredOption('--layer <name>', 'layer (tensor name or folder name)')
    .option('--length <n>', 'most concepts in a formula (compexp MAX_FORMULA_LENGTH)', intOption('--length', 1, 10), 3)
    .option('--beam <n>', 'beam size (compexp BEAM_SIZE)', intOption('--beam', 1, 1000), 5)
    .option('--units <list>', '1-based units and ranges, e.g. 1-64,100 (default: all)')
    .option('--categories <list>', 'concept categories in the pool (default: the run\'s, without material, as compexp)')
    .option('--penalty <p>', 'score = IoU × p^(length − 1), length counting NOT as compexp does', numberOption('--penalty', 0, 1e6, true), 1)
    .option('--search <kind>', 'beam (compexp) or optimal (branch and bound: the proven best of length ≤ --length)', 'beam')
    .option('--workers <n>', 'worker threads for the search (default: the cores, at most 8)', intOption('--workers', 1, 256))
    .option('--quiet', 'no progress on stderr', false)
    .action(async (runDir: string, o: ExplainCliOptions) => {
      if (o.search !== 'beam' && o.search !== 'optimal') throw new UsageError(`--search must be beam or optimal, got '${o.search}'.`);
      const categories = o.categories?.split(',').map((c) => c.trim()).filter((c) => c !== '');
      const s = await explainLayer(runDir, {
        layer: o.layer, length: o.length, beam: o.beam, penalty: o.penalty, search: o.search,
        ...(o.units !== undefined ? { units: o.units } : {}),
        ...(categories !== undefined ? { categories } : {}),
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
        ...(o.quiet ? {} : { progress: new StderrProgress() }),
      });
      const explained = s.units.filter((u) => (o.search === 'optimal' ? u.optimal : u.beam)).length;
      process.stdout.write(`${s.dir}/formulas.csv: ${s.units.length} units (${explained} with a formula), ${s.images} images, ` +
        `${s.labels} concepts in ${s.categories.join(', ')}, ${s.atoms} label sets\n`);
      if (s.beamMisses !== undefined) {
        process.stdout.write(`beam search (beam ${o.beam}) missed the optimum on ${s.beamMisses} of ${s.units.length} units\n`);
      }
      process.stderr.write(`explain: ${s.seconds.total.toFixed(1)} s (masks and label sets ${s.seconds.atoms.toFixed(1)} s, search ${s.seconds.search.toFixed(1)} s)\n`);
    });
}
