import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskUpsampler, blitDimmed, blitOutlined, dimTable } from '../../src/report/unit-mask.js';

function maskOf(up: MaskUpsampler, map: readonly number[], threshold: number): number[] {
  const out = new Uint8Array(up.outH * up.outW);
  up.mask(map, threshold, out);
  return [...out];
}

describe('MaskUpsampler', () => {
  // 1×2 map [0, 4] to 1×4: half-pixel centres give sources -0.25 (clamped to 0), 0.25, 0.75,
  // 1.25 (clamped to the last value), so the upsampled row is [0, 1, 3, 4].
  const row = new MaskUpsampler(1, 2, 1, 4);
  it('upsamples with half-pixel centres and clamped edges', () => {
    assert.deepEqual(maskOf(row, [0, 4], 0.5), [0, 1, 1, 1]);
    assert.deepEqual(maskOf(row, [0, 4], 2.9), [0, 0, 1, 1]);
    assert.deepEqual(maskOf(row, [0, 4], 3.9), [0, 0, 0, 1]);
  });
  it('compares with strict >', () => {
    assert.deepEqual(maskOf(row, [0, 4], 1), [0, 0, 1, 1]); // 1 > 1 is false
    assert.deepEqual(maskOf(row, [0, 4], 4), [0, 0, 0, 0]); // threshold = max: empty mask
  });
  it('runs both passes in 2-D', () => {
    // [[0,0],[0,8]] to 4×4: rows [0,0,0,0] and [0,2,6,8]; vertical weights 0, .25, .75, 1 give
    // [0,0,0,0], [0,.5,1.5,2], [0,1.5,4.5,6], [0,2,6,8].
    const up = new MaskUpsampler(2, 2, 4, 4);
    assert.deepEqual(maskOf(up, [0, 0, 0, 8], 1.4), [0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1]);
  });
  it('keeps a constant map constant at any scale', () => {
    const up = new MaskUpsampler(7, 7, 112, 96);
    const map = new Array<number>(49).fill(2.5);
    assert.ok(maskOf(up, map, 2.4999).every((v) => v === 1));
    assert.ok(maskOf(up, map, 2.5).every((v) => v === 0));
  });
});

describe('blitDimmed', () => {
  it('copies pixels inside the mask and scales the others by the dim factor', () => {
    const tile = new Uint8Array([100, 200, 50, 10, 20, 33]); // 2×1 tile
    const strip = new Uint8Array(3 * 3).fill(7); // 3×1 strip
    blitDimmed(tile, new Uint8Array([1, 0]), 2, 1, strip, 3, 1, dimTable(0.2));
    assert.deepEqual([...strip], [7, 7, 7, 100, 200, 50, 2, 4, 7]); // 33 * 0.2 = 6.6 → 7
  });
});

describe('blitOutlined', () => {
  it('marks pixels whose 4-neighbour lies across the mask edge', () => {
    // 3×3 tile, mask = centre pixel: the centre and its four neighbours are on the outline,
    // the corners (whose neighbours are all outside) are not.
    const tile = new Uint8Array(27).fill(9);
    const strip = new Uint8Array(27);
    blitOutlined(tile, new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0]), 3, 3, strip, 3, 0, [255, 0, 0]);
    const red = [];
    for (let p = 0; p < 9; p++) red.push(strip[p * 3] === 255 ? 1 : 0);
    assert.deepEqual(red, [0, 1, 0, 1, 1, 1, 0, 1, 0]);
    assert.deepEqual([...strip.subarray(0, 3)], [9, 9, 9]);
  });
});

describe('blitOutlined on word-aligned masks', () => {
  it('draws the same outline as the byte-by-byte path', () => {
    // 8×4 mask (width a multiple of 4: the 4-bytes-at-once path) with an L-shaped region.
    const tw = 8;
    const th = 4;
    // prettier-ignore
    const mask = new Uint8Array([
      0, 0, 0, 0, 0, 0, 0, 0,
      0, 1, 1, 1, 1, 1, 0, 0,
      0, 1, 0, 0, 0, 0, 0, 0,
      0, 1, 0, 0, 0, 0, 0, 0,
    ]);
    const tile = new Uint8Array(tw * th * 3);
    const strip = new Uint8Array(tw * th * 3);
    blitOutlined(tile, mask, tw, th, strip, tw, 0, [1, 1, 1]);
    const got = [...Array(tw * th).keys()].map((p) => strip[p * 3]);
    // Expected by hand: a pixel is marked when a 4-neighbour has the other mask value.
    const expected = [...Array(tw * th).keys()].map((p) => {
      const x = p % tw;
      const y = Math.floor(p / tw);
      const v = mask[p];
      const n = [x > 0 ? mask[p - 1] : v, x < tw - 1 ? mask[p + 1] : v, y > 0 ? mask[p - tw] : v, y < th - 1 ? mask[p + tw] : v];
      return n.some((q) => q !== v) ? 1 : 0;
    });
    // prettier-ignore
    assert.deepEqual(expected, [
      0, 1, 1, 1, 1, 1, 0, 0,
      1, 1, 1, 1, 1, 1, 1, 0,
      1, 1, 1, 1, 1, 1, 0, 0,
      1, 1, 1, 0, 0, 0, 0, 0,
    ]);
    assert.deepEqual(got, expected);
  });
});
