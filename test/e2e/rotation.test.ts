// dissect --rotate: α = 0 leaves every output identical to an unrotated run; α = 1 mixes the
// activations before the thresholds, exactly; the rotation is recorded in the run's settings.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { dissect, type DissectSettings } from '../../src/run/dissect.js';
import type { LayerResults } from '../../src/run/results-types.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { fractionalRotation, haarOrthogonal, rotateFeatures } from '../../src/model/rotation.js';
import { InferenceWorker } from '../../src/model/inference.js';
import { withExtraOutputs } from '../../src/model/onnx-proto.js';
import { writeInput } from '../../src/model/preprocess.js';
import { writeBroden } from '../helpers/broden-fixture.js';
import { colourImages, colourModel, LABELS } from '../helpers/colour-fixture.js';

describe('dissect with a rotated basis', () => {
  let tmp = '';
  let model = '';
  let dataset = '';
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-rotate-'));
    dataset = path.join(tmp, 'broden');
    writeBroden(dataset, { categories: ['color', 'object'], labels: LABELS, images: colourImages(), ih: 32, iw: 32, sh: 16, sw: 16 });
    model = path.join(tmp, 'colours.onnx');
    writeFileSync(model, colourModel());
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const run = async (name: string, rotation?: { seed: number; alpha: number }): Promise<string> => {
    const out = path.join(tmp, name);
    const s: DissectSettings = {
      model, layers: ['units'], out, semantics: 'original', preprocess: { mean: [0, 0, 0], std: [255, 255, 255] },
      quantile: 0.05, iouThreshold: 0.04, batch: 8, limit: null, topK: 3, memoryBudget: 1024 ** 3, skipBadImages: false,
      threads: 1, restart: true, command: [], ...(rotation ? { rotation } : {}),
    };
    await dissect(await openBroden(dataset), s);
    return out;
  };
  const read = (out: string, f: string): string => readFileSync(path.join(out, 'units', f), 'utf8');

  it('α = 0 is the identity: outputs equal an unrotated run', async () => {
    const plain = await run('plain');
    const zero = await run('zero', { seed: 5, alpha: 0 });
    for (const f of ['tally.csv', 'thresholds.csv', 'intersection.csv', 'activation.csv']) assert.equal(read(zero, f), read(plain, f), f);
    const settings = (JSON.parse(read(zero, 'results.json')) as LayerResults).settings;
    assert.deepEqual(settings.rotation, { seed: 5, alpha: 0 });
    const manifest = JSON.parse(readFileSync(path.join(zero, 'run.json'), 'utf8')) as RunManifest;
    assert.deepEqual(manifest.settings.rotation, { seed: 5, alpha: 0 });
  });

  it('α = 1: thresholds are the quantiles of the rotated activations R·x', async () => {
    const alpha = 1;
    const out = await run('full', { seed: 9, alpha });
    // Reference: all 40 images through the model at once, rotated, thresholds by full sort.
    const ds = await openBroden(dataset);
    const worker = await InferenceWorker.start(withExtraOutputs(new Uint8Array(readFileSync(model)), ['units']), model, 'image', ['units'], 1);
    let features: Float32Array;
    try {
      const input = new Float32Array(40 * 3 * 32 * 32);
      for (let i = 0; i < 40; i++) writeInput(await ds.readImage(i), { mean: [0, 0, 0], std: [255, 255, 255] }, 'NCHW', input, i);
      features = (await worker.run(input, [40, 3, 32, 32]))['units']!.data;
    } finally {
      await worker.close();
    }
    const r = fractionalRotation(haarOrthogonal(4, 9), 4, alpha);
    // dissect mixes the units inside ONNX Runtime (float32 weights, float32 sums): compare
    // with the float64 reference to float32 rounding.
    const rotated = rotateFeatures(features, 40, 4, 8, 8, r);
    const got = read(out, 'thresholds.csv').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    for (let u = 0; u < 4; u++) {
      const values: number[] = [];
      for (let i = 0; i < 40; i++) for (let p = 0; p < 64; p++) values.push(rotated[(i * 4 + u) * 64 + p]!);
      values.sort((x, y) => x - y);
      const pos = (values.length - 1) * (1 - 0.05);
      const f = Math.floor(pos);
      const want = values[f]! + (pos - f) * (values[f + 1]! - values[f]!);
      assert.ok(Math.abs(got[u]! - want) <= 1e-5 * Math.max(1, Math.abs(want)), `unit ${u + 1}: ${got[u]} vs ${want}`);
    }
    const plain = read(await run('plain1'), 'thresholds.csv');
    assert.notEqual(read(out, 'thresholds.csv'), plain, 'the rotation changed the activations');
  });
});
