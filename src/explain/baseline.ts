// `baseline`: is a unit's IoU above chance? The layer is recounted against labels shuffled
// across images (R seeded shuffles; an image's label maps move with it), and each unit's real
// score is compared with its best score under every shuffle: above chance when it beats all R
// (p < 1/(R+1)). Writes RUN_DIR/<layer>/baseline.csv and a `baseline` field in results.json.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../run/atomic.js';
import { pyFloat } from '../run/format.js';
import { silentProgress, type ProgressSink } from '../util/progress.js';
import type { BaselineWorkerInit } from './baseline-worker.js';
import { KeptMapsIndex } from './kept-maps.js';
import { openRunLayer } from './run-input.js';
import { addCounts, countShuffles, labelTablesOf, shuffledSources, shuffleScores, type ShuffleCounts } from './shuffle-count.js';
import { DatasetError } from '../util/errors.js';

export interface BaselineOptions {
  readonly layer: string;
  readonly shuffles: number;
  readonly seed: number;
  /** Worker threads (default: the cores, at most 8; 1 = this thread). */
  readonly workers?: number;
  /** Fewest label owners per worker (a worker costs a dataset reopen). */
  readonly minImagesPerWorker?: number;
  readonly progress?: ProgressSink;
}

export interface UnitBaseline {
  readonly unit: number; // 0-based
  readonly score: number; // the run's IoU
  /** Best score under each shuffle. */
  readonly shuffled: Float64Array;
  readonly chance: number; // max over shuffles
  readonly aboveChance: boolean; // score > every shuffle
  /** (1 + shuffles scoring ≥ the real score) / (R + 1). */
  readonly p: number;
  readonly detector: boolean;
}

export interface BaselineSummary {
  readonly dir: string;
  readonly units: readonly UnitBaseline[];
  readonly detectors: number;
  readonly detectorsAboveChance: number;
  readonly unitsAboveChance: number;
  readonly seconds: number;
}

export async function baselineLayer(runDir: string, o: BaselineOptions): Promise<BaselineSummary> {
  const t0 = performance.now();
  const progress = o.progress ?? silentProgress;
  const inp = await openRunLayer(runDir, o.layer);
  const [units, h, w] = inp.results.shape;
  const tables = labelTablesOf(inp.ds);
  const semantics = inp.results.settings.semantics;
  const index = new KeptMapsIndex(inp.keptMapsFile, h * w);
  const sources = Array.from({ length: o.shuffles }, (_, r) => shuffledSources(inp.ds, inp.images, o.seed, r));
  const n = inp.images.length;
  // Label owners are sliced over workers (each image's labels read once for all shuffles).
  const slices = Math.max(1, Math.min(o.workers ?? Math.min(availableParallelism(), 8), Math.ceil(n / (o.minImagesPerWorker ?? 500))));
  const base = { images: inp.images, sources, thresholds: inp.thresholds, shape: inp.results.shape, tables, semantics };
  let total: ShuffleCounts;
  progress.start(`${o.shuffles} shuffled recounts`, n);
  let done = 0;
  try {
    if (slices === 1) {
      total = await countShuffles({ ...base, ds: inp.ds, index, from: 0, to: n, onProgress: (d) => progress.update(d) });
    } else {
      const parts = await Promise.all(Array.from({ length: slices }, (_, w) => {
        const init: BaselineWorkerInit = { ...base, spec: inp.spec, file: inp.keptMapsFile, from: Math.floor((n * w) / slices), to: Math.floor((n * (w + 1)) / slices) };
        const worker = new Worker(new URL('./baseline-worker.js', import.meta.url), { workerData: init });
        return new Promise<ShuffleCounts>((resolve, reject) => {
          worker.on('message', (msg: { counts?: ShuffleCounts; error?: string; progress?: number }) => {
            if (msg.progress !== undefined) { done += msg.progress; progress.update(done); }
            else if (msg.error !== undefined) reject(new DatasetError(msg.error));
            else resolve(msg.counts!);
          });
          worker.on('error', reject);
        }).finally(() => worker.terminate());
      }));
      total = parts[0]!;
      for (const p of parts.slice(1)) addCounts(total, p);
    }
  } finally {
    progress.finish();
    index.close();
  }
  const perShuffle = shuffleScores(total, tables, units);
  const iouThreshold = inp.results.settings.iouThreshold;
  const out: UnitBaseline[] = [];
  for (let u = 0; u < units; u++) {
    const score = inp.results.units[u]!.score;
    const shuffled = Float64Array.from(perShuffle, (s) => s[u] as number);
    let chance = 0;
    let atLeast = 0;
    for (const v of shuffled) {
      if (v > chance) chance = v;
      if (v >= score) atLeast++;
    }
    out.push({ unit: u, score, shuffled, chance, aboveChance: atLeast === 0, p: (1 + atLeast) / (o.shuffles + 1), detector: score > iouThreshold });
  }
  const detectors = out.filter((u) => u.detector).length;
  const detectorsAboveChance = out.filter((u) => u.detector && u.aboveChance).length;
  const unitsAboveChance = out.filter((u) => u.aboveChance).length;

  writeFileAtomic(path.join(inp.dir, 'baseline.csv'), baselineCsv(out));
  const resultsFile = path.join(inp.dir, 'results.json');
  const json = JSON.parse(readFileSync(resultsFile, 'utf8')) as { units: Record<string, unknown>[]; baseline?: unknown };
  for (const b of out) json.units[b.unit]!['baseline'] = { chance: b.chance, aboveChance: b.aboveChance, p: b.p };
  json.baseline = { shuffles: o.shuffles, seed: o.seed, detectors, detectorsAboveChance, unitsAboveChance };
  writeFileAtomic(resultsFile, JSON.stringify(json));
  return { dir: inp.dir, units: out, detectors, detectorsAboveChance, unitsAboveChance, seconds: (performance.now() - t0) / 1000 };
}

/** baseline.csv: unit, real score, best shuffled score, whether it beats every shuffle, p, shuffles. */
export function baselineCsv(units: readonly UnitBaseline[]): string {
  const R = units[0]?.shuffled.length ?? 0;
  const head = ['unit', 'score', 'chance', 'above_chance', 'p', 'detector', ...Array.from({ length: R }, (_, r) => `shuffle_${r + 1}`)];
  const lines = [head.join(',')];
  for (const u of units) {
    lines.push([String(u.unit + 1), pyFloat(u.score), pyFloat(u.chance), String(u.aboveChance), pyFloat(u.p), String(u.detector), ...Array.from(u.shuffled, pyFloat)].join(','));
  }
  return `${lines.join('\n')}\n`;
}
