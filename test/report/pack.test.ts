import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packFloat32, runLengths } from '../../src/report/pack.js';
import { maskFromRuns, unpackFloat32 } from '../../src/report/unpack.js';

describe('packFloat32 / unpackFloat32', () => {
  it('keeps every float32 value bit for bit, including the ones JSON decimals make awkward', () => {
    const values = [0, -0, 1, -2.5, Math.fround(0.1), 3.4028234663852886e38, 1.401298464324817e-45, Math.fround(6.886123)];
    const back = unpackFloat32(packFloat32(values));
    assert.equal(back.length, values.length);
    values.forEach((v, i) => assert.ok(Object.is(back[i], Math.fround(v)), `value ${i}: ${back[i]} vs ${v}`));
  });
  it('rounds float64 input to float32 as the maps are stored', () => {
    assert.equal(unpackFloat32(packFloat32([0.1]))[0], Math.fround(0.1));
  });
  it('encodes 4 bytes a value in base64', () => {
    assert.equal(packFloat32([1]), 'AACAPw==');
    assert.equal(packFloat32([]), '');
  });
});

describe('runLengths / maskFromRuns', () => {
  const cases: [string, number[], number[]][] = [
    ['empty', [0, 0, 0, 0], [4]],
    ['full', [1, 1, 1], [0, 3]],
    ['starts with ones', [1, 1, 0, 1], [0, 2, 1, 1]],
    ['ends with zeros', [0, 1, 0, 0], [1, 1, 2]],
  ];
  for (const [name, mask, runs] of cases) {
    it(`encodes and decodes a mask that is ${name}`, () => {
      assert.deepEqual(runLengths(Uint8Array.from(mask)), runs);
      assert.deepEqual([...maskFromRuns(runs, mask.length)], mask);
    });
  }
  it('treats any non-zero byte as labelled', () => {
    assert.deepEqual(runLengths(Uint8Array.from([0, 7, 255])), [1, 2]);
  });
});
