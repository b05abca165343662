// Model load of a heavy model (AlexNet-shaped, 244 MB of seeded random weights): the time from
// the file to a session ready for the forward pass, against ONNX Runtime's own session creation
// (the floor), each in a fresh process, repeated and interleaved; medians and peak RSS.
//   node dist/bench/model-load.bench.js [--model alexnet|vgg16|resnet18] [--repeat N] [--legacy DIST]
//     [--modes ort,session,run,two-session,legacy]
// --legacy DIST adds the old sequence run with another build's modules (DIST holds src/model/).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchModel, type BenchModelName } from './models.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Result { mode: string; phases: Record<string, number>; cpu: number; maxRssMiB: number }

const name = (arg('--model') ?? 'alexnet') as BenchModelName;
const repeat = Number(arg('--repeat') ?? 3);
const legacy = arg('--legacy');
const threads = '2';
const model = benchModel(name, path.join(ROOT, '.cache', 'bench-models'));
const layer = model.layers[model.layers.length - 1]!;
const modes = arg('--modes')?.split(',') ?? ['ort', 'session', 'two-session', ...(legacy ? ['legacy'] : [])];
const results = new Map<string, Result[]>(modes.map((m) => [m, []]));
for (let r = 0; r < repeat; r++) {
  for (const mode of modes) {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'dist', 'bench', 'model-load-child.js'), mode, model.file, layer, threads, ...(legacy ? [legacy] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const res = JSON.parse(out.trim().split('\n').pop()!) as Result;
    results.get(mode)!.push(res);
    process.stderr.write(`${mode}: ${JSON.stringify(res.phases)}\n`);
  }
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const floor = median((results.get('ort') ?? results.get('session')!).map((x) => x.phases['create']!));
process.stdout.write(`${name} (${(model.parameters * 4 / 1e6).toFixed(0)} MB of weights), layer ${layer}, ${threads} intra-op threads; medians of ${repeat}\n`);
const overhead = (results.get('session') ?? []).map((x) => x.phases['ready']! - x.phases['create']!);
process.stdout.write(`session mode: ready − ONNX Runtime's session creation in the same process, per run: ${overhead.map((x) => x.toFixed(2)).join(', ')} s (median ${median(overhead).toFixed(2)} s)\n`);
process.stdout.write('mode          ready s  vs session creation  phases (s)                                   CPU s  peak RSS MiB\n');
for (const mode of modes) {
  const rs = results.get(mode)!;
  const ready = mode === 'ort' ? floor : median(rs.map((x) => x.phases['ready']!));
  const keys = Object.keys(rs[0]!.phases).filter((k) => k !== 'ready');
  const phases = keys.map((k) => `${k} ${median(rs.map((x) => x.phases[k]!)).toFixed(2)}`).join(', ');
  process.stdout.write(`${mode.padEnd(12)}  ${ready.toFixed(2).padStart(7)}  ${(mode === 'ort' ? '(floor)' : `${ready >= floor ? '+' : '−'}${Math.abs(ready - floor).toFixed(2)} s`).padStart(19)}  ${phases.padEnd(43)}  ${median(rs.map((x) => x.cpu)).toFixed(2).padStart(5)}  ${median(rs.map((x) => x.maxRssMiB)).toFixed(0).padStart(12)}\n`);
}
