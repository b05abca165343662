// explain and baseline on a real (small) dissection: a seeded two-convolution model on the
// synthetic dataset. Every reported count is checked against brute force: full upsampling of the
// kept maps, label maps read pixel by pixel, formulas evaluated per pixel.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openBroden } from '../../src/dataset/broden/reader.js';
import type { ConceptDataset } from '../../src/dataset/types.js';
import { collectAtoms } from '../../src/explain/atoms.js';
import { collectAtomsOnWorkers } from '../../src/explain/atoms-parallel.js';
import { baselineLayer } from '../../src/explain/baseline.js';
import { explainLayer, type FormulaField } from '../../src/explain/explain.js';
import { KeptMapsIndex, KeptMapsReader } from '../../src/explain/kept-maps.js';
import { openRunLayer } from '../../src/explain/run-input.js';
import { addCounts, countShuffles, labelTablesOf, shuffledSources, shuffleScores } from '../../src/explain/shuffle-count.js';
import { dissect } from '../../src/run/dissect.js';
import type { LayerResults } from '../../src/run/results-types.js';
import { upsampleBilinear, upsamplePlan } from '../../src/tally/upsample.js';
import { silentProgress } from '../../src/util/progress.js';
import { runCli } from '../cli/run-cli.js';
import { twoConvModel } from '../helpers/small-models.js';
import { generate, tempDir } from '../helpers/synthetic.js';

/** Per image: the unit's full-resolution masks (by unit), from the kept maps, by full upsampling. */
function bruteMasks(file: string, shape: readonly [number, number, number], thresholds: Float64Array, sh: number, sw: number): Map<number, Map<number, Uint8Array>> {
  const [, h, w] = shape;
  const plan = upsamplePlan(h, w, sh, sw);
  const out = new Map<number, Map<number, Uint8Array>>();
  const up = new Float32Array(sh * sw);
  const scratch = new Float32Array(h * sw);
  for (const b of KeptMapsReader.open(file, h * w).blocks()) {
    for (let i = 0; i < b.count; i++) {
      upsampleBilinear(plan, b.maps, i * h * w, up, scratch);
      const t = Math.fround(thresholds[b.units[i]!]!);
      const m = Uint8Array.from(up, (v) => (v > t ? 1 : 0));
      let per = out.get(b.images[i]!);
      if (!per) { per = new Map(); out.set(b.images[i]!, per); }
      per.set(b.units[i]!, m);
    }
  }
  return out;
}

/** Per pixel, the set of labels of the wanted categories (all channels, image-level labels too). */
async function pixelSets(ds: ConceptDataset, image: number, categories: readonly string[]): Promise<Set<number>[]> {
  const rec = ds.images[image]!;
  const S = rec.sh * rec.sw;
  const sets = Array.from({ length: S }, () => new Set<number>());
  const labels = await ds.readLabels(image);
  for (const [cat, ann] of labels.byCategory) {
    if (!categories.includes(cat)) continue;
    for (const ch of ann.maps) for (let p = 0; p < S; p++) if (ch[p]! !== 0) sets[p]!.add(ch[p]!);
    for (const l of ann.imageLabels) for (const s of sets) s.add(l);
  }
  return sets;
}

function holds(f: FormulaField, set: Set<number>): boolean {
  let v = set.has(f.labels[0]!);
  f.ops.forEach((op, i) => {
    const x = set.has(f.labels[i + 1]!);
    v = op === 'or' ? v || x : op === 'and' ? v && x : v && !x;
  });
  return v;
}

