// `netdissect compare RUN_DIR...`: compare dissections (layers of one model, several models, or
// the checkpoints of one training run, in the order given) and write compare.csv, compare.json
// and a static index.html with the charts.
import type { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { compareRuns, writeComparison } from '../experiments/compare.js';
import { numberOption } from './options.js';

interface CompareOptions {
  readonly out: string;
  readonly labels?: string;
  readonly layer?: string;
  readonly iouThreshold: number;
}

export function register(program: Command): void {
  program
    .command('compare')
    .summary('compare runs, layers or checkpoints: compare.csv, compare.json, index.html')
    .description(
      'Compare dissections in the order given: detectors and unique detectors per category as ' +
        'grouped bars and as lines over the order; writes DIR/compare.csv, compare.json, index.html',
    )
    .argument('<inputs...>', 'run directories (every layer in run.json, or --layer), layer results.json files or tally.csv files')
    .requiredOption('--out <dir>', 'output folder (created; its compare.* and index.html are replaced)')
    .option('--labels <a,b,...>', 'one name per input, comma-separated (default: the folder or file name)')
    .option('--layer <name>', 'only this layer of each run directory (tensor name or folder name)')
    .option('--iou-threshold <t>', 'a unit counts when its IoU is strictly above this', numberOption('--iou-threshold', 0, 1, false), 0.04)
    .action((inputs: string[], opts: CompareOptions) => {
      const labels = opts.labels === undefined ? undefined : opts.labels.split(',').map((s) => s.trim());
      if (labels?.some((l) => l === '')) throw new UsageError(`--labels '${opts.labels}' has an empty name; give one non-empty name per input`);
      const comparison = compareRuns(
        inputs,
        { iouThreshold: opts.iouThreshold, ...(labels ? { labels } : {}), ...(opts.layer !== undefined ? { layer: opts.layer } : {}) },
        (message) => process.stderr.write(`netdissect: warning: ${message}\n`),
      );
      const written = writeComparison(comparison, opts.out);
      for (const e of comparison.entries) {
        process.stdout.write(`${e.order}. ${e.label}: ${e.stats.units} units, ${e.stats.detectors} detectors, ${e.stats.uniqueConcepts} unique concepts, ${e.stats.uniqueDetectors} unique detectors\n`);
      }
      process.stderr.write(`wrote ${written.join(', ')}\n`);
    });
}
