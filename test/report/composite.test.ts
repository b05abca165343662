import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nearestIndices } from '../../src/dataset/nearest.js';
import { Compositor, DIM, dimTable, OUTLINE, TRUTH_OUTLINE } from '../../src/report/composite.js';
import { MaskScratch, maskAbove, upsampleBilinear, upsamplePlan } from '../../src/tally/upsample.js';
import { Random } from '../../src/util/random.js';
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

describe('Compositor.composite against a whole-tile reference', () => {
  it('matches upsampling every pixel, dimming, and testing every adjacent pair (random maps and sizes)', () => {
    const rng = new Random(11);
    const byte = (): number => Math.floor(rng.next() * 256);
    for (const [h, w, small, large] of [
      [3, 3, { w: 6, h: 5 }, { w: 11, h: 9 }],
      [7, 7, { w: 16, h: 16 }, { w: 32, h: 32 }],
      [2, 5, { w: 7, h: 3 }, { w: 13, h: 8 }],
    ] as const) {
      const n = 3;
      const maps = Array.from({ length: n }, () => Float32Array.from({ length: h * w }, () => rng.gaussian()));
      const tiles = Array.from({ length: n }, () => {
        const s = Uint8Array.from({ length: small.w * small.h * 3 }, byte);
        return { small: s, smallDimmed: s.map((v) => Math.round(v * DIM)), large: Uint8Array.from({ length: large.w * large.h * 3 }, byte) };
      });
      const truthMasks = Array.from({ length: n }, () => Uint8Array.from({ length: 4 * 4 }, () => (rng.next() < 0.4 ? 1 : 0)));
      const threshold = Math.fround(0.3);
      const job = {
        h, w, threshold, maps, tiles, small, large,
        truths: truthMasks.map((t) => outlineAt(t, 4, 4, large)),
        smallOut: new Uint8Array(n * small.w * small.h * 3),
        largeOut: new Uint8Array(n * large.w * large.h * 3),
      };
      new Compositor().composite(job);

      const maskOf = (map: Float32Array, size: { w: number; h: number }): Uint8Array => {
        const plan = upsamplePlan(h, w, size.h, size.w);
        const out = new Float32Array(size.w * size.h);
        upsampleBilinear(plan, map, 0, out, new Float32Array(h * size.w));
        return out.map((v) => (v > threshold ? 1 : 0)) as unknown as Uint8Array;
      };
      const pairs = (mask: ArrayLike<number>, size: { w: number; h: number }): Set<number> => {
        const at = new Set<number>();
        for (let p = 0; p < size.w * size.h; p++) {
          if ((p % size.w) + 1 < size.w && mask[p] !== mask[p + 1]) at.add(p).add(p + 1);
          if (p + size.w < size.w * size.h && mask[p] !== mask[p + size.w]) at.add(p).add(p + size.w);
        }
        return at;
      };
      for (let k = 0; k < n; k++) {
        const sm = maskOf(maps[k] as Float32Array, small);
        for (let p = 0; p < small.w * small.h; p++) {
          const d = ((Math.floor(p / small.w) * n + k) * small.w + (p % small.w)) * 3;
          const src = sm[p] === 1 ? tiles[k]!.small : tiles[k]!.smallDimmed;
          assert.deepEqual([...job.smallOut.subarray(d, d + 3)], [...src.subarray(p * 3, p * 3 + 3)], `small ${k} pixel ${p}`);
        }
        const unit = pairs(maskOf(maps[k] as Float32Array, large), large);
        const rows = nearestIndices(4, large.h);
        const cols = nearestIndices(4, large.w);
        const truth = pairs(Array.from({ length: large.w * large.h }, (_, p) => truthMasks[k]![rows[Math.floor(p / large.w)]! * 4 + cols[p % large.w]!]!), large);
        for (let p = 0; p < large.w * large.h; p++) {
          const d = ((Math.floor(p / large.w) * n + k) * large.w + (p % large.w)) * 3;
          const want = unit.has(p) ? [...OUTLINE] : truth.has(p) ? [...TRUTH_OUTLINE] : [...tiles[k]!.large.subarray(p * 3, p * 3 + 3)];
          assert.deepEqual([...job.largeOut.subarray(d, d + 3)], want, `large ${k} pixel ${p}`);
        }
      }
    }
  });
});

