// `explain`: compositional explanations (Mu & Andreas 2020) of one layer of a finished run, from
// its kept unit maps and exact thresholds: RUN_DIR/<layer>/formulas.csv and a `formula` field
// per unit in results.json. No forward pass.
import type { UnitFormula } from '../run/results-types.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../run/atomic.js';
import { pyFloat } from '../run/format.js';
import { UsageError } from '../util/errors.js';
import { silentProgress, type ProgressSink } from '../util/progress.js';
import { collectAtoms, type AtomData } from './atoms.js';
import { collectAtomsOnWorkers } from './atoms-parallel.js';
import { CountSpace, type AtomSet } from './count-space.js';
import { explainUnit, type ScoredData, type SearchKind, type UnitExplanation } from './explain-unit.js';
import type { ExplainWorkerInit } from './explain-worker.js';
import { formulaText } from './formula.js';
import { KeptMapsReader } from './kept-maps.js';
import { openRunLayer } from './run-input.js';
import type { SearchSettings } from './search.js';

/** compexp's default pool drops `material` (settings.CATEGORIES). */
export const COMPEXP_DROPPED_CATEGORIES: readonly string[] = ['material'];

export interface ExplainOptions {
  readonly layer: string;
  readonly length: number;
  readonly beam: number;
  readonly penalty: number;
  readonly search: SearchKind;
  /** 1-based units and ranges, `1-64,100` (default: all). */
  readonly units?: string;
  /** Label pool (default: the run's categories without material, as compexp). */
  readonly categories?: readonly string[];
  /** Worker threads for the search (default: the cores, at most 8; 1 = this thread). */
  readonly workers?: number;
  readonly progress?: ProgressSink;
}

/** The formula field added to each explained unit of results.json (its contract: results-types.ts). */
export type FormulaField = UnitFormula;

export interface ExplainSummary {
  readonly dir: string;
  readonly units: readonly UnitExplanation[];
  readonly categories: readonly string[];
  readonly labels: number;
  readonly atoms: number;
  readonly images: number;
  readonly seconds: { readonly atoms: number; readonly search: number; readonly total: number };
  /** With --search optimal: units where the beam's score is below the optimum. */
  readonly beamMisses?: number;
}

const now = (): number => performance.now() / 1000;

/** `1-64,100` → 0-based unit indices (checked against the layer's unit count). */
export function parseUnits(text: string, units: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`--units '${text}': expected 1-based units and ranges such as 1-64,100.`);
    const a = Number(m[1]);
    const b = Number(m[2] ?? m[1]);
    if (a < 1 || b > units || a > b) throw new UsageError(`--units '${part}': units run from 1 to ${units} and ranges go upwards.`);
    for (let u = a; u <= b; u++) out.add(u - 1);
  }
  if (out.size === 0) throw new UsageError(`--units '${text}': no unit given.`);
  return [...out].sort((x, y) => x - y);
}

export async function explainLayer(runDir: string, o: ExplainOptions): Promise<ExplainSummary> {
  const t0 = now();
  const progress = o.progress ?? silentProgress;
  const inp = await openRunLayer(runDir, o.layer);
  const [unitCount, h, w] = inp.results.shape;
  const runCats = inp.ds.categories;
  const categories = o.categories ?? runCats.filter((c) => !COMPEXP_DROPPED_CATEGORIES.includes(c));
  for (const c of categories) if (!runCats.includes(c)) throw new UsageError(`--categories: '${c}' is not a category of this run (${runCats.join(', ')}).`);
  if (categories.length === 0) throw new UsageError('--categories: no category left to explain with.');
  const units = o.units !== undefined ? parseUnits(o.units, unitCount) : Array.from({ length: unitCount }, (_, i) => i);
  const selected = new Uint8Array(unitCount);
  for (const u of units) selected[u] = 1;

  const reader = KeptMapsReader.open(inp.keptMapsFile, h * w);
  const workers = o.workers ?? Math.min(availableParallelism(), 8);
  const atoms = workers > 1
    ? await collectAtomsOnWorkers({
      spec: inp.spec, file: inp.keptMapsFile, images: inp.images, categories, thresholds: inp.thresholds, mapShape: [h, w], selected,
    }, workers, progress)
    : await collectAtoms({
      ds: inp.ds, images: inp.images, partial: false, categories, blocks: reader.blocks(), thresholds: inp.thresholds,
      mapShape: [h, w], selected, progress, file: inp.keptMapsFile,
    });
  const t1 = now();
  const settings: SearchSettings = { length: o.length, beam: o.beam, penalty: o.penalty };
  const results = await searchUnits(atoms, units, settings, o.search, workers, progress);
  const t2 = now();

  const name = (compact: number): string => {
    const n = atoms.labelNumbers[compact] as number;
    return inp.ds.labels[n]?.name ?? String(n);
  };
  writeFileAtomic(path.join(inp.dir, 'formulas.csv'), formulasCsv(results, name, o.search));
  // results.json gains a `formula` per explained unit; formulas of an earlier call (other
  // settings, other units) are removed, so every formula there matches `explain`'s settings.
  const resultsFile = path.join(inp.dir, 'results.json');
  const json = JSON.parse(readFileSync(resultsFile, 'utf8')) as { units: Record<string, unknown>[]; explain?: unknown };
  for (const unit of json.units) delete unit['formula'];
  for (const r of results) {
    const chosen = o.search === 'optimal' ? r.optimal ?? null : r.beam;
    const unit = json.units[r.unit]!;
    if (chosen) unit['formula'] = formulaField(chosen, atoms.labelNumbers, name, o.search);
    else delete unit['formula'];
  }
  json.explain = { length: o.length, beam: o.beam, penalty: o.penalty, search: o.search, categories, units: units.length };
  writeFileAtomic(resultsFile, JSON.stringify(json));
  const beamMisses = o.search === 'optimal'
    ? results.filter((r) => r.optimal && (!r.beam || r.optimal.score > r.beam.score)).length
    : undefined;
  return {
    dir: inp.dir, units: results, categories, labels: atoms.global.labelCount, atoms: atoms.global.atomCount, images: inp.images.length,
    seconds: { atoms: t1 - t0, search: t2 - t1, total: now() - t0 },
    ...(beamMisses !== undefined ? { beamMisses } : {}),
  };
}

