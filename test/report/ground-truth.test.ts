import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nearestIndices } from '../../src/dataset/nearest.js';
import { Random } from '../../src/util/random.js';
import { OutlineScratch, labelMasks, outlineAt } from '../../src/report/ground-truth.js';

describe('labelMasks', () => {
  it('masks the wanted labels over all channels, and marks image-level labels full', () => {
    const labels = {
      byCategory: new Map([
        ['object', { maps: [Uint16Array.from([0, 3, 3, 5])], imageLabels: [] }],
        ['part', { maps: [Uint16Array.from([5, 0, 0, 0]), Uint16Array.from([0, 0, 7, 0])], imageLabels: [9] }],
      ]),
    };
    const masks = labelMasks(labels, [5, 9, 3, 4], 4);
    assert.deepEqual(
      masks.map((m) => (m === 'full' ? m : [...m])),
      [[1, 0, 0, 1], 'full', [0, 1, 1, 0], [0, 0, 0, 0]],
    );
  });
});

describe('outlineAt', () => {
  it('outlines the mask resized by nearest neighbour: both pixels of each pair across the edge', () => {
    // 2×2 mask [[1,0],[0,0]] → 4×4 tile: the top-left 2×2 quadrant is labelled; straddling pairs
    // (1,0)-(2,0), (1,1)-(2,1) horizontally and (0,1)-(0,2), (1,1)-(1,2) vertically (x,y).
    assert.deepEqual([...outlineAt(Uint8Array.from([1, 0, 0, 0]), 2, 2, { w: 4, h: 4 })], [1, 2, 4, 5, 6, 8, 9]);
  });

  it('gives no outline for an empty or a full mask', () => {
    assert.deepEqual([...outlineAt(new Uint8Array(4), 2, 2, { w: 4, h: 4 })], []);
    assert.deepEqual([...outlineAt(new Uint8Array(4).fill(1), 2, 2, { w: 4, h: 4 })], []);
  });

  it('outlines a mask downsampled to the tile (every other cell sampled)', () => {
    // 4×1 column mask [0,1,1,0] → 2×1: rows sample cells floor((2o+1)·4/4) = 1 and 3 → [1,0].
    assert.deepEqual([...outlineAt(Uint8Array.from([0, 1, 1, 0]), 4, 1, { w: 1, h: 2 })], [0, 1]);
  });

  it('equals resizing the whole mask and testing every adjacent pair (random masks, many sizes)', () => {
    const rng = new Random(5);
    for (const [h, w, th, tw] of [[5, 7, 12, 16], [7, 7, 7, 7], [3, 4, 10, 9], [9, 6, 4, 5], [6, 6, 13, 3]] as const) {
      for (let trial = 0; trial < 20; trial++) {
        const src = Uint8Array.from({ length: h * w }, () => (rng.next() < 0.3 ? 1 : 0));
        const rows = nearestIndices(h, th);
        const cols = nearestIndices(w, tw);
        const big = Array.from({ length: th * tw }, (_, p) => src[(rows[Math.floor(p / tw)] as number) * w + (cols[p % tw] as number)]);
        const expected = new Set<number>();
        for (let p = 0; p < th * tw; p++) {
          if (p % tw + 1 < tw && big[p] !== big[p + 1]) expected.add(p).add(p + 1);
          if (p + tw < th * tw && big[p] !== big[p + tw]) expected.add(p).add(p + tw);
        }
        assert.deepEqual([...outlineAt(src, h, w, { w: tw, h: th })], [...expected].sort((a, b) => a - b), `${h}×${w} → ${th}×${tw}`);
      }
    }
  });

  it('reuses its scratch buffers cleanly', () => {
    const scratch = new OutlineScratch({ w: 4, h: 4 });
    const a = [...outlineAt(Uint8Array.from([1, 0, 0, 0]), 2, 2, { w: 4, h: 4 }, scratch)];
    const b = [...outlineAt(Uint8Array.from([0, 0, 0, 1]), 2, 2, { w: 4, h: 4 }, scratch)];
    assert.deepEqual(a, [1, 2, 4, 5, 6, 8, 9]);
    assert.deepEqual(b, [6, 7, 9, 10, 11, 13, 14]);
  });
});
