// Parity with the golden numbers of ../shared/parity: a full dissection of the real MobileNetV2
// on a 120-image Broden-format set, both semantics. With graph optimisation `all` and at most
// two intra-op threads the features are bit-identical, so every number must match exactly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { parseCsv } from '../../src/dataset/csv.js';
import { InferenceWorker } from '../../src/model/inference.js';
import { loadModel } from '../../src/model/model.js';
import { withExtraOutputs } from '../../src/model/onnx-proto.js';
import { writeInput } from '../../src/model/preprocess.js';
import { dissect, type DissectSettings } from '../../src/run/dissect.js';
import { MOBILENET, PARITY, sharedMissing } from '../helpers/shared.js';

const missing = sharedMissing(path.join(PARITY, 'expected', 'manifest.json')) ?? sharedMissing(MOBILENET);
const EXPECTED = path.join(PARITY, 'expected');
const LAYERS = ['Conv_1', 'expanded_conv_12'] as const;
const PREPROCESS = { mean: [128, 128, 128], std: [128, 128, 128] } as const;

function rows(file: string): Record<string, string>[] {
  const t = parseCsv(readFileSync(file, 'utf8'), file);
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r.cells[i] ?? ''])));
}

function settings(out: string, semantics: 'original' | 'lite'): DissectSettings {
  return {
    model: MOBILENET, layers: LAYERS, out, semantics, preprocess: PREPROCESS, quantile: 0.005, iouThreshold: 0.04,
    batch: 16, limit: null, topK: 5, memoryBudget: 1024 ** 3, skipBadImages: false, threads: 1, restart: true, command: [],
    // 'lite' counts on two worker threads, 'original' on the main thread: both paths are checked.
    ...(semantics === 'lite' ? { datasetSpec: { dataset: path.join(PARITY, 'dataset'), format: 'broden' as const }, countWorkers: 2 } : { countWorkers: 1 }),
  };
}

describe('parity with ../shared/parity (MobileNetV2, 120 images)', { skip: missing ?? false }, () => {
  let tmp = '';
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nd-parity-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads every label and its truth count exactly (labels.csv)', async () => {
    const out = path.join(tmp, 'orig');
    const ds = await openBroden(path.join(PARITY, 'dataset'));
    await dissect(ds, settings(out, 'original'));
    const want = rows(path.join(EXPECTED, 'labels.csv'));
    const got = rows(path.join(out, 'labels.csv'));
    assert.equal(want.length, 85);
    assert.equal(got.length, want.length, 'labels.csv rows');
    assert.deepEqual(got.map((r) => [r['number'], r['name'], r['primary_category'], Number(r['truth'])]),
      want.map((r) => [r['number'], r['name'], r['primary_category'], Number(r['truth'])]));
  });

  it('reproduces the features of the first two images bit for bit', async () => {
    const model = await loadModel(MOBILENET);
    const ds = await openBroden(path.join(PARITY, 'dataset'));
    const worker = await InferenceWorker.start(withExtraOutputs(model.bytes, [...LAYERS]), MOBILENET, model.inputName, [...LAYERS], 1);
    try {
      const input = new Float32Array(2 * 3 * 224 * 224);
      for (let i = 0; i < 2; i++) writeInput(await ds.readImage(i), PREPROCESS, 'NCHW', input, i);
      const out = await worker.run(input, [2, 3, 224, 224]);
      for (const layer of LAYERS) {
        const b = readFileSync(path.join(EXPECTED, layer, 'features_first2.f32'));
        const want = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        const got = out[layer]!.data;
        assert.equal(got.length, want.length);
        let diff = 0;
        for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) diff++;
        assert.equal(diff, 0, `${layer}: ${diff} feature values differ`);
      }
    } finally {
      await worker.close();
    }
  });

  for (const semantics of ['original', 'lite'] as const) {
    it(`matches thresholds, counts and tally.csv exactly (${semantics})`, async () => {
      const out = path.join(tmp, semantics);
      const ds = await openBroden(path.join(PARITY, 'dataset'));
      await dissect(ds, settings(out, semantics));
      for (const layer of LAYERS) {
        const th = rows(path.join(out, layer, 'thresholds.csv'));
        const thWant = rows(path.join(EXPECTED, layer, 'thresholds.csv'));
        assert.ok(thWant.length > 0, `${layer}: the expected thresholds.csv has rows`);
        assert.equal(th.length, thWant.length, `${layer} thresholds.csv rows`);
        thWant.forEach((w, i) => assert.equal(Number(th[i]!['threshold']), Number(w['threshold']), `${layer} unit ${w['unit_1based']} threshold`));

        const inter = rows(path.join(out, layer, 'intersection.csv')).map((r) => `${Number(r['unit']) - 1},${r['label']},${r['intersection']}`);
        const interWant = rows(path.join(EXPECTED, layer, 'intersection.csv')).map((r) => `${r['unit_0based']},${r['label']},${r['intersection']}`);
        assert.ok(interWant.length > 0, `${layer}: the expected intersection.csv has rows`);
        assert.equal(inter.length, interWant.length, `${layer} intersection.csv rows`);
        assert.deepEqual(inter, interWant, `${layer} intersection counts`);

        const act = rows(path.join(out, layer, 'activation.csv'));
        const actWant = rows(path.join(EXPECTED, layer, `activation_${semantics}.csv`));
        assert.equal(act.length, actWant.length, `${layer} activation.csv rows`);
        assert.equal(act.length, th.length, `${layer}: one activation row per unit`);
        actWant.forEach((w, i) => {
          for (const c of ['color', 'object', 'part', 'material', 'scene', 'texture']) {
            assert.equal(Number(act[i]![c]), Number(w[c]), `${layer} unit ${w['unit_0based']} activation ${c}`);
          }
        });

        const tally = rows(path.join(out, layer, 'tally.csv'));
        const tallyWant = rows(path.join(EXPECTED, layer, `tally_${semantics}.csv`));
        assert.equal(tally.length, tallyWant.length, `${layer} tally.csv rows`);
        assert.equal(tally.length, th.length, `${layer}: one tally row per unit`);
        assert.deepEqual(tally.map((r) => r['unit']), tallyWant.map((r) => r['unit']), `${layer} tally row order`);
        tallyWant.forEach((w, i) => {
          const g = tally[i]!;
          assert.deepEqual(Object.keys(g), Object.keys(w), 'tally columns');
          for (const [k, v] of Object.entries(w)) {
            const same = /^-?[\d.]+(e[-+]?\d+)?$/.test(v) ? Number(g[k]) === Number(v) : g[k] === v;
            assert.ok(same, `${layer} unit ${w['unit']} ${k}: got ${g[k]}, want ${v}`);
          }
        });
      }
      const results = JSON.parse(readFileSync(path.join(out, 'Conv_1', 'results.json'), 'utf8')) as { stats: { saturatedUnits: number; zeroThresholdUnits: number }; saturationHint?: string };
      assert.equal(results.stats.zeroThresholdUnits, 2);
      assert.equal(results.stats.saturatedUnits, 920);
      assert.match(results.saturationHint ?? '', /Conv_1_preact/);
    });
  }
});