function formulaField(s: ScoredData, numbers: Int32Array, name: (c: number) => string, search: SearchKind): FormulaField {
  return {
    text: formulaText(s, name), iou: s.iou, length: s.length, score: s.score, compexpLength: s.compexpLength,
    labels: s.labels.map((l) => numbers[l] as number), ops: s.ops, search,
  };
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** formulas.csv: one row per explained unit, in unit order. */
export function formulasCsv(results: readonly UnitExplanation[], name: (c: number) => string, search: SearchKind): string {
  const head = ['unit', 'formula', 'iou', 'length', 'score', 'compexp_length', 'single', 'single_iou'];
  if (search === 'optimal') head.push('beam_formula', 'beam_iou', 'beam_score', 'beam_optimal');
  const lines = [head.join(',')];
  for (const r of results) {
    const f = search === 'optimal' ? r.optimal ?? null : r.beam;
    const row = [
      String(r.unit + 1), f ? formulaText(f, name) : '', pyFloat(f?.iou ?? 0), String(f?.length ?? 0), pyFloat(f?.score ?? 0),
      String(f?.compexpLength ?? 0), r.single ? name(r.single.labels[0]!) : '', pyFloat(r.single?.iou ?? 0),
    ];
    if (search === 'optimal') {
      const b = r.beam;
      row.push(b ? formulaText(b, name) : '', pyFloat(b?.iou ?? 0), pyFloat(b?.score ?? 0), String(!f || !b || !(f.score > b.score)));
    }
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Search every selected unit, on worker threads when there are several units and workers. */
async function searchUnits(
  atoms: AtomData, units: readonly number[], settings: SearchSettings, search: SearchKind, workers: number, progress: ProgressSink,
): Promise<UnitExplanation[]> {
  const out: UnitExplanation[] = [];
  progress.start(search === 'optimal' ? 'beam and optimal search' : 'beam search', units.length);
  try {
    if (workers <= 1 || units.length < 2) {
      const global = new CountSpace(atoms.global);
      for (const u of units) {
        out.push(explainUnit(global, u, atoms.units[u]!, settings, search));
        progress.update(out.length);
      }
      return out;
    }
    const init: ExplainWorkerInit = { global: atoms.global, settings, search };
    const pool = Array.from({ length: Math.min(workers, units.length) }, () => new Worker(new URL('./explain-worker.js', import.meta.url), { workerData: init }));
    try {
      let next = 0;
      await Promise.all(pool.map((worker) => new Promise<void>((resolve, reject) => {
        const send = (): void => {
          if (next >= units.length) { resolve(); return; }
          const u = units[next++]!;
          const set: AtomSet = atoms.units[u]!;
          worker.postMessage({ unit: u, atoms: set });
        };
        worker.on('message', (msg: { result?: UnitExplanation; error?: string; unit?: number }) => {
          if (msg.error !== undefined) { reject(new Error(`explaining unit ${(msg.unit ?? 0) + 1}: ${msg.error}`)); return; }
          out.push(msg.result!);
          progress.update(out.length);
          send();
        });
        worker.on('error', reject);
        send();
      })));
    } finally {
      await Promise.all(pool.map((wk) => wk.terminate()));
    }
    return out.sort((a, b) => a.unit - b.unit);
  } finally {
    progress.finish();
  }
}
