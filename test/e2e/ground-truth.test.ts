// Ground truth: a model built in the test whose units detect known colours, on a dataset whose
// labels are known exactly. Each unit must be named after the concept it was built to detect.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { dissect, type DissectSettings } from '../../src/run/dissect.js';
import type { LayerResults } from '../../src/run/results-types.js';
import { writeBroden } from '../helpers/broden-fixture.js';
import { colourImages, colourModel, LABELS } from '../helpers/colour-fixture.js';

describe('ground truth: colour-detecting units get their colour', () => {
  let tmp = '';
  let modelFile = '';
  let dataset = '';
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-truth-'));
    dataset = path.join(tmp, 'broden');
    writeBroden(dataset, { categories: ['color', 'object'], labels: LABELS, images: colourImages(), ih: 32, iw: 32, sh: 16, sw: 16 });
    modelFile = path.join(tmp, 'colours.onnx');
    writeFileSync(modelFile, colourModel());
  });
  after(() => { if (!process.env["KEEP"]) rmSync(tmp, { recursive: true, force: true }); });

  const settings = (out: string, semantics: 'original' | 'lite'): DissectSettings => ({
    model: modelFile, layers: ['units', 'relu_units'], out, semantics,
    preprocess: { mean: [0, 0, 0], std: [255, 255, 255] }, quantile: 0.05, iouThreshold: 0.04,
    batch: 7, limit: null, topK: 3, memoryBudget: 1024 ** 3, skipBadImages: false, threads: 1, restart: true, command: [],
  });

  for (const semantics of ['original', 'lite'] as const) {
    it(`names each colour unit after its colour and object (${semantics})`, async () => {
      const out = path.join(tmp, semantics);
      await dissect(await openBroden(dataset), settings(out, semantics));
      for (const layer of ['units', 'relu_units']) {
        const r = JSON.parse(readFileSync(path.join(out, layer, 'results.json'), 'utf8')) as LayerResults;
        const want = [['red-c', 'apple'], ['green-c', 'leaf'], ['blue-c', 'sea']];
        for (let u = 0; u < 3; u++) {
          const unit = r.units[u]!;
          assert.equal(unit.categories['color']![0]!.name, want[u]![0], `${layer} unit ${u + 1} colour`);
          assert.equal(unit.categories['object']![0]!.name, want[u]![1], `${layer} unit ${u + 1} object`);
          assert.ok(unit.score > 0.2, `${layer} unit ${u + 1} is a detector (IoU ${unit.score})`);
          // Colour and object masks are identical; under 'original' both categories are
          // annotated in every image, so the IoUs tie exactly and the later category wins.
          if (semantics === 'original') {
            assert.equal(unit.categories['color']![0]!.iou, unit.categories['object']![0]!.iou);
          }
          assert.equal(unit.category, 'object');
          assert.equal(unit.name, want[u]![1]);
        }
        const dead = r.units[3]!;
        assert.equal(dead.threshold, 0);
        assert.equal(dead.score, 0);
        assert.equal(dead.name, '');
        assert.equal(dead.category, 'object', 'no concept: the last category wins the tie');
        assert.equal(r.stats.detectors, 3);
        assert.equal(r.stats.uniqueConcepts, 3);
        assert.equal(r.stats.uniqueDetectors, 6, 'three colours and three objects by the per-category rule');
        const tally = readFileSync(path.join(out, layer, 'tally.csv'), 'utf8').split('\r\n');
        assert.equal(tally[0], 'unit,category,label,score,color-label,color-truth,color-activation,color-intersect,color-iou,object-label,object-truth,object-activation,object-intersect,object-iou');
        assert.match(tally[4]!, /^4,object,,0\.0,,0\.0,0\.0,0\.0,0\.0,,0\.0,0\.0,0\.0,0\.0$/);
      }
    });
  }
});
