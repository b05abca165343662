// `netdissect dataset info|validate|convert`: look at, check and convert concept datasets. The
// dataset is named the same way as for `dissect` (src/dataset/open.ts).
import { Command, Option } from 'commander';
import { openDataset } from '../dataset/open.js';
import { addDatasetOptions, datasetSpecFromOptions } from './dataset-options.js';
import { forEachOrdered } from '../dataset/ordered.js';
import { formatProblem } from '../dataset/problems.js';
import { StatsCollector, total, type DatasetStats } from '../dataset/stats.js';
import { validateDataset } from '../dataset/validate.js';
import { writeBroden } from '../dataset/convert/to-broden.js';
import type { ConceptDataset } from '../dataset/types.js';
import { UsageError } from '../util/errors.js';

export function register(program: Command): void {
  const dataset = program.command('dataset').description('inspect, check and convert concept datasets');

  addDatasetOptions(
    dataset
      .command('info')
      .description('images, categories, concepts with pixel and image counts, label resolution')
      .argument('[dataset]', 'Broden folder, ADE20K folder or manifest (.json); or use the flags below'),
  )
    .option('--json', 'print JSON instead of text')
    .action(async (positional: string | undefined, opts: Record<string, unknown>) => {
      const ds = await openDataset(datasetSpecFromOptions(opts, positional));
      const stats = await collect(ds);
      process.stdout.write(opts['json'] ? `${JSON.stringify(infoJson(ds, stats), null, 2)}\n` : infoText(ds, stats));
    });

  addDatasetOptions(
    dataset
      .command('validate')
      .description('read every file and check every row and label; lists all problems, exit 1 if any error')
      .argument('[dataset]', 'Broden folder, ADE20K folder or manifest (.json); or use the flags below'),
  )
    .option('--json', 'print the problems as JSON')
    .action(async (positional: string | undefined, opts: Record<string, unknown>) => {
      const result = await validateDataset(datasetSpecFromOptions(opts, positional), progressLine('validating'));
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      const warnings = result.problems.length - errors;
      if (opts['json']) {
        process.stdout.write(`${JSON.stringify({ images: result.images, errors, warnings, problems: result.problems }, null, 2)}\n`);
      } else {
        for (const p of result.problems) process.stdout.write(`${p.severity}: ${formatProblem(p)}\n`);
        process.stdout.write(`${result.images} images checked: ${errors} error(s), ${warnings} warning(s)\n`);
      }
      if (errors > 0) process.exitCode = 1;
    });

  addDatasetOptions(
    dataset
      .command('convert')
      .description('write a dataset in another format: dataset convert [DATASET] --to broden OUT')
      .argument('[paths...]', '[DATASET] OUT: the dataset (or use the flags below) and the new output folder'),
  )
    .addOption(new Option('--to <format>', 'output format').choices(['broden']).makeOptionMandatory())
    .option('--out <dir>', 'output folder (instead of the last argument); must not exist or be empty')
    .option('--split <name>', "value of index.csv's split column", 'train')
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      let out = typeof opts['out'] === 'string' ? opts['out'] : undefined;
      const rest = [...paths];
      if (out === undefined) out = rest.pop();
      if (out === undefined) throw new UsageError('dataset convert: no output folder; pass OUT as the last argument or --out DIR');
      if (rest.length > 1) throw new UsageError(`dataset convert: too many arguments (${paths.join(' ')}); expected [DATASET] OUT`);
      const ds = await openDataset(datasetSpecFromOptions(opts, rest[0]));
      const stats = await writeBroden(ds, out, { split: String(opts['split']), progress: progressLine('converting') });
      process.stdout.write(`${out}: Broden dataset, ${stats.images} images, ${stats.concepts.length} concepts in ${ds.categories.join(', ')}\n`);
    });
}

async function collect(ds: ConceptDataset): Promise<DatasetStats> {
  const stats = new StatsCollector(ds);
  const progress = progressLine('reading labels');
  await forEachOrdered(ds.images.length, 8, (i) => ds.readLabels(i), (i, labels) => {
    stats.add(i, labels);
    progress(i + 1, ds.images.length);
  });
  return stats.result();
}

function infoJson(ds: ConceptDataset, stats: DatasetStats): unknown {
  return {
    format: ds.format,
    root: ds.root,
    images: ds.images.length,
    labelResolution: Object.fromEntries(stats.labelSizes),
    categories: ds.categories.map((name) => ({
      name,
      concepts: stats.concepts.filter((c) => c.categories.includes(name)).length,
      images: stats.categoryImages.get(name) ?? 0,
    })),
    concepts: stats.concepts.map((c) => ({
      number: c.number,
      name: c.name,
      categories: c.categories,
      primaryCategory: c.primaryCategory,
      pixels: total(c.pixels),
      images: total(c.images),
    })),
  };
}

function infoText(ds: ConceptDataset, stats: DatasetStats): string {
  const lines: string[] = [];
  lines.push(`format: ${ds.format}`, `root: ${ds.root}`, `images: ${ds.images.length}`);
  lines.push(`label resolution: ${[...stats.labelSizes].map(([s, n]) => (stats.labelSizes.size > 1 ? `${s} (${n} images)` : s)).join(', ')}`);
  lines.push('categories:');
  for (const cat of ds.categories) {
    const n = stats.concepts.filter((c) => c.categories.includes(cat)).length;
    lines.push(`  ${cat}: ${n} concepts, ${stats.categoryImages.get(cat) ?? 0} images with data`);
  }
  const allPixels = ds.images.reduce((s, r) => s + r.sh * r.sw, 0);
  lines.push('concepts:');
  lines.push(`  ${'number'.padStart(6)}  ${'name'.padEnd(24)} ${'category'.padEnd(10)} ${'pixels'.padStart(12)} ${'%pixels'.padStart(8)} ${'images'.padStart(7)}`);
  for (const c of stats.concepts) {
    const px = total(c.pixels);
    const pct = allPixels > 0 ? ((100 * px) / allPixels).toFixed(2) : '0.00';
    lines.push(`  ${String(c.number).padStart(6)}  ${c.name.padEnd(24)} ${c.primaryCategory.padEnd(10)} ${String(px).padStart(12)} ${pct.padStart(8)} ${String(total(c.images)).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A progress line on stderr, rewritten in place on a terminal, at most every 1 % otherwise. */
export function progressLine(what: string): (done: number, total: number) => void {
  let lastPct = -1;
  return (done, count) => {
    const pct = Math.floor((100 * done) / Math.max(count, 1));
    if (pct === lastPct && done !== count) return;
    lastPct = pct;
    if (process.stderr.isTTY) process.stderr.write(`\r${what}: ${done}/${count} images (${pct} %)${done === count ? '\n' : ''}`);
    else if (done === count) process.stderr.write(`${what}: ${done}/${count} images\n`);
  };
}
