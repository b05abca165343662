// `netdissect dissect`: the whole Network Dissection of chosen layers, into a run directory.
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { addDatasetOptions, datasetSpecFromOptions, openDataset } from '../dataset/open.js';
import { loadModel, resolveInputSize } from '../model/model.js';
import { DEFAULT_PRESET, describePresets, resolvePreprocess, PRESETS } from '../model/preprocess.js';
import { writeReport } from '../report/write-report.js';
import { dissect, type DissectSummary } from '../run/dissect.js';
import { UsageError } from '../util/errors.js';
import { StderrProgress } from '../util/progress.js';
import { bytesOption, collect, intOption, numberListOption, numberOption, sizeOption } from './options.js';

interface DissectFlags extends Record<string, unknown> {
  model: string;
  layer?: string[];
  out: string;
  semantics: string;
  preprocess?: string;
  mean?: number[];
  std?: number[];
  inputSize?: [number, number];
  quantile: number;
  iouThreshold: number;
  batch: number;
  limit?: number;
  topK: number;
  memoryBudget: number;
  skipBadImages?: boolean;
  threads: number;
  restart?: boolean;
  checkpointEvery: number;
  rotate?: number;
  rotateAlpha: number;
  checkpointMinutes: number;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('dissect')
    .description('dissect the units of chosen layers: thresholds, IoU against every concept, labels, into a run directory')
    .requiredOption('--model <file>', 'ONNX model with one image input [N,3,H,W]');
  addDatasetOptions(cmd)
    .option('--layer <name>', 'tensor to dissect (repeatable, or comma-separated); `netdissect layers` lists them', collect)
    .requiredOption('--out <dir>', 'run directory (created; an existing run with the same settings is reused)')
    .option('--semantics <name>', "activation counting: 'original' (the paper's) or 'lite' (NetDissect-Lite's)", 'original')
    .option('--preprocess <preset>', `preprocessing preset: ${Object.keys(PRESETS).join(', ')}; their mean and std are listed below (default: ${DEFAULT_PRESET})`)
    .option('--mean <r,g,b>', 'per-channel mean on 0..255 RGB (with --std; one value for all channels)', numberListOption('--mean'))
    .option('--std <r,g,b>', 'per-channel std on 0..255 RGB (with --mean)', numberListOption('--std'))
    .option('--input-size <h,w>', "input size when the model's is dynamic", sizeOption('--input-size'))
    .option('--quantile <q>', 'top quantile of activations that forms a mask', numberOption('--quantile', 0, 1), 0.005)
    .option('--iou-threshold <t>', 'IoU above which a unit is a detector', numberOption('--iou-threshold', 0, 1, false), 0.04)
    .option('--batch <n>', 'images per inference batch', intOption('--batch', 1, 4096), 16)
    .option('--limit <n>', 'use only the first N kept images', intOption('--limit', 1))
    .option('--top-k <n>', 'top-activating images kept per unit for the report', intOption('--top-k', 0, 100), 10)
    .addOption(new Option('--memory-budget <size>', 'candidate cache held in memory before spilling to disk (e.g. 512M, 4G)').argParser(bytesOption('--memory-budget')).default(4 * 1024 ** 3, '4G'))
    .option('--skip-bad-images', 'skip unreadable images (counted and listed in run.json) instead of failing')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (at most 2 keeps features bit-identical across batch sizes)', intOption('--threads', 1, 256), Math.min(2, availableParallelism()))
    .option('--restart', 'discard an existing run in --out and start over')
    .option('--rotate <seed>', 'rotate each layer\'s unit basis by a Haar-random rotation drawn from this seed before thresholds (paper section 3.2)', intOption('--rotate', 0, 0xffffffff))
    .option('--rotate-alpha <a>', 'fraction of that rotation along its geodesic: 0 = identity, 1 = the full rotation', numberOption('--rotate-alpha', 0, 1, false), 1)
    .option('--checkpoint-every <n>', 'checkpoint the forward pass every N images (rerunning the command resumes)', intOption('--checkpoint-every', 1), 1000)
    .option('--checkpoint-minutes <m>', '... or every M minutes, whichever comes first', numberOption('--checkpoint-minutes', 0, 1e6), 5)
    .option('--count-workers <n>', 'worker threads for counting (default: the number of cores)', intOption('--count-workers', 1, 64))
    .option('--report', 'write the HTML report (RUN_DIR/report/index.html) at the end of the run')
    .option('--quiet', 'no progress on stderr')
    .addHelpText('after', `
Preprocessing presets, (x - mean) / std per channel on 0..255 RGB (or give --mean/--std):
${describePresets().map((l) => `  ${l}`).join('\n')}
Outputs, per layer in RUN_DIR/<layer>/: tally.csv, thresholds.csv, intersection.csv, activation.csv,
results.json; and RUN_DIR/run.json, RUN_DIR/labels.csv.
Exit codes: 0 done, 1 run failed, 2 usage error (a bad flag or value, or a --layer that is not an activation).
Example:
  netdissect dissect --model mobilenet_v2.onnx --dataset broden1_224 --layer Conv_1_preact \\
    --mean 128 --std 128 --out runs/mnv2`)
    .action(async (flags: DissectFlags) => {
      if (!flags.layer || flags.layer.length === 0) throw new UsageError('give at least one --layer (run `netdissect layers --model M.onnx` to list them).');
      if (flags.semantics !== 'original' && flags.semantics !== 'lite') throw new UsageError(`--semantics must be 'original' or 'lite', got '${flags.semantics}'.`);
      const preprocess = resolvePreprocess(flags.preprocess, flags.mean, flags.std);
      // Resized label maps (not Broden's) default to half the model input, as Broden's are.
      const spec = datasetSpecFromOptions(flags);
      if (!spec.labelSize) {
        const [h, w] = resolveInputSize(await loadModel(flags.model), flags.inputSize);
        spec.labelSize = [Math.max(1, Math.floor(h / 2)), Math.max(1, Math.floor(w / 2))];
      }
      const ds = await openDataset(spec);
      const summary = await dissect(ds, {
        model: flags.model,
        layers: flags.layer,
        out: flags.out,
        semantics: flags.semantics,
        preprocess,
        ...(flags.inputSize ? { inputSize: flags.inputSize } : {}),
        quantile: flags.quantile,
        iouThreshold: flags.iouThreshold,
        batch: flags.batch,
        limit: flags.limit ?? null,
        topK: flags.topK,
        memoryBudget: flags.memoryBudget,
        skipBadImages: flags.skipBadImages === true,
        threads: flags.threads,
        restart: flags.restart === true,
        ...(flags.rotate !== undefined ? { rotation: { seed: flags.rotate, alpha: flags.rotateAlpha } } : {}),
        checkpointImages: flags.checkpointEvery,
        checkpointSeconds: flags.checkpointMinutes * 60,
        command: process.argv.slice(2),
        datasetSpec: spec,
        ...(typeof flags['countWorkers'] === 'number' ? { countWorkers: flags['countWorkers'] } : {}),
      }, flags.quiet ? undefined : new StderrProgress());
      process.stdout.write(formatSummary(summary, flags.iouThreshold));
      if (flags['report'] === true) {
        const report = await writeReport(flags.out, flags.quiet ? {} : { log: (m: string) => process.stderr.write(`${m}\n`) });
        process.stdout.write(`report: ${report.indexPath} (${report.seconds.toFixed(1)} s)\n`);
      }
    });
}

