import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { float32Decimal, pyFloat } from '../../src/run/format.js';

describe('pyFloat', () => {
  it('writes floats as Python repr does', () => {
    const cases: [number, string][] = [
      [12544, '12544.0'], [0, '0.0'], [0.05799585459183651, '0.05799585459183651'], [5.2e-5, '5.2e-05'],
      [1e-5, '1e-05'], [0.0001, '0.0001'], [1e16, '1e+16'], [123456789012345.6, '123456789012345.6'],
      [-2.5, '-2.5'], [6, '6.0'], [0.1 + 0.2, '0.30000000000000004'], [1.5e-7, '1.5e-07'], [2.5e20, '2.5e+20'],
    ];
    for (const [x, want] of cases) assert.equal(pyFloat(x), want, String(x));
  });
});

describe('float32Decimal', () => {
  it('reads back to the same float32', () => {
    for (const x of [0.1, 1 / 3, 6, -27.123456, 3.4e38, 1e-30]) {
      const f = Math.fround(x);
      assert.equal(Math.fround(float32Decimal(f)), f);
    }
  });
});
