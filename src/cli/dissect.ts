// `netdissect dissect`: the whole Network Dissection of chosen layers, into a run directory.
import path from 'node:path';
import { Option, type Command } from 'commander';
import { openDataset } from '../dataset/open.js';
import { addDatasetOptions, datasetSpecFromOptions } from './dataset-options.js';
import { loadModel, resolveInputSize } from '../model/model.js';
import { DEFAULT_PRESET, describePresets, resolvePreprocess, PRESETS } from '../model/preprocess.js';
import { writeReport } from '../report/write-report.js';
import { explainLayer } from '../explain/explain.js';
import { dissect, type DissectSummary } from '../run/dissect.js';
import { resolveSpec, type DatasetSpec } from '../dataset/open.js';
import { DEFAULTS } from '../run/defaults.js';
import { parseRedisUrl } from '../distributed/redis.js';
import { UsageError } from '../util/errors.js';
import { StderrProgress } from '../util/progress.js';
import { bytesOption, humanBytes, collect, intOption, numberListOption, numberOption, sizeOption } from './options.js';

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
    .option('--semantics <name>', "activation counting: 'original' (the paper's) or 'lite' (NetDissect-Lite's)", DEFAULTS.semantics)
    .option('--preprocess <preset>', `preprocessing preset: ${Object.keys(PRESETS).join(', ')}; their mean and std are listed below (default: ${DEFAULT_PRESET})`)
    .option('--mean <r,g,b>', 'per-channel mean on 0..255 RGB (with --std; one value for all channels)', numberListOption('--mean'))
    .option('--std <r,g,b>', 'per-channel std on 0..255 RGB (with --mean)', numberListOption('--std'))
    .option('--input-size <h,w>', "input size when the model's is dynamic", sizeOption('--input-size'))
    .option('--quantile <q>', 'top quantile of activations that forms a mask', numberOption('--quantile', 0, 1), DEFAULTS.quantile)
    .option('--iou-threshold <t>', 'IoU above which a unit is a detector', numberOption('--iou-threshold', 0, 1, false), DEFAULTS.iouThreshold)
    .option('--batch <n>', 'images per inference batch', intOption('--batch', 1, 4096), DEFAULTS.batch)
    .option('--limit <n>', 'use only the first N kept images', intOption('--limit', 1))
    .option('--top-k <n>', 'top-activating images kept per unit for the report', intOption('--top-k', 0, 100), DEFAULTS.topK)
    .addOption(new Option('--memory-budget <size>', 'candidate cache held in memory before spilling to disk (e.g. 512M, 4G)').argParser(bytesOption('--memory-budget')).default(DEFAULTS.memoryBudget, humanBytes(DEFAULTS.memoryBudget)))
    .option('--skip-bad-images', 'skip unreadable images (counted and listed in run.json) instead of failing')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (at most 2 keeps features bit-identical across batch sizes)', intOption('--threads', 1, 256), DEFAULTS.threads)
    .option('--restart', 'discard an existing run in --out and start over')
    .option('--rotate <seed>', 'rotate each layer\'s unit basis by a Haar-random rotation drawn from this seed before thresholds (paper section 3.2)', intOption('--rotate', 0, 0xffffffff))
    .option('--rotate-alpha <a>', 'fraction of that rotation along its geodesic: 0 = identity, 1 = the full rotation', numberOption('--rotate-alpha', 0, 1, false), 1)
    .option('--checkpoint-every <n>', 'checkpoint the forward pass every N images (rerunning the command resumes)', intOption('--checkpoint-every', 1), DEFAULTS.checkpointImages)
    .option('--checkpoint-minutes <m>', '... or every M minutes, whichever comes first', numberOption('--checkpoint-minutes', 0, 1e6), DEFAULTS.checkpointMinutes)
    .option('--count-workers <n>', 'threads that count in pass 2, this one included (default: the number of cores)', intOption('--count-workers', 1, 64))
    .option('--shards <n>', 'split the images into N shards, run in local worker processes (or on --queue workers); same numbers as one process', intOption('--shards', 1, 100000))
    .option('--processes <n>', 'local worker processes for --shards (default: min(shards, cores); 0 = run the shards in this process)', intOption('--processes', 0, 256))
    .option('--queue <url>', 'run the shards on `netdissect worker` processes anywhere through this Redis (BullMQ), e.g. redis://10.0.0.5:6379; model, dataset and --out must be at the same paths on every worker')
    .option('--explain', 'at the end of the run, compositional explanations of every layer (`netdissect explain` with its defaults: length 3, beam 5): RUN_DIR/<layer>/formulas.csv')
    .option('--report', 'write the HTML report (RUN_DIR/report/index.html) at the end of the run')
    .option('--quiet', 'no progress on stderr')
    .addHelpText('after', `
Preprocessing presets, (x - mean) / std per channel on 0..255 RGB (or give --mean/--std):
${describePresets().map((l) => `  ${l}`).join('\n')}
Outputs, per layer in RUN_DIR/<layer>/: tally.csv, thresholds.csv, intersection.csv, activation.csv,
results.json; and RUN_DIR/run.json, RUN_DIR/labels.csv.
Exit codes: 0 done, 1 run failed, 2 usage error (a bad flag or value, or a --layer that is not an activation),
130 interrupted (Ctrl-C/SIGTERM: checkpointed; rerun the same command to resume).
Example:
  netdissect dissect --model mobilenet_v2.onnx --dataset broden1_224 --layer Conv_1_preact \\
    --mean 128 --std 128 --out runs/mnv2`)
    .action(async (flags: DissectFlags) => {
      if (!flags.layer || flags.layer.length === 0) throw new UsageError('give at least one --layer (run `netdissect layers --model M.onnx` to list them).');
      if (flags.semantics !== 'original' && flags.semantics !== 'lite') throw new UsageError(`--semantics must be 'original' or 'lite', got '${flags.semantics}'.`);
      // A malformed --queue URL is a usage error before anything is opened or written.
      if (typeof flags['queue'] === 'string') parseRedisUrl(flags['queue']);
      const explicit = flags.mean !== undefined || flags.std !== undefined;
      const preprocess = {
        ...resolvePreprocess(flags.preprocess, flags.mean, flags.std),
        preset: explicit ? null : flags.preprocess ?? DEFAULTS.preprocess,
        assumed: !explicit && flags.preprocess === undefined,
      };
      // Resized label maps (not Broden's) default to half the model input, as Broden's are.
      const spec = datasetSpecFromOptions(flags);
      const model = await loadModel(flags.model);
      if (!spec.labelSize) {
        const [h, w] = resolveInputSize(model, flags.inputSize);
        spec.labelSize = [Math.max(1, Math.floor(h / 2)), Math.max(1, Math.floor(w / 2))];
      }
      const ds = await openDataset(spec);
      const stop = stopOnSignals();
      const summary = await dissect(ds, {
        model: flags.model,
        loadedModel: model,
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
        datasetSpec: await absoluteSpec(spec),
        ...(typeof flags['countWorkers'] === 'number' ? { countWorkers: flags['countWorkers'] } : {}),
        ...(typeof flags['shards'] === 'number' ? { shards: flags['shards'] } : {}),
        ...(typeof flags['processes'] === 'number' ? { processes: flags['processes'] } : {}),
        ...(typeof flags['queue'] === 'string' ? { queue: flags['queue'] } : {}),
        signal: stop.signal,
      }, flags.quiet ? undefined : new StderrProgress()).finally(() => stop.dispose());
      process.stdout.write(formatSummary(summary, flags.iouThreshold));
      if (flags['explain'] === true) {
        for (const l of summary.layers) {
          const e = await explainLayer(flags.out, { layer: l.layer, length: 3, beam: 5, penalty: 1, search: 'beam', ...(flags.quiet ? {} : { progress: new StderrProgress() }) });
          process.stdout.write(`explain: ${e.dir}/formulas.csv (${e.units.filter((u) => u.beam).length} of ${e.units.length} units with a formula, ${e.seconds.total.toFixed(1)} s)\n`);
        }
      }
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
  lines.push(`preprocessing: ${describePreprocess(s.preprocess)}`);
  if (s.preprocess.assumed) {
    lines.push(`  (assumed: no --preprocess given. If the model was trained with other constants, rerun with --preprocess imagenet|inception|mobilenet or --mean/--std and --restart)`);
  }
  if (s.shards) lines.push(`shards: ${s.shards.count} on ${s.shards.where}${s.shards.workersSeen ? ` (${s.shards.workersSeen} worker${s.shards.workersSeen === 1 ? '' : 's'} seen)` : ''}`);
  for (const l of s.layers) {
    const st = l.stats;
    lines.push('');
    lines.push(`layer ${l.layer}  [${l.shape.join('×')}]  -> ${l.dir}/`);
    lines.push(`  ${st.detectors}/${st.units} units are detectors (IoU > ${iouThreshold}), covering ${st.uniqueConcepts} concept${st.uniqueConcepts === 1 ? '' : 's'}; unique detectors (paper's rule): ${st.uniqueDetectors}`);
    const per = st.perCategory.filter((c) => c.detectors > 0 || c.categoryDetectors > 0)
      .map((c) => `${c.category} ${c.detectors} (${c.uniqueConcepts} concept${c.uniqueConcepts === 1 ? '' : 's'})`);
    if (per.length) lines.push(`  by category: ${per.join(', ')}`);
    if (l.saturationHint) lines.push(`  warning: ${l.saturationHint}`);
    for (const w of l.warnings) lines.push(`  warning: ${w}`);
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

/** "preset imagenet: mean 123.675,116.28,103.53, std 58.395,57.12,57.375 on 0..255 RGB; input 224×224 NCHW, images resized to it". */
export function describePreprocess(p: DissectSummary['preprocess']): string {
  const source = p.preset ? `preset ${p.preset}` : 'explicit --mean/--std';
  const layout = p.layout ? ` ${p.layout}` : '';
  return `${source}: mean ${p.mean.join(',')}, std ${p.std.join(',')} on 0..255 RGB; input ${p.inputSize[0]}×${p.inputSize[1]}${layout} (images of another size are resized to it, bilinear)`;
}

/**
 * SIGINT and SIGTERM stop the run at its next batch: it checkpoints, releases its lock, marks
 * run.json interrupted and exits 130. A second signal exits at once.
 */
function stopOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nnetdissect: ${sig} again: quitting without a checkpoint\n`);
      process.exit(130);
    }
    process.stderr.write(`\nnetdissect: ${sig}: stopping after the current batch and saving a checkpoint (press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The spec with absolute paths, as run.json records it: workers and the report reopen the dataset from it. */
async function absoluteSpec(spec: DatasetSpec): Promise<DatasetSpec> {
  const out: DatasetSpec = { ...spec };
  for (const k of ['dataset', 'images', 'labels', 'classes'] as const) {
    const v = out[k];
    if (v !== undefined) out[k] = path.resolve(v);
  }
  if (out.format === undefined) out.format = (await resolveSpec(out)).format;
  return out;
}
