// npm run bench: the dissection against the bare forward pass on the same images, side by side in
// one run, at two dataset sizes, on a ResNet-18-shaped and an AlexNet-shaped network (seeded
// random weights, built here: bench/models.ts) and the embedded MobileNetV2. Each program runs in
// its own process; the parent measures its wall time and samples the peak memory of its whole
// process tree (PSS from /proc/<pid>/smaps_rollup, summed over the tree; RSS too). Figures are
// measurements, never assertions: benchmarks are not tests.
//
// Settings (environment):
//   BENCH_IMAGES=1000,5000          dataset sizes (one synthetic set of the largest, cut with a limit)
//   BENCH_MODELS=resnet18,alexnet,mobilenet
//   BENCH_BUDGETS=default           candidate cache budgets in MiB, e.g. "4096,default,16"
//   BENCH_FORWARD_FLAGS=""          extra flags for the bare forward (bench/bare-forward.ts), e.g. "--truncate"
//   BENCH_BATCH=16 BENCH_THREADS=2
//   BENCH_REPEAT=1                  runs of each program, alternating forward and dissection; the
//                                   table shows the fastest wall (with its CPU) and the highest peak
//                                   memory of the runs: a shared machine's noise only ever adds time
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticBroden } from '../src/dataset/synthetic/generate.js';
import { DEFAULT_CACHE_BUDGET } from '../src/quantile/cache-budget.js';
import { measure, type Measured } from './measure.js';
import { benchReportSize, formatReportSize } from './report-size.bench.js';
import { benchModel, type BenchModelName } from './models.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORK = path.join(ROOT, '.cache', 'bench');
const env = (k: string, d: string): string => process.env[k] ?? d;
const SIZES = env('BENCH_IMAGES', '1000,5000').split(',').map(Number);
const MODELS = env('BENCH_MODELS', 'resnet18,alexnet,mobilenet').split(',');
const BUDGETS = env('BENCH_BUDGETS', 'default').split(',');
const FORWARD_FLAGS = env('BENCH_FORWARD_FLAGS', '').split(' ').filter((s) => s !== '');
const BATCH = env('BENCH_BATCH', '16');
const REPEAT = Math.max(1, Number(env('BENCH_REPEAT', '1')));
const THREADS = env('BENCH_THREADS', '2');

interface Subject { readonly name: string; readonly file: string; readonly layers: string }

