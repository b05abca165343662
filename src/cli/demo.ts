// `netdissect demo`: dissect the embedded MobileNetV2 on a generated synthetic Broden dataset,
// end to end, with nothing to download (what `npm run demo` runs).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openBroden } from '../dataset/broden/reader.js';
import { generateSyntheticBroden } from '../dataset/synthetic/generate.js';
import { writeReport } from '../report/write-report.js';
import { DEFAULTS } from '../run/defaults.js';
import { dissect } from '../run/dissect.js';
import { EMBEDDED_MODEL, EMBEDDED_MODEL_LAYERS, EMBEDDED_MODEL_PREPROCESS } from '../util/embedded-model.js';
import { StderrProgress } from '../util/progress.js';
import { formatSummary } from './dissect.js';
import { describeRows } from './make-dataset.js';
import { intOption } from './options.js';

export const DEMO_MODEL = EMBEDDED_MODEL;
export const DEMO_LAYERS = EMBEDDED_MODEL_LAYERS;

export function register(program: Command): void {
  program
    .command('demo')
    .description('dissect the embedded MobileNetV2 (Conv_1_preact, expanded_conv_12) on a generated synthetic dataset')
    .option('--images <n>', 'synthetic images to generate (reused when already there)', intOption('--images', 10, 100000), 400)
    .option('--dataset <dir>', 'where the synthetic dataset lives', 'runs/demo-dataset')
    .option('--out <dir>', 'run directory', 'runs/demo')
    .option('--restart', 'discard the demo run in --out and compute it again (a complete one is otherwise reused)')
    .action(async (flags: { images: number; dataset: string; out: string; restart?: boolean }) => {
      const progress = new StderrProgress();
      if (!existsSync(path.join(flags.dataset, 'index.csv'))) {
        process.stderr.write(`generating ${flags.images} synthetic images in ${flags.dataset} ...\n`);
        progress.start('generating', flags.images);
        const generated = await generateSyntheticBroden({
          images: flags.images, out: flags.dataset, seed: 1, size: 224, format: 'jpeg',
          onProgress: (done) => progress.update(done),
        });
        progress.finish();
        process.stderr.write(`${describeRows(generated.images, generated.emptyRows)}\n`);
      } else {
        process.stderr.write(`reusing the synthetic dataset in ${flags.dataset}\n`);
      }
      const ds = await openBroden(flags.dataset);
      const summary = await dissect(ds, {
        // The embedded MobileNetV2 was trained with (x − 128) / 128: the `mobilenet` preset.
        model: DEMO_MODEL, layers: DEMO_LAYERS, out: flags.out, preprocess: { ...EMBEDDED_MODEL_PREPROCESS, preset: 'mobilenet' },
        restart: flags.restart === true, command: process.argv.slice(2), datasetSpec: { dataset: path.resolve(flags.dataset), format: 'broden' },
      }, progress);
      process.stdout.write(formatSummary(summary, DEFAULTS.iouThreshold));
      const report = await writeReport(flags.out);
      process.stdout.write(`\nOutputs: ${flags.out}/<layer>/tally.csv, thresholds.csv, intersection.csv, activation.csv, results.json; ${flags.out}/labels.csv; run settings in ${flags.out}/run.json\n`);
      process.stdout.write(`Report: ${report.indexPath} (open it in a browser, or: netdissect serve ${flags.out})\n`);
    });
}