// The mask the report draws is the dissection's (maskAbove: Pillow-exact bilinear upsampling
// with half-pixel centres and clamped edges, then strict >); these pin that convention by hand.
function maskOf(h: number, w: number, outH: number, outW: number, map: readonly number[], threshold: number): number[] {
  const active = new Int32Array(outH * outW);
  const n = maskAbove(upsamplePlan(h, w, outH, outW), Float32Array.from(map), 0, threshold, active, new MaskScratch());
  const out = new Array<number>(outH * outW).fill(0);
  for (let i = 0; i < n; i++) out[active[i] as number] = 1;
  return out;
}

describe('unit masks', () => {
  // 1×2 map [0, 4] to 1×4: half-pixel centres give sources -0.25 (clamped to 0), 0.25, 0.75,
  // 1.25 (clamped to the last value), so the upsampled row is [0, 1, 3, 4].
  it('upsample with half-pixel centres and clamped edges', () => {
    assert.deepEqual(maskOf(1, 2, 1, 4, [0, 4], 0.5), [0, 1, 1, 1]);
    assert.deepEqual(maskOf(1, 2, 1, 4, [0, 4], 2.9), [0, 0, 1, 1]);
    assert.deepEqual(maskOf(1, 2, 1, 4, [0, 4], 3.9), [0, 0, 0, 1]);
  });
  it('compare with strict >', () => {
    assert.deepEqual(maskOf(1, 2, 1, 4, [0, 4], 1), [0, 0, 1, 1]); // 1 > 1 is false
    assert.deepEqual(maskOf(1, 2, 1, 4, [0, 4], 4), [0, 0, 0, 0]); // threshold = max: empty mask
  });
  it('run both passes in 2-D', () => {
    // [[0,0],[0,8]] to 4×4: rows [0,0,0,0] and [0,2,6,8]; vertical weights 0, .25, .75, 1 give
    // [0,0,0,0], [0,.5,1.5,2], [0,1.5,4.5,6], [0,2,6,8].
    assert.deepEqual(maskOf(2, 2, 4, 4, [0, 0, 0, 8], 1.4), [0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1]);
  });
  it('keep a constant map constant at any scale', () => {
    const map = new Array<number>(49).fill(2.5);
    assert.ok(maskOf(7, 7, 112, 96, map, 2.4999).every((v) => v === 1));
    assert.ok(maskOf(7, 7, 112, 96, map, 2.5).every((v) => v === 0));
  });
});

describe('dimTable', () => {
  it('scales every byte value by the factor, rounded', () => {
    const t = dimTable(0.2);
    assert.deepEqual([t[0], t[33], t[100], t[255]], [0, 7, 20, 51]); // 6.6 → 7, 51
  });
});

describe('Compositor outline', () => {
  it('marks the pixels whose 4-neighbour lies across the mask edge, not the corners', () => {
    // 1×1 map [5] on a 3×3 large tile with threshold 4: the whole tile is in the mask, so no
    // outline; with a 3×3 map whose centre alone is hot, the large 3×3 mask is the centre pixel:
    // the centre and its four neighbours are outlined, the corners are not.
    const run = (map: number[], h: number, w: number): number[] => {
      const job = {
        h, w, threshold: 4, maps: [Float32Array.from(map)],
        tiles: [{ small: new Uint8Array(27).fill(9), smallDimmed: new Uint8Array(27).fill(2), large: new Uint8Array(27).fill(9) }],
        small: { w: 3, h: 3 }, large: { w: 3, h: 3 },
        smallOut: new Uint8Array(27), largeOut: new Uint8Array(27),
      };
      new Compositor().composite(job);
      return Array.from({ length: 9 }, (_, p) => (job.largeOut[p * 3] === OUTLINE[0] ? 1 : 0));
    };
    assert.deepEqual(run([5], 1, 1), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(run([0, 0, 0, 0, 5, 0, 0, 0, 0], 3, 3), [0, 1, 0, 1, 1, 1, 0, 1, 0]);
  });
});
