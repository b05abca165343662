import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axisRuns, TileMasker, tilePlan } from '../../src/tally/mask-tiles.js';
import { axisTaps, upsampleBilinear, upsamplePlan } from '../../src/tally/upsample.js';
import { Random } from '../../src/util/random.js';

/** Histogram of comboOf over the pixels of the full upsampling that are > threshold. */
function reference(map: Float32Array, inH: number, inW: number, outH: number, outW: number, thr: number, comboOf: Int32Array, combos: number): { n: number; hist: number[] } {
  const out = new Float32Array(outH * outW);
  upsampleBilinear(upsamplePlan(inH, inW, outH, outW), map, 0, out, new Float32Array(inH * outW));
  const hist = new Array<number>(combos).fill(0);
  let n = 0;
  for (let p = 0; p < out.length; p++) if ((out[p] as number) > thr) { hist[comboOf[p] as number]!++; n++; }
  return { n, hist };
}

function run(masker: TileMasker, map: Float32Array, inH: number, inW: number, outH: number, outW: number, thr: number, comboOf: Int32Array, combos: number): { n: number; hist: number[]; touched: number[] } {
  const hist = new Int32Array(combos);
  const touched = new Int32Array(combos);
  const n = masker.count(tilePlan(inH, inW, outH, outW), map, 0, thr, comboOf, hist, touched);
  return { n, hist: [...hist], touched: [...touched.subarray(0, masker.touchedCount)].sort((a, b) => a - b) };
}

describe('axisRuns', () => {
  it('groups outputs reading the same taps (2 -> 4: edge, two shared, edge)', () => {
    // axisTaps(2, 4): start [0, 0, 0, 1], count [1, 2, 2, 1].
    const r = axisRuns(axisTaps(2, 4));
    assert.equal(r.count, 3);
    assert.deepEqual([...r.outStart], [0, 1, 3]);
    assert.deepEqual([...r.outEnd], [1, 3, 4]);
    assert.deepEqual([...r.runLo], [0, 1], 'input 0 is read by runs 0-1, input 1 by runs 1-2');
    assert.deepEqual([...r.runHi], [1, 2]);
  });
});

describe('TileMasker.count', () => {
  it('counts the hand-computed mask of a 2x2 map upsampled to 4x4 (strict >)', () => {
    // The full upsampling of [0, 4; 8, 12] is rows [0,1,3,4], [2,3,5,6], [6,7,9,10], [8,9,11,12]:
    // above 9 are pixels 11 (10), 14 (11) and 15 (12); the two 9s are not.
    const comboOf = Int32Array.from({ length: 16 }, (_, p) => p);
    const r = run(new TileMasker(), Float32Array.from([0, 4, 8, 12]), 2, 2, 4, 4, 9, comboOf, 16);
    assert.equal(r.n, 3);
    assert.deepEqual(r.touched, [11, 14, 15]);
    assert.deepEqual(r.hist.map((v, p) => (v ? p : -1)).filter((p) => p >= 0), [11, 14, 15]);
  });

  it('cuts a monotone row at its crossing; a value equal to T is outside (strict >)', () => {
    // [0, 8] upsampled 1x2 -> 1x16: outputs 0-3 read input 0 only (0), 12-15 input 1 only (8),
    // and x = 4..11 both, with value 8·((x + 0.5)/8 − 0.5) = x − 3.5 (exact): 0.5, 1.5, ..., 7.5.
    const comboOf = Int32Array.from({ length: 16 }, (_, p) => p);
    const up = run(new TileMasker(), Float32Array.from([0, 8]), 1, 2, 1, 16, 2.5, comboOf, 16);
    assert.equal(up.n, 9, 'x = 7..15; x = 6 is exactly 2.5');
    assert.deepEqual(up.touched, [7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const down = run(new TileMasker(), Float32Array.from([8, 0]), 1, 2, 1, 16, 2.5, comboOf, 16);
    assert.equal(down.n, 9, 'x = 0..8; x = 9 is exactly 2.5');
    assert.deepEqual(down.touched, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('counts a tile whose taps are all above the threshold without computing it', () => {
    const comboOf = new Int32Array(16).fill(1);
    const r = run(new TileMasker(), Float32Array.from([5, 6, 7, 8]), 2, 2, 4, 4, 4.5, comboOf, 2);
    assert.equal(r.n, 16);
    assert.deepEqual(r.hist, [0, 16]);
    assert.deepEqual(r.touched, [1]);
  });

  it('has an empty mask when no cell is above the threshold', () => {
    const r = run(new TileMasker(), Float32Array.from([1, 2, 3, 4]), 2, 2, 4, 4, 4, new Int32Array(16), 1);
    assert.equal(r.n, 0);
    assert.deepEqual(r.touched, []);
  });

  it('equals thresholding the full upsampling on random maps, sizes and thresholds', () => {
    const rnd = new Random(11);
    const masker = new TileMasker(); // reused across calls and sizes, as LayerCounts does
    const sizes: [number, number, number, number][] = [[7, 7, 112, 112], [14, 14, 112, 112], [3, 5, 7, 11], [5, 5, 5, 5], [9, 8, 4, 3], [1, 1, 6, 4], [28, 28, 113, 113]];
    for (const [inH, inW, outH, outW] of sizes) {
      const combos = 7;
      const comboOf = Int32Array.from({ length: outH * outW }, (_, p) => ((p * 7919) >> 3) % combos);
      for (let trial = 0; trial < 40; trial++) {
        const map = new Float32Array(inH * inW);
        const plateau = trial % 4 === 0; // many equal values: ties at the threshold, flat tiles
        for (let i = 0; i < map.length; i++) map[i] = plateau ? Math.floor(rnd.next() * 3) : (rnd.next() - 0.3) * (trial % 3 === 0 ? 1e-3 : 10);
        // Thresholds at map values (equality cases) and between them.
        const thr = trial % 2 === 0 ? map[Math.floor(rnd.next() * map.length)]! : Math.fround((rnd.next() - 0.3) * 10);
        const want = reference(map, inH, inW, outH, outW, thr, comboOf, combos);
        const got = run(masker, map, inH, inW, outH, outW, thr, comboOf, combos);
        assert.equal(got.n, want.n, `${inH}x${inW}->${outH}x${outW} trial ${trial}`);
        assert.deepEqual(got.hist, want.hist, `${inH}x${inW}->${outH}x${outW} trial ${trial}`);
        assert.deepEqual(got.touched, want.hist.map((v, k) => (v ? k : -1)).filter((k) => k >= 0));
      }
    }
  });
});
