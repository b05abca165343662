import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LayerCounts, prepareLabels, type LabelTables, type PreparedLabels } from '../../src/tally/counter.js';

// Categories: 0 color, 1 object, 2 scene. Labels: 1 red (color), 2 car (object),
// 3 wheel (object), 4 street (scene, image-level).
const tables: LabelTables = { labelCount: 5, categoryCount: 3, primary: Int32Array.from([-1, 0, 1, 1, 2]) };

/** A 1×1 map upsampled to 2×2 is constant, so its mask is all 4 pixels or none. */
function counts(semantics: 'original' | 'lite'): LayerCounts {
  return new LayerCounts(2, 1, 1, tables, semantics, 4);
}

/** The labels of the combination at one pixel, sorted. */
function labelsAt(p: PreparedLabels, pixel: number): number[] {
  const c = p.comboOf[pixel]!;
  return [...p.comboLabels.subarray(p.comboStart[c]!, p.comboStart[c + 1]!)].sort((a, b) => a - b);
}

describe('prepareLabels', () => {
  it('adds truth per labelled pixel and channel, and sh·sw per image-level label', () => {
    const truth = new Float64Array(5);
    const p = prepareLabels(new Map([
      ['object', { maps: [Uint16Array.from([2, 2, 0, 3]), Uint16Array.from([3, 0, 0, 3])], imageLabels: [] }],
      ['scene', { maps: [], imageLabels: [4] }],
    ]), 2, 2, tables, truth);
    assert.deepEqual([...truth], [0, 0, 2, 3, 4]);
    assert.deepEqual(p.annotated, [1, 2]);
    // Pixel 0 has car and wheel, pixel 1 car, pixel 2 nothing, pixel 3 wheel in both channels.
    assert.deepEqual([0, 1, 2, 3].map((px) => labelsAt(p, px)), [[2, 3], [2], [], [3, 3]]);
    assert.equal(p.comboOf[2], 0, 'unlabelled pixels have combination 0');
  });
});

describe('LayerCounts.add', () => {
  const truth = new Float64Array(5);
  // Image: colour channel has red on the top row only; object channel car on pixel 0 and wheel
  // on pixel 3; the scene is street (image-level).
  const labels = prepareLabels(new Map([
    ['color', { maps: [Uint16Array.from([1, 1, 0, 0])], imageLabels: [] }],
    ['object', { maps: [Uint16Array.from([2, 0, 0, 3])], imageLabels: [] }],
    ['scene', { maps: [], imageLabels: [4] }],
  ]), 2, 2, tables, truth);

  it('counts intersections per active pixel and channel, image-level labels with |M|', () => {
    const c = counts('original');
    c.add(1, Float32Array.from([5]), 0, 1, labels); // whole mask: 4 pixels
    assert.deepEqual([...c.intersection.subarray(5, 10)], [0, 2, 1, 1, 4]);
    assert.deepEqual([...c.intersection.subarray(0, 5)], [0, 0, 0, 0, 0], 'unit 0 untouched');
  });

  it("adds |M| to every category annotated in the image ('original')", () => {
    const c = counts('original');
    c.add(0, Float32Array.from([5]), 0, 1, labels);
    assert.deepEqual([...c.activation.subarray(0, 3)], [4, 4, 4]);
  });

  it('a map equal to the threshold has an empty mask (strict >)', () => {
    const c = counts('original');
    c.add(0, Float32Array.from([1]), 0, 1, labels);
    assert.deepEqual([...c.activation], [0, 0, 0, 0, 0, 0]);
  });

  it("adds |M| only to categories the mask touches, or image-level ones ('lite')", () => {
    const c = counts('lite');
    // Mask on pixels with labels: touches red (color) and car/wheel (object); scene is image-level.
    c.add(0, Float32Array.from([5]), 0, 1, labels);
    assert.deepEqual([...c.activation.subarray(0, 3)], [4, 4, 4]);
    // An image where the mask touches no object pixel: object is not counted under 'lite'
    // but is under 'original'.
    const t2 = new Float64Array(5);
    const noObjectUnderMask = prepareLabels(new Map([
      ['color', { maps: [Uint16Array.from([1, 1, 1, 1])], imageLabels: [] }],
      ['object', { maps: [Uint16Array.from([0, 0, 0, 0])], imageLabels: [] }],
    ]), 2, 2, tables, t2);
    const lite = counts('lite');
    lite.add(0, Float32Array.from([5]), 0, 1, noObjectUnderMask);
    assert.deepEqual([...lite.activation.subarray(0, 3)], [4, 0, 0]);
    const original = counts('original');
    original.add(0, Float32Array.from([5]), 0, 1, noObjectUnderMask);
    assert.deepEqual([...original.activation.subarray(0, 3)], [4, 0, 0], 'object is not annotated anywhere in this image');
  });
});
