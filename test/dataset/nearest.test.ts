import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resizeNearest, nearestIndex, nearestIndices } from '../../src/dataset/nearest.js';

describe('nearestIndex', () => {
  // floor((o + 0.5) * in / out), worked by hand.
  const cases: [number, number, number, number][] = [
    // [o, in, out, expected]
    [0, 4, 2, 1], // 0.5*2 = 1
    [1, 4, 2, 3], // 1.5*2 = 3
    [0, 360, 112, 1], // 0.5*360/112 = 1.607
    [111, 360, 112, 358], // 111.5*360/112 = 358.39
    [0, 2, 4, 0], // 0.5*0.5 = 0.25
    [1, 2, 4, 0], // 1.5*0.5 = 0.75
    [2, 2, 4, 1], // 2.5*0.5 = 1.25
    [3, 2, 4, 1], // 3.5*0.5 = 1.75
    [1, 3, 2, 2], // 1.5*1.5 = 2.25
    [0, 3, 2, 0], // 0.5*1.5 = 0.75
  ];
  for (const [o, inSize, outSize, expected] of cases) {
    it(`o=${o} in=${inSize} out=${outSize} -> ${expected}`, () => {
      assert.equal(nearestIndex(o, inSize, outSize), expected);
    });
  }
  it('is exact where the float formula sits on an integer: 3 of 10 -> 6 of 20', () => {
    // (2.5 + 0.5)... o=5: (5.5)*10/20 = 2.75 -> 2; o=9: 9.5*0.5 = 4.75 -> 4
    assert.deepEqual([...nearestIndices(10, 20)], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
  });
});

describe('resizeNearest', () => {
  it('downsamples 4x4 to 2x2 taking rows/cols 1 and 3', () => {
    const src = Uint16Array.from({ length: 16 }, (_, i) => i);
    assert.deepEqual([...resizeNearest(src, 4, 4, 2, 2)], [5, 7, 13, 15]);
  });
  it('upsamples 2x2 to 4x4 by repeating', () => {
    const src = new Uint16Array([1, 2, 3, 4]);
    assert.deepEqual([...resizeNearest(src, 2, 2, 4, 4)], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
  it('resizes non-square 3x2 to 2x3', () => {
    const src = new Uint16Array([10, 11, 20, 21, 30, 31]); // rows of 2
    // rows: o=0 -> floor(0.75)=0, o=1 -> floor(2.25)=2; cols: in 2 out 3: 0,1,1 (0.333, 1.0, 1.666)
    assert.deepEqual([...resizeNearest(src, 3, 2, 2, 3)], [10, 11, 11, 30, 31, 31]);
  });
  it('copies when sizes match, into a given buffer', () => {
    const src = new Uint16Array([9, 8, 7, 6]);
    const out = new Uint16Array(4);
    assert.equal(resizeNearest(src, 2, 2, 2, 2, out), out);
    assert.deepEqual([...out], [9, 8, 7, 6]);
  });
});
