import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateThreshold, selectKthLargest, topCount, TopQuantileState } from '../../src/quantile/top-quantile.js';
import { Random } from '../../src/util/random.js';

/** numpy.quantile(values, 1 - q) with the default linear method, by full sort. */
function referenceQuantile(values: Float32Array, q: number): number {
  const s = Float64Array.from(values).sort();
  const p = (s.length - 1) * (1 - q);
  const f = Math.floor(p);
  const lo = s[f] as number;
  const hi = s[Math.min(f + 1, s.length - 1)] as number;
  return lo + (p - f) * (hi - lo);
}

describe('topCount', () => {
  it('counts the largest values the quantile reads', () => {
    // n = 5880, q = 0.005: p = 5849.605, f = 5849, k = 31 (the parity fixture's Conv_1).
    assert.equal(topCount(5880, 0.005), 31);
    assert.equal(topCount(1, 0.005), 1);
    assert.equal(topCount(200, 0.5), 101); // p = 99.5, f = 99
  });
});

describe('interpolateThreshold', () => {
  it('interpolates linearly between the two order statistics', () => {
    // n = 5: p = 4·0.75 = 3, exact order statistic v_3 = 2nd largest.
    assert.equal(interpolateThreshold(5, 0.25, 7, 9), 7);
    // n = 4, q = 0.5: p = 1.5 -> halfway between v_1 (3rd largest) and v_2.
    assert.equal(interpolateThreshold(4, 0.5, 2, 3), 2.5);
  });
});

describe('selectKthLargest', () => {
  it('finds order statistics with ties', () => {
    const v = Float32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);
    const sorted = [...v].sort((a, b) => b - a);
    for (let k = 1; k <= v.length; k++) assert.equal(selectKthLargest(Float32Array.from(v), v.length, k), sorted[k - 1]);
  });
});

describe('TopQuantileState', () => {
  it('equals the full-sort quantile while dropping maps below the bound', () => {
    const rng = new Random(7);
    const units = 3;
    const maps = 400;
    const len = 49;
    const q = 0.005;
    const state = new TopQuantileState(units, maps * len, q);
    const all: number[][] = [[], [], []];
    let dropped = 0;
    for (let i = 0; i < maps; i++) {
      for (let u = 0; u < units; u++) {
        const m = new Float32Array(len);
        let max = -Infinity;
        for (let j = 0; j < len; j++) {
          // Unit 1 saturates at 6 (like ReLU6); unit 2 has heavy ties at 0.
          let v = Math.fround(rng.gaussian() * (u + 1));
          if (u === 1) v = Math.min(v, 2);
          if (u === 2) v = Math.max(v, 0);
          m[j] = v;
          all[u]!.push(v);
          if (v > max) max = v;
        }
        if (!state.offer(u, m, 0, len, max)) dropped++;
      }
    }
    const t = state.thresholds(maps * len);
    for (let u = 0; u < units; u++) assert.equal(t[u], referenceQuantile(Float32Array.from(all[u]!), q), `unit ${u}`);
    assert.ok(dropped > maps / 2, `the bound should drop most maps, dropped ${dropped}`);
    assert.equal(state.maxValue[1], 2);
  });
  it('keeps exactly the k largest values per unit, its bound the k-th largest so far, and stays exact', () => {
    const rng = new Random(11);
    const maps = 4000;
    const len = 49;
    const q = 0.005;
    const state = new TopQuantileState(1, maps * len, q);
    const k = topCount(maps * len, q);
    assert.equal(k, 981); // n − ⌊(n − 1)(1 − q)⌋ with n = 196,000
    const all = new Float32Array(maps * len);
    let largest = 0;
    for (let i = 0; i < maps; i++) {
      let max = -Infinity;
      for (let j = 0; j < len; j++) {
        // A slow upward drift keeps new values above the bound all run long.
        const v = Math.fround(rng.gaussian() + i / 1000);
        all[i * len + j] = v;
        if (v > max) max = v;
      }
      state.offer(0, all, i * len, len, max);
      largest = Math.max(largest, state.pooled(0).length);
      if (i === 99 || i === maps - 1) {
        // The bound is the k-th largest of everything seen so far, after every map.
        const seen = Float32Array.from(all.subarray(0, (i + 1) * len)).sort();
        assert.equal(state.lowerBound[0], seen[seen.length - k], `bound after ${i + 1} maps`);
      }
    }
    assert.equal(largest, k, 'the pool never holds more than k values');
    assert.equal(state.thresholds(maps * len)[0], referenceQuantile(all, q));
    assert.equal(state.thresholds(maps * len)[0], referenceQuantile(all, q), 'thresholds() leaves the state as it was');
  });
  it('resumes from a snapshot (checkpoint) to the same bound and thresholds; an oversized pool keeps its k largest', () => {
    const rng = new Random(5);
    const len = 9;
    const maps = 600;
    const all = new Float32Array(maps * len);
    for (let i = 0; i < all.length; i++) all[i] = Math.fround(rng.gaussian());
    const feed = (st: TopQuantileState, from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        let max = -Infinity;
        for (let j = 0; j < len; j++) max = Math.max(max, all[i * len + j] as number);
        st.offer(0, all, i * len, len, max);
      }
    };
    const whole = new TopQuantileState(1, maps * len, 0.02);
    feed(whole, 0, maps);
    const first = new TopQuantileState(1, maps * len, 0.02);
    feed(first, 0, 250);
    const resumed = new TopQuantileState(1, maps * len, 0.02);
    resumed.restore(first.snapshot());
    feed(resumed, 250, maps);
    assert.equal(resumed.lowerBound[0], whole.lowerBound[0]);
    assert.equal(resumed.thresholds(maps * len)[0], whole.thresholds(maps * len)[0]);
    assert.equal(whole.thresholds(maps * len)[0], referenceQuantile(all, 0.02));
    // A checkpoint holding every value (more than k, as an earlier version's slack allowed).
    const k = whole.plannedK;
    const oversized = new TopQuantileState(1, maps * len, 0.02);
    oversized.restore({ lowerBound: Float32Array.of(-Infinity), maxValue: Float32Array.of(Math.max(...all)), pools: [Float32Array.from(all)] });
    assert.equal(oversized.pooled(0).length, k);
    assert.equal(oversized.lowerBound[0], whole.lowerBound[0]);
    assert.equal(oversized.thresholds(maps * len)[0], whole.thresholds(maps * len)[0]);
  });
  it('is exact with fewer values than planned (skipped images)', () => {
    const rng = new Random(3);
    const state = new TopQuantileState(1, 1000, 0.01);
    const vals = new Float32Array(900);
    for (let i = 0; i < 900; i++) vals[i] = Math.fround(rng.next());
    for (let i = 0; i < 900; i += 10) {
      let max = -Infinity;
      for (let j = 0; j < 10; j++) max = Math.max(max, vals[i + j] as number);
      state.offer(0, vals, i, 10, max);
    }
    assert.equal(state.thresholds(900)[0], referenceQuantile(vals, 0.01));
  });
});
