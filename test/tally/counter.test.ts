import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LayerCounts, prepareLabels, type LabelTables, type PreparedLabels } from '../../src/tally/counter.js';
import { upsampleBilinear, upsamplePlan } from '../../src/tally/upsample.js';
import { Random } from '../../src/util/random.js';

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

describe('LayerCounts against per-channel counting', () => {
  it('gives the counts of counting every channel at every mask pixel (both semantics)', () => {
    // Labels 1..6; primary categories 0, 0, 1, 1, 2, 2 (category 2 image-level in some images).
    const t: LabelTables = { labelCount: 7, categoryCount: 3, primary: Int32Array.from([-1, 0, 0, 1, 1, 2, 2]) };
    const rnd = new Random(5);
    const sh = 12, sw = 10, size = sh * sw;
    for (const semantics of ['original', 'lite'] as const) {
      const c = new LayerCounts(3, 3, 4, t, semantics, size);
      const truth = new Float64Array(7);
      const inter = new Float64Array(3 * 7), act = new Float64Array(3 * 3), truthRef = new Float64Array(7);
      for (let image = 0; image < 30; image++) {
        // Blocky channels (regions), two of them in category 1 (several channels per category).
        const ch = (labels: number[]): Uint16Array => Uint16Array.from({ length: size }, (_, p) => {
          const region = (Math.floor(p / sw / 4) * 3 + Math.floor((p % sw) / 4) + image) % (labels.length + 1);
          return region === 0 ? 0 : labels[region - 1]!;
        });
        const byCategory = new Map<string, { maps: Uint16Array[]; imageLabels: number[] }>([
          ['a', { maps: [ch([1, 2])], imageLabels: [] }],
          ['b', { maps: [ch([3, 4, 3]), ch(image % 2 ? [4] : [])], imageLabels: [] }],
        ]);
        if (image % 3 === 0) byCategory.set('c', { maps: [], imageLabels: [5 + (image % 2)] });
        const prepared = prepareLabels(byCategory, sh, sw, t, truth);
        const channels = [...byCategory.values()].flatMap((a) => a.maps);
        const imageLabels = [...byCategory.values()].flatMap((a) => a.imageLabels);
        for (const m of channels) for (const l of m) if (l) truthRef[l]!++;
        for (const l of imageLabels) truthRef[l]! += size;
        const annotated = new Set<number>();
        for (const m of channels) for (const l of m) if (l) annotated.add(t.primary[l]!);
        for (const l of imageLabels) annotated.add(t.primary[l]!);
        for (let u = 0; u < 3; u++) {
          const map = Float32Array.from({ length: 12 }, () => rnd.next());
          const thr = Math.fround(0.6 + 0.1 * u);
          c.add(u, map, 0, thr, prepared);
          const up = new Float32Array(size);
          upsampleBilinear(upsamplePlan(3, 4, sh, sw), map, 0, up, new Float32Array(3 * sw));
          const touched = new Set<number>();
          let n = 0;
          for (let p = 0; p < size; p++) {
            if (!((up[p] as number) > thr)) continue;
            n++;
            for (const m of channels) if (m[p]) { inter[u * 7 + m[p]!]!++; touched.add(t.primary[m[p]!]!); }
          }
          if (n === 0) continue;
          for (const l of imageLabels) { inter[u * 7 + l]! += n; touched.add(t.primary[l]!); }
          for (const k of semantics === 'lite' ? touched : annotated) act[u * 3 + k]! += n;
        }
      }
      assert.deepEqual([...truth], [...truthRef], `${semantics}: truth`);
      assert.deepEqual([...c.intersection], [...inter], `${semantics}: intersection`);
      assert.deepEqual([...c.activation], [...act], `${semantics}: activation`);
    }
  });
});
