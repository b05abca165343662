// npm run bench: dissection time against the pure forward pass on the same images, side by
// side in one run, at two dataset sizes; peak RSS of each (separate processes) and scratch disk.
// Figures are ratios measured here, never assertions: benchmarks are not tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticBroden } from '../src/dataset/synthetic/generate.js';
import { benchReport } from './report.bench.js';
import { benchReportSize, formatReportSize } from './report-size.bench.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx');
const LAYERS = process.env['BENCH_LAYERS'] ?? 'Conv_1_preact,expanded_conv_12';
const SIZES = (process.env['BENCH_SIZES'] ?? '250,1000').split(',').map(Number);
const BATCH = '16';
const THREADS = '2';
const WORK = path.join(ROOT, '.cache', 'bench');

interface ChildResult { seconds: number; maxRssMiB: number; timings?: Record<string, number>; spilledMiB?: number; peakScratchMiB?: number; outputMiB?: number }

function child(script: string, args: string[]): ChildResult {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'dist', 'bench', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const rows: string[][] = [['images', 'forward s', 'dissect s', 'ratio', 'forward RSS MiB', 'dissect RSS MiB', 'scratch MiB', 'spill run s', 'spill ratio', 'spill RSS MiB', 'spilled MiB', 'report s', 'report/dissect']];
  for (const n of SIZES) {
    const ds = path.join(WORK, `synthetic-${n}`);
    if (!existsSync(path.join(ds, 'index.csv'))) {
      process.stderr.write(`generating ${n} synthetic images ...\n`);
      await generateSyntheticBroden({ images: n, out: ds, seed: 7, size: 224, format: 'jpeg' });
    }
    const out = path.join(WORK, `run-${n}`);
    process.stderr.write(`${n} images: forward pass only ...\n`);
    const fwd = child('forward-only.js', [MODEL, ds, LAYERS, BATCH, THREADS]);
    process.stderr.write(`${n} images: dissection ...\n`);
    const dis = child('dissect-child.js', [MODEL, ds, LAYERS, BATCH, THREADS, out, '4096']);
    process.stderr.write(`${n} images: dissection with a 16 MiB cache budget (spills to disk) ...\n`);
    const spill = child('dissect-child.js', [MODEL, ds, LAYERS, BATCH, THREADS, `${out}-spill`, '16']);
    process.stderr.write(`${n} images: report (all units × 10 top images) ...\n`);
    const report = await benchReport(out);
    rmSync(`${out}-spill`, { recursive: true, force: true });
    rows.push([String(n), fwd.seconds.toFixed(1), dis.seconds.toFixed(1), (dis.seconds / fwd.seconds).toFixed(3),
      fwd.maxRssMiB.toFixed(0), dis.maxRssMiB.toFixed(0), (dis.peakScratchMiB ?? 0).toFixed(1),
      spill.seconds.toFixed(1), (spill.seconds / fwd.seconds).toFixed(3), spill.maxRssMiB.toFixed(0), (spill.spilledMiB ?? 0).toFixed(1),
      report.seconds.toFixed(1), (report.seconds / dis.seconds).toFixed(3)]);
    process.stderr.write(`  phases (s): ${JSON.stringify(Object.fromEntries(Object.entries(dis.timings ?? {}).map(([k, v]) => [k, Number(v.toFixed(2))])))}\n`);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(`MobileNetV2 (${LAYERS}), batch ${BATCH}, ${THREADS} intra-op threads, synthetic Broden-format data\n`);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padStart(widths[i]!)).join('  ')}\n`);
  process.stdout.write('ratio = dissection time / forward-pass time (decode + preprocess + inference of the same images).\n');
  process.stdout.write('spill = the same dissection with a 16 MiB in-memory cache budget; report = writing the HTML report of the dissected run.\n');
  process.stderr.write('report size (1,280 units × 10 images) ...\n');
  process.stdout.write(`${formatReportSize(await benchReportSize())}\n`);
}

await main();
