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
import { Random } from '../../src/util/random.js';
import { writeBroden, type FixtureImage } from '../helpers/broden-fixture.js';
import { buildModel } from '../helpers/onnx-builder.js';

const COLORS = [[220, 30, 30], [30, 200, 40], [30, 40, 220]] as const; // red, green, blue squares
const LABELS = [
  { number: 1, name: 'red-c', coverage: { color: 1 } },
  { number: 2, name: 'green-c', coverage: { color: 1 } },
  { number: 3, name: 'blue-c', coverage: { color: 1 } },
  { number: 4, name: 'grey-c', coverage: { color: 1 } },
  { number: 300, name: 'apple', coverage: { object: 1 } }, // > 255: stored in the green channel
  { number: 301, name: 'leaf', coverage: { object: 1 } },
  { number: 302, name: 'sea', coverage: { object: 1 } },
];

/** 40 images of 32×32: grey, with a red, a green and a blue square in shuffled quadrants. */
function images(): FixtureImage[] {
  const rng = new Random(11);
  const out: FixtureImage[] = [];
  for (let n = 0; n < 40; n++) {
    const rgb = new Uint8Array(32 * 32 * 3).fill(128);
    const color = new Uint16Array(16 * 16).fill(4);
    const object = new Uint16Array(16 * 16);
    const quadrants = [0, 1, 2, 3].sort(() => rng.next() - 0.5);
    const squares = [0, 1, 2].map((c) => {
      const q = quadrants[c]!;
      const size = 2 * rng.int(4, 7); // 8..12 pixels, even so labels align at half resolution
      const y0 = (q >> 1) * 16 + 2 * rng.int(0, (16 - size) / 2 + 1);
      const x0 = (q & 1) * 16 + 2 * rng.int(0, (16 - size) / 2 + 1);
      return { c, size, y0, x0 };
    });
    for (const { c, size, y0, x0 } of squares) {
      for (let y = y0; y < y0 + size; y++) {
        for (let x = x0; x < x0 + size; x++) rgb.set(COLORS[c]!, (y * 32 + x) * 3);
      }
      for (let y = y0 / 2; y < (y0 + size) / 2; y++) {
        for (let x = x0 / 2; x < (x0 + size) / 2; x++) {
          color[y * 16 + x] = c + 1;
          object[y * 16 + x] = 300 + c;
        }
      }
    }
    // Pixel noise, so that activations are not all equal (equal maxima would saturate).
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, (rgb[i] as number) + rng.int(-25, 26)));
    out.push({ file: `synth/img${n}.png`, rgb, pixel: { color: [color], object: [object] } });
  }
  return out;
}

/** Conv 4×4 stride 4: unit c = mean(channel c) − mean(other two)/2; unit 4 is all zeros. */
function colourModel(): Uint8Array {
  const w = new Float32Array(4 * 3 * 4 * 4);
  for (let u = 0; u < 3; u++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = (ch === u ? 1 : -0.5) / 16;
      for (let i = 0; i < 16; i++) w[((u * 3 + ch) * 16) + i] = v;
    }
  }
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'W'], outputs: ['units'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } },
      { op: 'Relu', inputs: ['units'], outputs: ['relu_units'] },
    ],
    inputs: [{ name: 'image', dims: ['N', 3, 32, 32] }],
    outputs: [{ name: 'relu_units', dims: ['N', 4, 8, 8] }],
    initializers: [{ name: 'W', dims: [4, 3, 4, 4], values: w }],
  });
}

describe('ground truth: colour-detecting units get their colour', () => {
  let tmp = '';
  let modelFile = '';
  let dataset = '';
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-truth-'));
    dataset = path.join(tmp, 'broden');
    writeBroden(dataset, { categories: ['color', 'object'], labels: LABELS, images: images(), ih: 32, iw: 32, sh: 16, sw: 16 });
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