function subject(name: string): Subject {
  if (name === 'mobilenet') return { name: 'MobileNetV2', file: path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx'), layers: 'Conv_1_preact,expanded_conv_12' };
  const m = benchModel(name as BenchModelName, path.join(ROOT, '.cache', 'bench-models'));
  const layer = name === 'alexnet' ? 'conv5' : name === 'resnet18' ? 'layer4' : m.layers[m.layers.length - 1]!;
  return { name: `${name} (${(m.parameters * 4 / 1e6).toFixed(0)} MB)`, file: m.file, layers: layer };
}

interface ForwardResult { seconds: number; loadSeconds: number; forwardSeconds: number; images: number; cpuSeconds: number }
interface DissectResult { seconds: number; cpuSeconds: number; timings?: Record<string, number>; spilledMiB?: number; images?: number }

/** The fastest run (wall, CPU, timings), with the highest peak memory of all the runs. */
function best<T>(runs: readonly Measured<T>[]): Measured<T> {
  const fastest = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
  return { ...fastest, peakPssMiB: Math.max(...runs.map((r) => r.peakPssMiB)), peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)), peakScratchMiB: Math.max(...runs.map((r) => r.peakScratchMiB)) };
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const largest = Math.max(...SIZES);
  // A set generated earlier for a larger size serves too (runs take its first images).
  const earlier = readdirSync(WORK).map((d) => /^synthetic-(\d+)$/.exec(d)).filter((m) => m !== null && Number(m[1]) >= largest && existsSync(path.join(WORK, m[0], 'index.csv')));
  const ds = path.join(WORK, earlier[0]?.[0] ?? `synthetic-${largest}`);
  if (!existsSync(path.join(ds, 'index.csv'))) {
    process.stderr.write(`generating ${largest} synthetic images ...\n`);
    await generateSyntheticBroden({ images: largest, out: ds, seed: 7, size: 224, format: 'jpeg' });
  }
  const header = ['model, layer', 'images', 'budget', 'forward s', 'dissect s', 'ratio', 'forward CPU s', 'dissect CPU s', 'ratio', 'forward PSS', 'dissect PSS', 'ratio', 'dissect RSS', 'phases s (load/forward/thresholds/counting/write)', 'scratch MiB', 'spilled MiB'];
  const rows: string[][] = [];
  const print = (): void => {
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
    process.stdout.write(`\nbatch ${BATCH}, ${THREADS} intra-op threads, synthetic Broden-format images (224×224); forward flags: ${FORWARD_FLAGS.join(' ') || '(none)'}\n`);
    for (const r of all) process.stdout.write(`| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`);
    process.stdout.write('s = wall of the whole program (start to exit); CPU s = its user + system time, all threads (steadier than wall on a shared machine);\nratio = dissect / forward; PSS/RSS = peak MiB of the process tree.\n');
  };
  for (const name of MODELS) {
    const s = subject(name);
    for (const n of SIZES) {
      const forwards: Measured<ForwardResult>[] = [];
      const dissections = new Map<string, Measured<DissectResult>[]>();
      for (let r = 0; r < REPEAT; r++) {
        const round = REPEAT > 1 ? ` (run ${r + 1} of ${REPEAT})` : '';
        process.stderr.write(`${s.name} ${s.layers}, ${n} images: bare forward${round} ...\n`);
        forwards.push(await measure<ForwardResult>('bare-forward.js', [s.file, ds, s.layers, BATCH, THREADS, '--limit', String(n), ...FORWARD_FLAGS]));
        for (const b of BUDGETS) {
          const budgetMiB = b === 'default' ? DEFAULT_CACHE_BUDGET / 2 ** 20 : Number(b);
          process.stderr.write(`${s.name} ${s.layers}, ${n} images: dissection, cache budget ${budgetMiB} MiB${round} ...\n`);
          const out = path.join(WORK, `run-${name}-${n}-${budgetMiB}`);
          const list = dissections.get(b) ?? [];
          list.push(await measure<DissectResult>('dissect-child.js', [s.file, ds, s.layers, BATCH, THREADS, out, String(budgetMiB), String(n)], path.join(out, '.cache')));
          dissections.set(b, list);
        }
      }
      const fwd = best(forwards);
      for (const b of BUDGETS) {
        const budgetMiB = b === 'default' ? DEFAULT_CACHE_BUDGET / 2 ** 20 : Number(b);
        const dis = best(dissections.get(b)!);
        const t = dis.result.timings ?? {};
        const phases = ['load', 'forward', 'thresholds', 'counting', 'write'].map((k) => (t[k] ?? 0).toFixed(1)).join('/');
        rows.push([`${s.name}, ${s.layers}`, String(fwd.result.images), `${budgetMiB} MiB`, fwd.wall.toFixed(1), dis.wall.toFixed(1), (dis.wall / fwd.wall).toFixed(2),
          fwd.result.cpuSeconds.toFixed(1), dis.result.cpuSeconds.toFixed(1), (dis.result.cpuSeconds / fwd.result.cpuSeconds).toFixed(2),
          fwd.peakPssMiB.toFixed(0), dis.peakPssMiB.toFixed(0), (dis.peakPssMiB / fwd.peakPssMiB).toFixed(2), dis.peakRssMiB.toFixed(0), phases,
          dis.peakScratchMiB.toFixed(1), (dis.result.spilledMiB ?? 0).toFixed(1)]);
        print();
      }
    }
  }
  if (process.env['BENCH_REPORT'] !== '0') {
    process.stderr.write('report size (MobileNetV2 Conv_1_preact, 1,280 units × 10 images, CamVid val) ...\n');
    process.stdout.write(`\n${formatReportSize(await benchReportSize())}\n`);
  }
}

await main();
