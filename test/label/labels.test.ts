import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { iou, labelUnit, layerStats, topLabels, type CountsView } from '../../src/label/labels.js';

// Categories: 0 color, 1 object, 2 texture. Labels 1,2 color; 3,4 object; 5,6 texture.
function view(inter: number[], act: number[], truth: number[]): CountsView {
  return {
    labelCount: 7, categoryCount: 3, primary: Int32Array.from([-1, 0, 0, 1, 1, 2, 2]),
    truth: Float64Array.from(truth), intersection: Float64Array.from(inter), activation: Float64Array.from(act),
  };
}

describe('iou', () => {
  it('is I / (A + G − I + 1e-10)', () => {
    assert.equal(iou(10, 40, 30), 10 / (40 + 30 - 10 + 1e-10));
    assert.equal(iou(0, 0, 0), 0);
  });
  it('adds 1e-10 to the union, in float64', () => {
    // Hand-computed: the union 60 plus 1e-10 is the double 60.0000000001 (not 60 + 1e-9).
    assert.equal(iou(10, 40, 30), 10 / 60.0000000001);
    assert.notEqual(iou(10, 40, 30), 10 / 60.000000001);
    assert.equal(iou(1, 1, 1), 0.9999999999, "a mask equal to the truth scores just under 1");
  });
});

describe('labelUnit', () => {
  it('picks the highest IoU per category, ties to the lowest label number', () => {
    // Labels 5 and 6 (texture) have equal counts: equal IoU to the last bit → label 5.
    const v = view([0, 10, 20, 5, 0, 8, 8], [100, 100, 50], [0, 50, 50, 40, 10, 20, 20]);
    const r = labelUnit(v, 0);
    assert.equal(r.perCategory[0]!.label, 2); // 20/(100+50-20) > 10/(100+50-10)
    assert.equal(r.perCategory[1]!.label, 3);
    assert.equal(r.perCategory[2]!.label, 5);
    assert.equal(r.perCategory[2]!.iou, 8 / (50 + 20 - 8 + 1e-10));
  });

  it('ties between categories go to the later category', () => {
    // color label 1 and object label 3 with identical counts and activations.
    const v = view([0, 10, 0, 10, 0, 0, 0], [40, 40, 40], [0, 20, 0, 20, 0, 0, 0]);
    const r = labelUnit(v, 0);
    assert.equal(r.perCategory[0]!.iou, r.perCategory[1]!.iou);
    assert.equal(r.bestCategory, 1);
  });

  it('a category without IoU > 0 has label 0 with the last category\'s activation', () => {
    const v = view([0, 0, 0, 0, 0, 0, 0], [7, 8, 9], [0, 1, 1, 1, 1, 1, 1]);
    const r = labelUnit(v, 0);
    for (const b of r.perCategory) assert.deepEqual(b, { label: 0, iou: 0, intersection: 0, activation: 9, truth: 0 });
    assert.equal(r.bestCategory, 2, 'all scores 0: the last category wins');
    assert.equal(r.score, 0);
  });
});

describe('topLabels', () => {
  it('orders by IoU, highest first, equal IoU by ascending label number', () => {
    // Texture labels 5 and 6 have identical counts; colour label 2 beats label 1.
    const v = view([0, 10, 20, 5, 0, 8, 8], [100, 100, 50], [0, 50, 50, 40, 10, 20, 20]);
    assert.deepEqual(topLabels(v, 0, 2, 5).map((t) => t.label), [5, 6]);
    assert.deepEqual(topLabels(v, 0, 0, 5).map((t) => t.label), [2, 1]);
    assert.deepEqual(topLabels(v, 0, 0, 1), [{ label: 2, iou: 20 / (100 + 50 - 20 + 1e-10) }]);
    assert.deepEqual(topLabels(v, 0, 1, 5).map((t) => t.label), [3], 'label 4 has no intersection');
  });
});

describe('layerStats', () => {
  it('a unit whose IoU equals the threshold is not a detector (strict >)', () => {
    const atThreshold = { bestCategory: 0, score: 0.04, perCategory: [{ label: 1, iou: 0.04, intersection: 0, activation: 0, truth: 0 }] };
    const above = { bestCategory: 0, score: 0.0400001, perCategory: [{ label: 2, iou: 0.0400001, intersection: 0, activation: 0, truth: 0 }] };
    const s = layerStats([atThreshold, above], ['color'], 0.04, 0, 0);
    assert.equal(s.detectors, 1);
    assert.equal(s.uniqueConcepts, 1);
    assert.deepEqual(s.perCategory.map((c) => [c.detectors, c.uniqueConcepts, c.categoryDetectors, c.uniqueDetectors]), [[1, 1, 1, 1]]);
  });

  it('counts detectors by best label and the paper\'s per-category unique detectors', () => {
    const unit = (best: number, ious: [number, number][]) => ({
      bestCategory: best, score: ious[best]![1],
      perCategory: ious.map(([label, v]) => ({ label, iou: v, intersection: 0, activation: 0, truth: 0 })),
    });
    const units = [
      unit(1, [[1, 0.05], [3, 0.10], [5, 0.01]]), // object detector (car); also a colour detector by category
      unit(1, [[1, 0.06], [3, 0.09], [0, 0]]), // object (same label 3); colour again label 1
      unit(0, [[2, 0.08], [4, 0.03], [6, 0.05]]), // colour detector (label 2); texture by category
      unit(2, [[0, 0], [0, 0], [5, 0.02]]), // not a detector
    ];
    const s = layerStats(units, ['color', 'object', 'texture'], 0.04, 1, 0);
    assert.equal(s.detectors, 3);
    assert.equal(s.uniqueConcepts, 2); // labels 3 and 2
    assert.deepEqual(s.perCategory.map((c) => [c.detectors, c.uniqueConcepts, c.categoryDetectors, c.uniqueDetectors]), [
      [1, 1, 3, 2], // colour: unit 3 by best; units 1,2,3 by category with labels {1, 2}
      [2, 1, 2, 1], // object: units 1,2 with label 3
      [0, 0, 1, 1], // texture: unit 3's label 6 by category
    ]);
    assert.equal(s.uniqueDetectors, 4);
    assert.equal(s.saturatedUnits, 1);
  });
});
