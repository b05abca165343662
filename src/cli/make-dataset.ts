// `netdissect make-dataset synthetic`: write a small Broden-format dataset of drawn scenes that
// has every quirk a Broden reader must handle (docs/synthetic-dataset.md). Deterministic.
import type { Command } from 'commander';
import { generateSyntheticBroden } from '../dataset/synthetic/generate.js';
import { MIN_IMAGES_FOR_ALL_QUIRKS } from '../dataset/synthetic/plan.js';
import { UsageError } from '../util/errors.js';

interface SyntheticFlags {
  images: number;
  out: string;
  seed: number;
  size: number;
  png?: boolean;
  force?: boolean;
  quiet?: boolean;
}

/** A whole decimal number, or a UsageError naming the flag. */
function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number, got '${text}'`);
  return Number(text.trim());
}

/**
 * Why a dissection of the dataset uses fewer images than were generated: Broden has index rows
 * without any label data, readers drop them, and the synthetic set has them on purpose.
 */
export function describeRows(rows: number, emptyRows: number): string {
  if (emptyRows === 0) return `every one of the ${rows} rows has label data.`;
  const rowsWord = emptyRows === 1 ? 'row has' : 'rows have';
  return `${emptyRows} of the ${rows} index.csv ${rowsWord} no label data, as some of Broden's do; readers drop such rows, so a dissection uses ${rows - emptyRows} images.`;
}

export function register(program: Command): void {
  const make = program
    .command('make-dataset')
    .description('write a dataset for tests and demos (see the subcommands)');
  make
    .command('synthetic')
    .description(
      'write a synthetic Broden-format dataset of drawn scenes (objects, parts, materials, colours, ' +
        `scenes, textures) that has every Broden quirk once --images >= ${MIN_IMAGES_FOR_ALL_QUIRKS}; ` +
        'same arguments give byte-identical files',
    )
    .requiredOption('--images <n>', 'number of index.csv rows to write (about 2 % have no data, as readers must drop)', (v) => integer('--images', v))
    .requiredOption('--out <dir>', 'output folder (written to <dir>.tmp-* then renamed into place)')
    .option('--seed <s>', 'random seed, 0 to 4294967295', (v) => integer('--seed', v), 1)
    .option('--size <px>', 'photo size in pixels (square); label maps are half of it, rounded down', (v) => integer('--size', v), 224)
    .option('--png', 'write photos as lossless PNG instead of JPEG (Broden ships JPEG)')
    .option('--force', 'replace <dir> if it exists and is not empty')
    .option('--quiet', 'no progress messages on stderr')
    .action(async (flags: SyntheticFlags) => {
      const started = Date.now();
      const summary = await generateSyntheticBroden({
        images: flags.images,
        out: flags.out,
        seed: flags.seed,
        size: flags.size,
        format: flags.png === true ? 'png' : 'jpeg',
        force: flags.force === true,
        onProgress: (done, total) => {
          if (flags.quiet !== true && (done % 100 === 0 || done === total)) {
            process.stderr.write(`make-dataset: ${done}/${total} images\n`);
          }
        },
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `${flags.out}: ${summary.images} index.csv rows (${summary.images - summary.emptyRows} images with labels, ` +
          `${summary.emptyRows} rows without), ${summary.labels} labels, ${summary.files} files in ${seconds} s\n` +
          `${describeRows(summary.images, summary.emptyRows)}\n`,
      );
    });
}
