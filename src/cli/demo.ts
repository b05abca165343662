// `netdissect demo`: dissect the embedded MobileNetV2 on a generated synthetic Broden dataset,
// end to end, with nothing to download (what `npm run demo` runs).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { openBroden } from '../dataset/broden/reader.js';
import { generateSyntheticBroden } from '../dataset/synthetic/generate.js';
import { writeReport } from '../report/write-report.js';
import { dissect } from '../run/dissect.js';
import { StderrProgress } from '../util/progress.js';
import { formatSummary } from './dissect.js';
import { describeRows } from './make-dataset.js';
import { intOption } from './options.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEMO_MODEL = path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx');
export const DEMO_LAYERS = ['Conv_1_preact', 'expanded_conv_12'] as const;

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
        model: DEMO_MODEL, layers: DEMO_LAYERS, out: flags.out, semantics: 'original',
        preprocess: { mean: [128, 128, 128], std: [128, 128, 128] }, quantile: 0.005, iouThreshold: 0.04,
        batch: 16, limit: null, topK: 10, memoryBudget: 2 * 1024 ** 3, skipBadImages: false, threads: 2,
        restart: flags.restart === true, command: process.argv.slice(2), datasetSpec: { dataset: flags.dataset, format: 'broden' },
      }, progress);
      process.stdout.write(formatSummary(summary, 0.04));
      const report = await writeReport(flags.out);
      process.stdout.write(`\nOutputs: ${flags.out}/<layer>/tally.csv, thresholds.csv, intersection.csv, activation.csv, results.json; ${flags.out}/labels.csv; run settings in ${flags.out}/run.json\n`);
      process.stdout.write(`Report: ${report.indexPath} (open it in a browser, or: netdissect serve ${flags.out})\n`);
    });
}
