import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { encodeLabelPng, joinCell } from '../../../src/dataset/synthetic/broden-writer.js';

describe('encodeLabelPng', () => {
  it('writes label = R + 256·G, and the instance in B only where a label is', () => {
    const labels = Uint16Array.from([0, 1, 255, 256, 301, 527]);
    const blue = Uint8Array.from([9, 8, 7, 6, 5, 4]);
    const png = decode(encodeLabelPng(labels.subarray(0, 4), blue, 2));
    // 2×2 uses the first four labels; check those bytes by hand.
    assert.deepEqual([png.width, png.height, png.channels, png.depth], [2, 2, 3, 8]);
    assert.deepEqual([...png.data], [0, 0, 0, 1, 0, 8, 255, 0, 7, 0, 1, 6]);
  });

  it('writes B = 0 without instances', () => {
    const png = decode(encodeLabelPng(Uint16Array.from([301, 0, 527, 11]), null, 2));
    assert.deepEqual([...png.data], [45, 1, 0, 0, 0, 0, 15, 2, 0, 11, 0, 0]);
  });
});

describe('joinCell', () => {
  const cases: [string[], Parameters<typeof joinCell>[1], string][] = [
    [[], 'trailing', ''],
    [['a.png'], 'none', 'a.png'],
    [['a.png', 'b.png'], 'none', 'a.png;b.png'],
    [['a.png', 'b.png'], 'trailing', 'a.png;b.png;'],
    [['a.png', 'b.png'], 'double', 'a.png;;b.png'],
    [['331'], 'double', '331;;'],
    [['331', '326'], 'leading', ';331;326'],
  ];
  for (const [pieces, quirk, want] of cases) {
    it(`joins [${pieces.join(', ')}] with ${quirk} as '${want}'`, () => assert.equal(joinCell(pieces, quirk), want));
  }
});