describe('explain and baseline on a dissected synthetic dataset', () => {
  let tmp = '';
  let run = '';
  let dataset = '';
  before(async () => {
    tmp = tempDir('explain');
    dataset = await generate(tmp, { images: 40, size: 64, format: 'png' });
    const model = path.join(tmp, 'two.onnx');
    writeFileSync(model, twoConvModel(64));
    run = path.join(tmp, 'run');
    await dissect(await openBroden(dataset), {
      model, layers: ['conv2'], out: run, semantics: 'original', preprocess: { mean: [0, 0, 0], std: [255, 255, 255] },
      quantile: 0.02, iouThreshold: 0.04, batch: 8, limit: null, topK: 2, memoryBudget: 1024 ** 3, skipBadImages: false,
      threads: 1, restart: true, command: ['dissect', '--dataset', dataset],
    });
  });
  after(() => { if (!process.env['KEEP']) rmSync(tmp, { recursive: true, force: true }); });

  it('keeps every map dissect counted: intersections recounted from unit-maps.seg equal intersection.csv', async () => {
    const inp = await openRunLayer(run, 'conv2');
    const masks = bruteMasks(inp.keptMapsFile, inp.results.shape, inp.thresholds, 32, 32);
    const counts = new Map<string, number>();
    for (const image of inp.images) {
      const labels = await inp.ds.readLabels(image);
      for (const [u, m] of masks.get(image) ?? []) {
        const n = m.reduce((a, b) => a + b, 0);
        for (const ann of labels.byCategory.values()) {
          for (const ch of ann.maps) m.forEach((on, p) => { if (on && ch[p]! !== 0) counts.set(`${u + 1},${ch[p]}`, (counts.get(`${u + 1},${ch[p]}`) ?? 0) + 1); });
          for (const l of ann.imageLabels) counts.set(`${u + 1},${l}`, (counts.get(`${u + 1},${l}`) ?? 0) + n);
        }
      }
    }
    const csv = readFileSync(path.join(run, 'conv2', 'intersection.csv'), 'utf8').trim().split('\n').slice(1);
    const want = new Map(csv.map((line) => { const [u, l, c] = line.split(','); return [`${u},${l}`, Number(c)]; }));
    assert.ok(want.size > 50);
    assert.deepEqual(new Map([...counts].filter(([, c]) => c > 0).sort()), new Map([...want].sort()));
  });

  /** Explain with these categories, then recount every reported formula pixel by pixel. */
  async function checkFormulas(categories: readonly string[] | undefined): Promise<number> {
    const s = await explainLayer(run, { layer: 'conv2', length: 3, beam: 5, penalty: 1, search: 'optimal', workers: 2, ...(categories ? { categories } : {}) });
    const inp = await openRunLayer(run, 'conv2');
    const r = JSON.parse(readFileSync(path.join(run, 'conv2', 'results.json'), 'utf8')) as LayerResults & { units: (LayerResults['units'][number] & { formula?: FormulaField })[] };
    if (!categories) assert.deepEqual(s.categories, ['color', 'object', 'part', 'scene', 'texture'], 'compexp drops material by default');
    const masks = bruteMasks(inp.keptMapsFile, inp.results.shape, inp.thresholds, 32, 32);
    const sets = new Map<number, Set<number>[]>();
    for (const image of inp.images) sets.set(image, await pixelSets(inp.ds, image, s.categories));
    let withFormula = 0;
    for (const u of s.units) {
      assert.ok(!u.beam || (u.optimal && u.optimal.score >= u.beam.score), `unit ${u.unit + 1}`);
      const f = r.units[u.unit]!.formula;
      if (!f) continue;
      withFormula++;
      let I = 0; let G = 0; let M = 0;
      for (const image of inp.images) {
        const m = masks.get(image)?.get(u.unit);
        sets.get(image)!.forEach((set, p) => {
          const inF = holds(f, set);
          const on = m !== undefined && m[p] === 1;
          if (inF) G++;
          if (on) { M++; if (inF) I++; }
        });
      }
      assert.equal(M, u.maskPixels, `unit ${u.unit + 1} mask size`);
      assert.equal(f.iou, I / (G + M - I + 1e-10), `unit ${u.unit + 1}: ${f.text}`);
    }
    return withFormula;
  }

  it('reports formulas whose IoU, recounted pixel by pixel, is exact; optimal is never below beam', async () => {
    assert.ok(await checkFormulas(undefined) > 20);
    const csv = readFileSync(path.join(run, 'conv2', 'formulas.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'unit,formula,iou,length,score,compexp_length,single,single_iou,beam_formula,beam_iou,beam_score,beam_optimal');
    assert.equal(csv.length, 33);
  });

  it('counts image-level labels as whole-image masks, and pixel labels of several channels once', async () => {
    assert.ok(await checkFormulas(['scene', 'texture']) > 10);
    assert.ok(await checkFormulas(['part']) > 10);
  });

  it('gives the same formulas on one thread and on several, and through the CLI (explain, baseline)', async () => {
    const a = await explainLayer(run, { layer: 'conv2', length: 3, beam: 5, penalty: 1, search: 'beam', workers: 1 });
    const csv1 = readFileSync(path.join(run, 'conv2', 'formulas.csv'), 'utf8');
    const b = await explainLayer(run, { layer: 'conv2', length: 3, beam: 5, penalty: 1, search: 'beam', workers: 3 });
    assert.deepEqual(a.units, b.units);
    const cli = await runCli(['explain', run, '--layer', 'conv2', '--quiet']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /formulas\.csv: 32 units/);
    assert.equal(readFileSync(path.join(run, 'conv2', 'formulas.csv'), 'utf8'), csv1);
    const bad = await runCli(['explain', run, '--layer', 'conv2', '--units', '0-3']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--units '0-3': units run from 1 to 32/);
    const some = await runCli(['explain', run, '--layer', 'conv2', '--units', '2-3,7', '--quiet']);
    assert.equal(some.code, 0, some.stderr);
    const r = JSON.parse(readFileSync(path.join(run, 'conv2', 'results.json'), 'utf8')) as { units: { formula?: unknown }[]; explain: { units: number } };
    assert.deepEqual(r.units.flatMap((u, i) => (u.formula ? [i + 1] : [])), [2, 3, 7], 'formulas of the earlier call are gone');
    assert.equal(r.explain.units, 3);
    const base = await runCli(['baseline', run, '--layer', 'conv2', '--shuffles', '2', '--seed', '4', '--quiet']);
    assert.equal(base.code, 0, base.stderr);
    assert.match(base.stdout, /baseline\.csv: 32 units, \d+ above chance \(p < 1\/3\); detectors: \d+, of which \d+ above chance/);
  });

  it('builds the same atoms and unit masks on one thread and on image slices in workers', async () => {
    const inp = await openRunLayer(run, 'conv2');
    const base = {
      images: inp.images, categories: ['object', 'part', 'scene'], thresholds: inp.thresholds, mapShape: [8, 8] as const,
      selected: Uint8Array.from({ length: 32 }, (_, u) => (u % 3 === 0 ? 1 : 0)),
    };
    const one = await collectAtoms({ ...base, ds: inp.ds, partial: false, blocks: KeptMapsReader.open(inp.keptMapsFile, 64).blocks(), progress: silentProgress, file: inp.keptMapsFile });
    const three = await collectAtomsOnWorkers({ ...base, spec: inp.spec, file: inp.keptMapsFile }, 3, silentProgress, 10);
    assert.deepEqual(three, one);
    assert.ok(one.units[3] && !one.units[4]);
  });

  it('recounts the run exactly under the identity shuffle, and sums slices of label owners exactly', async () => {
    const inp = await openRunLayer(run, 'conv2');
    const tables = labelTablesOf(inp.ds);
    const index = new KeptMapsIndex(inp.keptMapsFile, 64);
    const n = inp.images.length;
    const base = { ds: inp.ds, images: inp.images, index, thresholds: inp.thresholds, shape: inp.results.shape, tables, semantics: 'original' as const };
    const sources = [inp.images, shuffledSources(inp.ds, inp.images, 5, 0)];
    const whole = await countShuffles({ ...base, sources, from: 0, to: n });
    const [identity] = shuffleScores(whole, tables, 32);
    assert.deepEqual(Array.from(identity!), inp.results.units.map((u) => u.score));
    const a = await countShuffles({ ...base, sources, from: 0, to: 13 });
    addCounts(a, await countShuffles({ ...base, sources, from: 13, to: n }));
    assert.deepEqual(a, whole);
    index.close();
  });

  it('shuffles labels deterministically by seed: same seed, same baseline; another seed, other shuffles', async () => {
    const inp = await openRunLayer(run, 'conv2');
    const p1 = shuffledSources(inp.ds, inp.images, 1, 0);
    assert.deepEqual([...p1].sort((x, y) => x - y), [...inp.images], 'a permutation of the counted images');
    assert.notDeepEqual([...p1], [...inp.images]);
    assert.notDeepEqual([...shuffledSources(inp.ds, inp.images, 2, 0)], [...p1]);
    assert.notDeepEqual([...shuffledSources(inp.ds, inp.images, 1, 1)], [...p1]);
    const a = await baselineLayer(run, { layer: 'conv2', shuffles: 3, seed: 1, workers: 1 });
    const csvA = readFileSync(path.join(run, 'conv2', 'baseline.csv'), 'utf8');
    const b = await baselineLayer(run, { layer: 'conv2', shuffles: 3, seed: 1, workers: 2, minImagesPerWorker: 10 });
    assert.equal(readFileSync(path.join(run, 'conv2', 'baseline.csv'), 'utf8'), csvA);
    const c = await baselineLayer(run, { layer: 'conv2', shuffles: 3, seed: 2, workers: 2, minImagesPerWorker: 10 });
    assert.notDeepEqual(c.units.map((u) => Array.from(u.shuffled)), a.units.map((u) => Array.from(u.shuffled)));
    assert.equal(b.detectorsAboveChance, a.detectorsAboveChance);
    for (const u of a.units) {
      assert.equal(u.aboveChance, u.shuffled.every((v) => u.score > v));
      assert.equal(u.chance, Math.max(0, ...u.shuffled));
    }
    const r = JSON.parse(readFileSync(path.join(run, 'conv2', 'results.json'), 'utf8')) as { baseline: { shuffles: number; detectorsAboveChance: number }; units: { baseline: { chance: number } }[] };
    assert.equal(r.baseline.shuffles, 3);
    assert.equal(r.units[0]!.baseline.chance, c.units[0]!.chance);
  });
});
