import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LayerCounts, prepareLabels, type LabelTables } from '../../src/tally/counter.js';

// Categories: 0 color, 1 object, 2 scene. Labels: 1 red (color), 2 car (object),
// 3 wheel (object), 4 street (scene, image-level).
const tables: LabelTables = { labelCount: 5, categoryCount: 3, primary: Int32Array.from([-1, 0, 1, 1, 2]) };

/** A 1×1 map upsampled to 2×2 is constant, so its mask is all 4 pixels or none. */
function counts(semantics: 'original' | 'lite'): LayerCounts {
  return new LayerCounts(2, 1, 1, tables, semantics, 4);
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
    assert.equal(p.channels.length, 2);
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

// The two activation rules (DESIGN.md 5.3) on masks that cover part of an image. A 2×2 map
// upsampled to a 2×2 label grid is copied pixel for pixel (one tap of weight 1 per output), so a
// map value above the threshold marks exactly that pixel. Pixels: 0 1 / 2 3.
describe('activation: original vs lite', () => {
  /** Unit 0's activation per category after adding `map` (2×2, threshold 1) on `byCategory`. */
  function activation(
    semantics: 'original' | 'lite', map: number[],
    ...images: [string, { maps: Uint16Array[]; imageLabels: number[] }][][]
  ): number[] {
    const c = new LayerCounts(1, 2, 2, tables, semantics, 4);
    for (const byCategory of images) {
      const labels = prepareLabels(new Map(byCategory), 2, 2, tables, new Float64Array(5));
      c.add(0, Float32Array.from(map), 0, 1, labels);
    }
    return [...c.activation];
  }
  // Red (colour) on pixel 0, a car (object) on pixel 3; pixels 1 and 2 unlabelled.
  const redCar: [string, { maps: Uint16Array[]; imageLabels: number[] }][] = [
    ['color', { maps: [Uint16Array.from([1, 0, 0, 0])], imageLabels: [] }],
    ['object', { maps: [Uint16Array.from([0, 0, 0, 2])], imageLabels: [] }],
  ];

  it('a mask on unlabelled pixels only: original counts |M| for every annotated category, lite for none', () => {
    const mask12 = [0, 5, 5, 0]; // |M| = 2
    assert.deepEqual(activation('original', mask12, redCar), [2, 2, 0]);
    assert.deepEqual(activation('lite', mask12, redCar), [0, 0, 0]);
  });

  it('a category annotated elsewhere in the image counts under original only', () => {
    const mask01 = [5, 5, 0, 0]; // touches red (pixel 0), not the car (pixel 3)
    assert.deepEqual(activation('original', mask01, redCar), [2, 2, 0]);
    assert.deepEqual(activation('lite', mask01, redCar), [2, 0, 0]);
    const mask3 = [0, 0, 0, 5]; // touches the car only
    assert.deepEqual(activation('original', mask3, redCar), [1, 1, 0]);
    assert.deepEqual(activation('lite', mask3, redCar), [0, 1, 0]);
  });

  it('an image-level label counts its category under both rules, wherever the mask is', () => {
    const street: [string, { maps: Uint16Array[]; imageLabels: number[] }][] = [...redCar, ['scene', { maps: [], imageLabels: [4] }]];
    const mask12 = [0, 5, 5, 0];
    assert.deepEqual(activation('original', mask12, street), [2, 2, 2]);
    assert.deepEqual(activation('lite', mask12, street), [0, 0, 2]);
    // Image-level alone (no pixel labels at all).
    const onlyScene: [string, { maps: Uint16Array[]; imageLabels: number[] }][] = [['scene', { maps: [], imageLabels: [4] }]];
    assert.deepEqual(activation('lite', [5, 0, 0, 0], onlyScene), [0, 0, 1]);
    assert.deepEqual(activation('original', [5, 0, 0, 0], onlyScene), [0, 0, 1]);
  });

  it('a label counts for its primary category, whatever column it came from', () => {
    // Red (primary: colour) in the object column: it annotates colour, not object.
    const redInObject: [string, { maps: Uint16Array[]; imageLabels: number[] }][] = [
      ['object', { maps: [Uint16Array.from([1, 0, 0, 0])], imageLabels: [] }],
    ];
    assert.deepEqual(activation('original', [0, 5, 0, 0], redInObject), [1, 0, 0]);
    assert.deepEqual(activation('lite', [5, 5, 0, 0], redInObject), [2, 0, 0]);
  });

  it('sums over images: per image, |M| for each category that rule admits', () => {
    const mask01 = [5, 5, 0, 0];
    const carOnly: [string, { maps: Uint16Array[]; imageLabels: number[] }][] = [
      ['object', { maps: [Uint16Array.from([0, 0, 2, 3])], imageLabels: [] }],
    ];
    // Image 1: red under the mask, car elsewhere. Image 2: car and wheel, none under the mask.
    assert.deepEqual(activation('original', mask01, redCar, carOnly), [2, 4, 0]);
    assert.deepEqual(activation('lite', mask01, redCar, carOnly), [2, 0, 0]);
  });

  it('intersections are the same under both rules and count only masked pixels', () => {
    for (const semantics of ['original', 'lite'] as const) {
      const c = new LayerCounts(1, 2, 2, tables, semantics, 4);
      const labels = prepareLabels(new Map([
        ...redCar,
        ['scene', { maps: [], imageLabels: [4] }],
      ]), 2, 2, tables, new Float64Array(5));
      c.add(0, Float32Array.from([5, 1, 0, 5]), 0, 1, labels); // pixels 0 and 3; pixel 1 equals the threshold
      assert.deepEqual([...c.intersection], [0, 1, 1, 0, 2], semantics);
    }
  });
});
