// writeInput normalises through per-channel lookup tables; the tensor must hold exactly what
// (v − mean) / std computed in float64 and stored as float32 gives, for every byte value.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, writeInput, type Preprocess } from '../../src/model/preprocess.js';

/** A 16×16 image whose pixels walk every byte value in each channel (channels offset). */
function allValues(): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(256 * 3);
  for (let p = 0; p < 256; p++) {
    data[3 * p] = p;
    data[3 * p + 1] = (p + 85) % 256;
    data[3 * p + 2] = (p + 170) % 256;
  }
  return { data, width: 16, height: 16 };
}

const odd: Preprocess = { mean: [0.3, 117.77, 255.5], std: [0.7, 3, 1e-3] };

describe('writeInput', () => {
  for (const [name, p] of [...Object.entries(PRESETS), ['odd constants', odd] as const]) {
    it(`NCHW and NHWC hold (v − mean) / std rounded once to float32 (${name})`, () => {
      const img = allValues();
      const n = 256;
      const nchw = new Float32Array(2 * 3 * n).fill(NaN);
      const nhwc = new Float32Array(2 * 3 * n).fill(NaN);
      writeInput(img, p, 'NCHW', nchw, 1);
      writeInput(img, p, 'NHWC', nhwc, 1);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
          const v = img.data[3 * i + c]!;
          const want = Math.fround((v - p.mean[c]!) / p.std[c]!);
          assert.equal(nchw[3 * n + c * n + i], want, `NCHW channel ${c} value ${v}`);
          assert.equal(nhwc[3 * n + 3 * i + c], want, `NHWC channel ${c} value ${v}`);
        }
      }
      // Slot 0 untouched: writeInput writes only its own slot.
      assert.ok(nchw.subarray(0, 3 * n).every(Number.isNaN));
      assert.ok(nhwc.subarray(0, 3 * n).every(Number.isNaN));
    });
  }

  it('hand-computed values: mobilenet (x − 128) / 128 and netdissect constants', () => {
    const img = { data: Uint8Array.from([0, 128, 255]), width: 1, height: 1 };
    const out = new Float32Array(3);
    writeInput(img, PRESETS['mobilenet']!, 'NCHW', out, 0);
    assert.deepEqual([...out], [-1, 0, 127 / 128]);
    writeInput(img, PRESETS['netdissect']!, 'NCHW', out, 0);
    assert.deepEqual([...out], [Math.fround(-124.6901 / 57.12), Math.fround((128 - 118.6897) / 57.12), Math.fround((255 - 109.5388) / 57.12)]);
  });
});
