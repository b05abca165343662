import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { decode } from 'fast-png';
import { decodeLabelsFast, decodePngFast, unfilter } from '../../src/dataset/decode-png-fast.js';
import { Random } from '../../src/util/random.js';
import { chunk } from '../helpers/png-bytes.js';

/** PNG filters, forward (the encoder side), on 8-bit samples. */
function filterRow(f: number, cur: Uint8Array, prev: Uint8Array | null, bpp: number): Uint8Array {
  const out = new Uint8Array(cur.length);
  for (let i = 0; i < cur.length; i++) {
    const a = i >= bpp ? cur[i - bpp]! : 0;
    const b = prev ? prev[i]! : 0;
    const c = prev && i >= bpp ? prev[i - bpp]! : 0;
    let pred = 0;
    if (f === 1) pred = a;
    else if (f === 2) pred = b;
    else if (f === 3) pred = (a + b) >> 1;
    else if (f === 4) {
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    out[i] = (cur[i]! - pred) & 255;
  }
  return out;
}

/** An 8-bit PNG with the given filter per row (cycled), optionally split over several IDATs. */
function encode(samples: Uint8Array, width: number, height: number, colour: number, channels: number, filters: readonly number[], opts: { idats?: number; interlace?: number; depth?: number } = {}): Buffer {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    const cur = samples.subarray(y * stride, (y + 1) * stride);
    raw.set(filterRow(f, cur, y > 0 ? samples.subarray((y - 1) * stride, y * stride) : null, channels), y * (stride + 1) + 1);
  }
  const z = deflateSync(raw);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = opts.depth ?? 8; ihdr[9] = colour; ihdr[12] = opts.interlace ?? 0;
  const parts = opts.idats ?? 1;
  const step = Math.ceil(z.length / parts);
  const idats: Buffer[] = [];
  for (let i = 0; i < z.length; i += step) idats.push(chunk('IDAT', z.subarray(i, i + step)));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('tEXt', Buffer.from('a\0b')), ...idats, chunk('IEND', new Uint8Array(0))]);
}

describe('unfilter', () => {
  it('undoes each filter type on hand-computed 2×2 grey samples', () => {
    // Samples [[10, 20], [30, 25]], bpp 1.
    // Row 0 Sub: [10, 10]; row 1 Paeth: pixel 0 pred = up (10) -> 20; pixel 1: a=30,b=20,c=10,
    // p=40, pa=10, pb=20, pc=30 -> pred a=30 -> 25-30 = 251.
    const raw = Uint8Array.from([1, 10, 10, 4, 20, 251]);
    const out = new Uint8Array(4);
    assert.equal(unfilter(raw, out, 2, 2, 1), true);
    assert.deepEqual([...out], [10, 20, 30, 25]);
    // Average, row 1: pixel 0 = 30 - (0+10)>>1 = 25; pixel 1 = 25 - (30+20)>>1 = 0.
    assert.equal(unfilter(Uint8Array.from([0, 10, 20, 3, 25, 0]), out, 2, 2, 1), true);
    assert.deepEqual([...out], [10, 20, 30, 25]);
  });

  it('refuses an unknown filter type', () => {
    assert.equal(unfilter(Uint8Array.from([5, 1]), new Uint8Array(1), 1, 1, 1), false);
  });
});

describe('decodePngFast', () => {
  const rnd = new Random(3);
  const cases: [string, number, number][] = [['grey', 0, 1], ['grey+alpha', 4, 2], ['RGB', 2, 3], ['RGBA', 6, 4]];
  for (const [name, colour, channels] of cases) {
    it(`decodes ${name} with every filter type exactly as fast-png does, to samples and to labels`, () => {
      const width = 13, height = 11;
      const samples = new Uint8Array(width * height * channels);
      // Regions with edges and noise, so every predictor path (a, b, c) is taken.
      for (let i = 0; i < samples.length; i++) samples[i] = rnd.next() < 0.7 ? (Math.floor(i / 37) * 17) & 255 : Math.floor(rnd.next() * 256);
      for (const filters of [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
        const png = encode(samples, width, height, colour, channels, filters, { idats: 3 });
        const fast = decodePngFast(png);
        assert.ok(fast, `filters ${filters}`);
        assert.deepEqual([fast.width, fast.height, fast.channels], [width, height, channels]);
        assert.deepEqual(fast.data, samples, `filters ${filters}`);
        assert.deepEqual(Uint8Array.from(decode(png).data as Uint8Array), samples, 'the reference decoder agrees');
        const labels = decodeLabelsFast(png);
        assert.ok(labels);
        const expected = new Uint16Array(width * height);
        for (let p = 0; p < expected.length; p++) expected[p] = channels >= 3 ? samples[p * channels]! + 256 * samples[p * channels + 1]! : samples[p * channels]!;
        assert.deepEqual(labels.labels, expected, `labels, filters ${filters}`);
      }
    });
  }

  it('leaves everything it does not handle, and every flaw, to the general decoder (null)', () => {
    const samples = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const good = encode(samples, 2, 1, 2, 3, [1]);
    assert.ok(decodePngFast(good));
    const badCrc = Buffer.from(good);
    badCrc[good.length - 20] = badCrc[good.length - 20]! ^ 1;
    assert.equal(decodePngFast(badCrc), null, 'a flipped bit');
    assert.equal(decodePngFast(good.subarray(0, good.length - 12)), null, 'no IEND');
    assert.equal(decodePngFast(good.subarray(0, 40)), null, 'truncated');
    assert.equal(decodePngFast(encode(samples, 2, 1, 2, 3, [5])), null, 'filter type 5');
    assert.equal(decodePngFast(encode(Uint8Array.from([1, 2]), 2, 1, 3, 1, [0])), null, 'palette');
    assert.equal(decodePngFast(encode(samples, 2, 1, 2, 3, [0], { interlace: 1 })), null, 'interlaced');
    assert.equal(decodePngFast(encode(Uint8Array.from([1, 2, 3, 4]), 2, 1, 0, 2, [0], { depth: 16 })), null, '16-bit');
    assert.equal(decodePngFast(encode(samples, 3, 1, 2, 2, [0])), null, 'image data of the wrong length');
    assert.equal(decodeLabelsFast(badCrc), null, 'labels: a flipped bit');
    assert.equal(decodeLabelsFast(encode(samples, 2, 1, 2, 3, [5])), null, 'labels: filter type 5');
  });
});
