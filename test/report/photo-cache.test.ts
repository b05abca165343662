import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { halve } from '../../src/report/photo-cache.js';

describe('halve', () => {
  it('averages each 2×2 block per channel, rounding halves up', () => {
    // 4×2 RGB source → 2×1. Block 1: R 0,1,2,3 → 6/4 = 1.5 → 2; G all 10 → 10; B 255,255,254,254 → 254.5 → 255.
    // Block 2: R 100,101,100,100 → 100.25 → 100; G 0,0,0,1 → 0.25 → 0; B 7,8,8,8 → 7.75 → 8.
    // prettier-ignore
    const src = Uint8Array.from([
      0, 10, 255,   1, 10, 255,   100, 0, 7,   101, 0, 8,
      2, 10, 254,   3, 10, 254,   100, 0, 8,   100, 1, 8,
    ]);
    assert.deepEqual([...halve(src, 2, 1)], [2, 10, 255, 100, 0, 8]);
  });
});
