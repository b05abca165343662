// npm run bench:distributed: the same dissection run whole in one process, as shards on 2 local
// worker processes, and as shards on 2 workers through a real Redis (BullMQ), side by side on
// the same images; the overhead of sharding (queueing, partials written and read, merges) as a
// share of the one-process run; the scratch disk a shard writes per image; and from those figures
// an estimate of full Broden (63,305 images) on 16 such machines. Figures, never assertions.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { dirBytes } from './measure.js';
import { fileURLToPath } from 'node:url';
import { generateSyntheticBroden } from '../src/dataset/synthetic/generate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'bin', 'netdissect.js');
const MODEL = path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx');
const LAYERS = process.env['BENCH_LAYERS'] ?? 'Conv_1_preact,expanded_conv_12';
const IMAGES = Number(process.env['BENCH_DIST_IMAGES'] ?? '1000');
const SHARDS = Number(process.env['BENCH_DIST_SHARDS'] ?? '8');
const WORK = path.join(ROOT, '.cache', 'bench-distributed');
const BRODEN = 63_305;

/** Run the CLI to the end; wall seconds and the peak size of the run's scratch folder. */
async function timed(args: string[], out: string): Promise<{ seconds: number; peakScratch: number }> {
  const t0 = performance.now();
  let peak = 0;
  const timer = setInterval(() => {
    try { peak = Math.max(peak, dirBytes(path.join(out, '.cache'))); } catch { /* not there yet */ }
  }, 100);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`netdissect ${args.join(' ')} exited ${code}:\n${stderr}`);
  return { seconds: (performance.now() - t0) / 1000, peakScratch: peak };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function main(): Promise<void> {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is needed (apt-get install redis-server)');
  mkdirSync(WORK, { recursive: true });
  const ds = path.join(WORK, `synthetic-${IMAGES}`);
  if (!existsSync(path.join(ds, 'index.csv'))) {
    process.stderr.write(`generating ${IMAGES} synthetic images ...\n`);
    await generateSyntheticBroden({ images: IMAGES, out: ds, seed: 7, size: 224, format: 'jpeg' });
  }
  const base = (out: string): string[] => ['dissect', '--model', MODEL, '--dataset', ds, '--layer', LAYERS, '--out', out, '--preprocess', 'mobilenet', '--restart', '--quiet'];

  process.stderr.write('1 process ...\n');
  const single = await timed(base(path.join(WORK, 'single')), path.join(WORK, 'single'));
  process.stderr.write(`--shards ${SHARDS} on 2 local worker processes ...\n`);
  const local = await timed([...base(path.join(WORK, 'local')), '--shards', String(SHARDS), '--processes', '2'], path.join(WORK, 'local'));

  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, [CLI, 'worker', '--queue', url], { stdio: 'ignore' }));
  let queue: { seconds: number; peakScratch: number };
  try {
    process.stderr.write(`--shards ${SHARDS} on 2 workers through Redis ...\n`);
    queue = await timed([...base(path.join(WORK, 'queue')), '--shards', String(SHARDS), '--queue', url], path.join(WORK, 'queue'));
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    redis.kill('SIGTERM');
  }
  for (const d of ['single', 'local', 'queue']) rmSync(path.join(WORK, d), { recursive: true, force: true });

  const rows = [
    ['mode', 'wall s', 'vs 1 process', 'overhead per shard s', 'peak scratch MiB', 'scratch KiB/image'],
    ['1 process (1 shard)', single.seconds.toFixed(1), '1.00', '-', (single.peakScratch / 2 ** 20).toFixed(1), (single.peakScratch / 1024 / IMAGES).toFixed(1)],
    ...[['2 local processes', local], ['2 workers via Redis', queue]].map(([name, r]) => {
      const x = r as { seconds: number; peakScratch: number };
      return [`${name as string} (${SHARDS} shards)`, x.seconds.toFixed(1), (x.seconds / single.seconds).toFixed(2),
        ((x.seconds - single.seconds) / SHARDS).toFixed(2), (x.peakScratch / 2 ** 20).toFixed(1), (x.peakScratch / 1024 / IMAGES).toFixed(1)];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(`MobileNetV2 (${LAYERS}), ${IMAGES} synthetic images, this machine (${spawnSync('nproc').stdout.toString().trim()} cores)\n`);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')}\n`);
  // Full Broden on 16 machines like this one: the one-process rate per machine, plus the measured
  // per-shard overhead for 64 shards (4 per machine).
  const perImage = single.seconds / IMAGES;
  const overhead = Math.max(0, (queue.seconds - single.seconds) / SHARDS);
  const estimate = (BRODEN * perImage) / 16 + (64 / 16) * overhead;
  process.stdout.write(`\nestimate, full Broden (${BRODEN} images) with these layers: 1 machine ${(BRODEN * perImage / 60).toFixed(0)} min; `);
  process.stdout.write(`16 machines, 64 shards: ${(estimate / 60).toFixed(1)} min (${(BRODEN * perImage / estimate).toFixed(1)}× faster)\n`);
}

await main();
