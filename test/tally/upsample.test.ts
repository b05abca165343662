import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { axisTaps, maskAbove, MaskScratch, upsampleBilinear, upsamplePlan } from '../../src/tally/upsample.js';
import { PARITY, sharedMissing } from '../helpers/shared.js';

function upsample(input: number[], inH: number, inW: number, outH: number, outW: number): Float32Array {
  const plan = upsamplePlan(inH, inW, outH, outW);
  const out = new Float32Array(outH * outW);
  upsampleBilinear(plan, Float32Array.from(input), 0, out, new Float32Array(inH * outW));
  return out;
}

describe('axisTaps', () => {
  it('gives half-pixel-centre taps with clamped edges (1 -> 2 per pixel)', () => {
    const t = axisTaps(2, 4);
    assert.deepEqual([...t.start], [0, 0, 0, 1]);
    assert.deepEqual([...t.count], [1, 2, 2, 1]);
    assert.deepEqual([t.weights[t.stride * 1], t.weights[t.stride * 1 + 1]], [0.75, 0.25]);
  });
});

describe('upsampleBilinear', () => {
  it('matches hand-computed values on a 1x2 row', () => {
    assert.deepEqual([...upsample([0, 4], 1, 2, 1, 4)], [0, 1, 3, 4]);
  });
  it('matches hand-computed values on a 2x2 map (horizontal then vertical)', () => {
    // Rows become [0,1,3,4] and [8,9,11,12]; columns then mix 1, .75/.25, .25/.75, 1.
    const out = upsample([0, 4, 8, 12], 2, 2, 4, 4);
    assert.deepEqual([...out.subarray(0, 4)], [0, 1, 3, 4]);
    assert.deepEqual([...out.subarray(4, 8)], [2, 3, 5, 6]);
    assert.deepEqual([...out.subarray(12, 16)], [8, 9, 11, 12]);
  });
  it('copies a 1x1 map everywhere', () => {
    assert.deepEqual([...upsample([2.5], 1, 1, 3, 2)], [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
  });
  it('rounds the horizontal pass to float32 before the vertical pass', () => {
    // 1/3 is not a float32: the vertical pass must see fround(x), as Pillow stores it.
    const out = upsample([1 / 3, 1 / 3], 2, 1, 2, 1);
    assert.equal(out[0], Math.fround(1 / 3));
  });
});

describe('maskAbove', () => {
  it('selects exactly the pixels of the full upsampling above the threshold (strict >)', () => {
    const input = Float32Array.from([0, 4, 8, 12]);
    const plan = upsamplePlan(2, 2, 4, 4);
    const active = new Int32Array(16);
    const n = maskAbove(plan, input, 0, 9, active, new MaskScratch());
    // Rows of the output: [0,1,3,4] [2,3,5,6] [6,7,9,10] [8,9,11,12]; 9 itself is not > 9.
    assert.deepEqual([...active.subarray(0, n)], [11, 14, 15]);
    assert.equal(maskAbove(plan, input, 0, 12, active, new MaskScratch()), 0);
  });
  it('compares the float32 value: a double sum just above the threshold that rounds down to it is not active', () => {
    // 2×1 -> 4×1 with inputs 1 and 1 + 2⁻²³ (adjacent float32 values). Row 1 mixes them .75/.25:
    // 1 + 2⁻²⁵ in double, which rounds to 1 in float32, so it is not > 1. Row 2 (.25/.75) is
    // 1 + 1.5·2⁻²⁴, which rounds up to 1 + 2⁻²³; row 3 is the second input itself.
    const up = 1 + 2 ** -23;
    const input = Float32Array.from([1, up]);
    const plan = upsamplePlan(2, 1, 4, 1);
    const out = new Float32Array(4);
    upsampleBilinear(plan, input, 0, out, new Float32Array(2));
    assert.deepEqual([...out], [1, 1, up, up]);
    const active = new Int32Array(4);
    const n = maskAbove(plan, input, 0, 1, active, new MaskScratch());
    assert.deepEqual([...active.subarray(0, n)], [2, 3]);
  });
});

describe('Pillow parity cases', () => {
  const missing = sharedMissing(path.join(PARITY, 'upsample', 'cases.json'));
  it('reproduces every Pillow 9.4 output bit for bit, and maskAbove agrees', { skip: missing ?? false }, () => {
    const dir = path.join(PARITY, 'upsample');
    const spec = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as {
      cases: { name: string; in_shape: [number, number]; out_shape: [number, number]; input: string; expected: string }[];
    };
    assert.ok(spec.cases.length >= 9);
    const scratch = new MaskScratch();
    for (const c of spec.cases) {
      const read = (f: string): Float32Array => {
        const b = readFileSync(path.join(dir, f));
        return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      };
      const input = read(c.input);
      const expected = read(c.expected);
      const [inH, inW] = c.in_shape;
      const [outH, outW] = c.out_shape;
      const plan = upsamplePlan(inH, inW, outH, outW);
      const out = new Float32Array(outH * outW);
      upsampleBilinear(plan, input, 0, out, new Float32Array(inH * outW));
      for (let i = 0; i < out.length; i++) {
        if (!Object.is(out[i], expected[i])) assert.fail(`${c.name}[${i}]: got ${out[i]}, Pillow ${expected[i]}`);
      }
      const sorted = Float32Array.from(input).sort();
      const active = new Int32Array(outH * outW);
      for (const q of [0.5, 0.9, 0.99]) {
        const t = sorted[Math.floor(q * (sorted.length - 1))] as number;
        const n = maskAbove(plan, input, 0, t, active, scratch);
        const want: number[] = [];
        for (let i = 0; i < out.length; i++) if ((out[i] as number) > t) want.push(i);
        assert.deepEqual([...active.subarray(0, n)], want, `${c.name} at quantile ${q}`);
      }
    }
  });
});
