import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Compositor, OUTLINE, TRUTH_OUTLINE } from '../../src/report/composite.js';
import { outlineAt } from '../../src/report/ground-truth.js';

describe('Compositor.composite', () => {
  // One image, 2×2 map, 4×4 large tiles and 2×2 small tiles of grey 100.
  const job = (threshold: number, truth?: Uint8Array) => ({
    h: 2,
    w: 2,
    threshold,
    maps: [Float32Array.from([8, 0, 0, 0])],
    tiles: [{ small: new Uint8Array(2 * 2 * 3).fill(100), smallDimmed: new Uint8Array(2 * 2 * 3).fill(20), large: new Uint8Array(4 * 4 * 3).fill(100) }],
    small: { w: 2, h: 2 },
    large: { w: 4, h: 4 },
    ...(truth ? { truths: [outlineAt(truth, 2, 2, { w: 4, h: 4 })] } : {}),
    smallOut: new Uint8Array(2 * 2 * 3),
    largeOut: new Uint8Array(4 * 4 * 3),
  });
  const colours = (out: Uint8Array, n: number): string[] =>
    Array.from({ length: n }, (_, p) => {
      const px = [out[p * 3], out[p * 3 + 1], out[p * 3 + 2]];
      if (px.join() === OUTLINE.join()) return 'U';
      if (px.join() === TRUTH_OUTLINE.join()) return 'T';
      return String(px[0]);
    });

  it('outlines the ground truth (nearest-resized) under the unit mask', () => {
    // Threshold 100 leaves the unit mask empty; truth [[1,0],[0,0]] covers the top-left 2×2
    // quadrant of the 4×4 tile, whose edge pairs are (1,0)-(2,0), (1,1)-(2,1), (0,1)-(0,2), (1,1)-(1,2).
    const j = job(100, Uint8Array.from([1, 0, 0, 0]));
    new Compositor().composite(j);
    // prettier-ignore
    assert.deepEqual(colours(j.largeOut, 16), [
      '100', 'T', 'T', '100',
      'T', 'T', 'T', '100',
      'T', 'T', '100', '100',
      '100', '100', '100', '100',
    ]);
    assert.deepEqual(colours(j.smallOut, 4), ['20', '20', '20', '20']); // empty mask: all dimmed
  });

  it('draws the unit outline over the truth outline', () => {
    // Map [[8,0],[0,0]] on 4×4, threshold 3: upsampled rows [8,6,2,0],[6,4.5,1.5,0],[2,1.5,.5,0],[0,...]
    // → mask (> 3) = top-left 2×2 plus nothing else; same edges as the truth: all become 'U'.
    const j = job(3, Uint8Array.from([1, 0, 0, 0]));
    new Compositor().composite(j);
    // prettier-ignore
    assert.deepEqual(colours(j.largeOut, 16), [
      '100', 'U', 'U', '100',
      'U', 'U', 'U', '100',
      'U', 'U', '100', '100',
      '100', '100', '100', '100',
    ]);
    // Small 2×2 tile: values at half-pixel centres equal the map: only the first pixel > 3.
    assert.deepEqual(colours(j.smallOut, 4), ['100', '20', '20', '20']);
  });
});
