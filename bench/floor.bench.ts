// What moves the floor: the bare forward pass (bench/bare-forward.ts) of one model and layer under
// different ONNX Runtime session options and with the graph cut after the layer, interleaved and
// repeated; median wall, CPU and peak PSS of each variant.
//   node dist/bench/floor.bench.js [MODEL=alexnet|resnet18|vgg16|mobilenet] [IMAGES=200] [REPEAT=2]
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticBroden } from '../src/dataset/synthetic/generate.js';
import { measure } from './measure.js';
import { benchModel, type BenchModelName } from './models.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [name = 'alexnet', imagesArg = '200', repeatArg = '2'] = process.argv.slice(2);
const images = Number(imagesArg);
const VARIANTS: Record<string, string[]> = {
  'default (opt all, arena, mem pattern)': [],
  'graph cut after the layer': ['--truncate'],
  'no CPU memory arena': ['--no-arena'],
  'no memory pattern': ['--no-mem-pattern'],
  'opt extended': ['--opt', 'extended'],
  'opt basic': ['--opt', 'basic'],
  'cut + no arena': ['--truncate', '--no-arena'],
};

const WORK = path.join(ROOT, '.cache', 'bench');
mkdirSync(WORK, { recursive: true });
const ds = path.join(WORK, `synthetic-${images}`);
if (!existsSync(path.join(ds, 'index.csv'))) await generateSyntheticBroden({ images, out: ds, seed: 7, size: 224, format: 'jpeg' });
const model = name === 'mobilenet'
  ? { file: path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx'), layer: 'Conv_1_preact' }
  : (() => { const m = benchModel(name as BenchModelName, path.join(ROOT, '.cache', 'bench-models')); return { file: m.file, layer: m.layers[m.layers.length - 1]! }; })();
const results = new Map<string, { wall: number; cpu: number; load: number; pss: number }[]>();
for (let r = 0; r < Number(repeatArg); r++) {
  for (const [label, flags] of Object.entries(VARIANTS)) {
    const m = await measure<{ cpuSeconds: number; loadSeconds: number }>('bare-forward.js', [model.file, ds, model.layer, '16', '2', ...flags]);
    const list = results.get(label) ?? [];
    list.push({ wall: m.wall, cpu: m.result.cpuSeconds, load: m.result.loadSeconds, pss: m.peakPssMiB });
    results.set(label, list);
    process.stderr.write(`${label}: ${m.wall.toFixed(1)} s, CPU ${m.result.cpuSeconds.toFixed(1)} s, load ${m.result.loadSeconds.toFixed(1)} s, PSS ${m.peakPssMiB.toFixed(0)} MiB\n`);
  }
}
const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
process.stdout.write(`${name} ${model.layer}, ${images} images, batch 16, 2 threads; medians of ${repeatArg}\n| variant | wall s | CPU s | load s | peak PSS MiB |\n| --- | --- | --- | --- | --- |\n`);
for (const [label, list] of results) {
  process.stdout.write(`| ${label} | ${median(list.map((x) => x.wall)).toFixed(1)} | ${median(list.map((x) => x.cpu)).toFixed(1)} | ${median(list.map((x) => x.load)).toFixed(1)} | ${median(list.map((x) => x.pss)).toFixed(0)} |\n`);
}