/** The stdout summary: per layer units, detectors, unique concepts, saturation, best units. */
export function formatSummary(s: DissectSummary, iouThreshold: number): string {
  const lines: string[] = [];
  lines.push(`run: ${s.runDir}  images: ${s.images}${s.skipped ? ` (${s.skipped} skipped, listed in run.json)` : ''}`);
  for (const l of s.layers) {
    const st = l.stats;
    lines.push('');
    lines.push(`layer ${l.layer}  [${l.shape.join('×')}]  -> ${l.dir}/`);
    lines.push(`  ${st.detectors}/${st.units} units are detectors (IoU > ${iouThreshold}), covering ${st.uniqueConcepts} concept${st.uniqueConcepts === 1 ? '' : 's'}; unique detectors (paper's rule): ${st.uniqueDetectors}`);
    const per = st.perCategory.filter((c) => c.detectors > 0 || c.categoryDetectors > 0)
      .map((c) => `${c.category} ${c.detectors} (${c.uniqueConcepts} concept${c.uniqueConcepts === 1 ? '' : 's'})`);
    if (per.length) lines.push(`  by category: ${per.join(', ')}`);
    if (l.saturationHint) lines.push(`  warning: ${l.saturationHint}`);
    if (l.best.length) {
      lines.push('  best units:');
      for (const b of l.best) lines.push(`    unit ${String(b.unit).padStart(4)}  ${b.name.padEnd(20)} ${b.category.padEnd(9)} IoU ${b.score.toFixed(3)}`);
    }
  }
  const t = s.timings;
  lines.push('');
  lines.push(`time: forward ${(t['forward'] ?? 0).toFixed(1)}s, counting ${(t['counting'] ?? 0).toFixed(1)}s, total ${Object.values(t).reduce((a, b) => a + b, 0).toFixed(1)}s`);
  return `${lines.join('\n')}\n`;
}
