// Merging shard partials gives the single-state result exactly: thresholds from pools of random
// splits in random orders equal the thresholds of one state over all values; top lists merge with
// the single-pass tie rule (lower image index first); shards cover the images once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeTop } from '../../src/stages/merge.js';
import { shardsAt, splitShards } from '../../src/stages/shards.js';
import { TopImages } from '../../src/quantile/top-images.js';
import { thresholdFromPool, TopQuantileState } from '../../src/quantile/top-quantile.js';
import { Random } from '../../src/util/random.js';

describe('splitShards', () => {
  it('covers [0, n) once with near-equal contiguous shards, never empty', () => {
    for (const [n, k] of [[10, 3], [7, 7], [5, 9], [1000, 64], [1, 1]] as const) {
      const shards = splitShards(n, k);
      assert.equal(shards.length, Math.min(n, k));
      let next = 0;
      for (const [i, s] of shards.entries()) {
        assert.equal(s.index, i);
        assert.equal(s.start, next);
        assert.ok(s.end > s.start);
        next = s.end;
      }
      assert.equal(next, n);
      const sizes = shards.map((s) => s.end - s.start);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
  });

  it('splits at explicit cuts', () => {
    assert.deepEqual(shardsAt(10, [3, 4]), [{ index: 0, start: 0, end: 3 }, { index: 1, start: 3, end: 4 }, { index: 2, start: 4, end: 10 }]);
  });
});

describe('merged thresholds', () => {
  it('equal one state over all maps, for random splits merged in random orders', () => {
    const rng = new Random(11);
    const images = 97;
    const mapSize = 9;
    const units = 4;
    const q = 0.03;
    // Values with many ties (rounded), so the tie handling of the pools is exercised.
    const maps = Array.from({ length: images * units }, () => Float32Array.from({ length: mapSize }, () => Math.round(rng.gaussian() * 8) / 8));
    const offerAll = (st: TopQuantileState, from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        for (let u = 0; u < units; u++) {
          const m = maps[i * units + u]!;
          st.offer(u, m, 0, mapSize, Math.max(...m));
        }
      }
    };
    const single = new TopQuantileState(units, images * mapSize, q);
    offerAll(single, 0, images);
    const want = single.thresholds(images * mapSize);
    for (let trial = 0; trial < 20; trial++) {
      const cuts = [...new Set(Array.from({ length: 1 + Math.floor(rng.next() * 6) }, () => 1 + Math.floor(rng.next() * (images - 1))))].sort((a, b) => a - b);
      const shards = shardsAt(images, cuts);
      const states = shards.map((s) => {
        const st = new TopQuantileState(units, images * mapSize, q); // planned for the global count
        offerAll(st, s.start, s.end);
        return st;
      });
      const order = states.map((_, i) => i).sort(() => rng.next() - 0.5);
      for (let u = 0; u < units; u++) {
        const pool = Float32Array.from(order.flatMap((i) => Array.from(states[i]!.pooled(u))));
        assert.equal(thresholdFromPool(pool, images * mapSize, q, u), want[u], `trial ${trial} (cuts ${cuts.join(',')}), unit ${u}`);
      }
    }
  });
});

describe('mergeTop', () => {
  it('keeps the best k, ties by lower image index, as one pass over all images would', () => {
    const maxes = [5, 3, 5, 7, 3, 5, 1, 7];
    const single = new TopImages(1, 4, 1);
    maxes.forEach((m, image) => single.offer(0, image, m, Float32Array.of(m), 0));
    const partA = new TopImages(1, 4, 1);
    const partB = new TopImages(1, 4, 1);
    maxes.forEach((m, image) => (image % 2 === 0 ? partA : partB).offer(0, image, m, Float32Array.of(m), 0));
    const merged = mergeTop([partB.get(0), partA.get(0)], 4);
    assert.deepEqual(merged.map((t) => t.image), single.get(0).map((t) => t.image));
    assert.deepEqual(merged.map((t) => t.image), [3, 7, 0, 2]);
  });
});
