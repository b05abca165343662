import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { decodeLabelPng } from '../../src/dataset/decode-label-png.js';
import { DatasetError } from '../../src/util/errors.js';
import { pngBytes, type PngSpec } from '../helpers/png-bytes.js';
import { sharedMissing } from '../helpers/shared.js';

describe('decodeLabelPng', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-labelpng-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Fixtures are assembled byte by byte (test/helpers/png-bytes.ts): the expected labels come
  // from the scanline bytes written here, not from a PNG library's encoder.
  const put = async (name: string, spec: PngSpec): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, pngBytes(spec));
    return path;
  };

  it('reads 8-bit grey values as labels', async () => {
    const p = await put('g8.png', { width: 3, height: 2, bitDepth: 8, colorType: 0, rows: [[0, [0, 1, 11]], [0, [255, 7, 3]]] });
    const l = await decodeLabelPng(p);
    assert.equal(l.width, 3);
    assert.equal(l.height, 2);
    assert.deepEqual([...l.labels], [0, 1, 11, 255, 7, 3]);
  });

  it('undoes the Sub and Up row filters', async () => {
    // Row 0 [10, 20, 30] with Sub: each byte minus its left neighbour -> [10, 10, 10].
    // Row 1 [15, 20, 255] with Up: each byte minus the byte above -> [5, 0, 225].
    const p = await put('filtered.png', { width: 3, height: 2, bitDepth: 8, colorType: 0, rows: [[1, [10, 10, 10]], [2, [5, 0, 225]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [10, 20, 30, 15, 20, 255]);
  });

  it('reads 16-bit grey values exactly (big-endian samples)', async () => {
    const p = await put('g16.png', { width: 2, height: 1, bitDepth: 16, colorType: 0, rows: [[0, [0xff, 0xff, 0x04, 0xd2]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [65535, 1234]);
  });

  it('reads RGB as R + 256·G, ignoring B', async () => {
    // Pixels (5, 2, 99) and (255, 255, 0), Sub-filtered: the second pixel minus the first.
    const p = await put('rgb.png', { width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[1, [5, 2, 99, 250, 253, 157]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [5 + 512, 65535]);
  });

  it('reads RGBA as R + 256·G, ignoring alpha', async () => {
    const p = await put('rgba.png', { width: 1, height: 2, bitDepth: 8, colorType: 6, rows: [[0, [7, 1, 0, 0]], [0, [0, 3, 0, 255]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [263, 768]);
  });

  it('reads grey+alpha as the grey value', async () => {
    const p = await put('ga.png', { width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[0, [9, 0, 4, 255]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [9, 4]);
  });

  it('unpacks 2-bit grey rows padded to whole bytes', async () => {
    // width 3 at 2 bits: one byte per row, samples MSB first: 0b01_10_11_00 = 0x6c, 0b11_00_01_00 = 0xc4
    const p = await put('g2.png', { width: 3, height: 2, bitDepth: 2, colorType: 0, rows: [[0, [0x6c]], [0, [0xc4]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [1, 2, 3, 3, 0, 1]);
  });

  it('reads palette PNGs as the index by default and as R + 256·G on request', async () => {
    const p = await put('pal.png', { width: 3, height: 1, bitDepth: 8, colorType: 3, palette: [[10, 0, 0], [1, 2, 3]], rows: [[0, [1, 0, 1]]] });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [1, 0, 1]);
    assert.deepEqual([...(await decodeLabelPng(p, { palette: 'rgb' })).labels], [513, 10, 513]);
  });

  it('rejects 16-bit colour PNGs', async () => {
    const p = await put('rgb16.png', { width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0, [0, 1, 0, 2, 0, 3]]] });
    await assert.rejects(decodeLabelPng(p), (e: Error) => e instanceof DatasetError && /rgb16\.png: 16-bit colour/.test(e.message));
  });

  it('agrees with fast-png-encoded files of the same labels', async () => {
    const p = join(dir, 'fast-png.png');
    await writeFile(p, encode({ width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([5, 2, 99, 255, 255, 0]) }));
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [5 + 512, 65535]);
  });

  const broken: [string, (b: Buffer) => Buffer][] = [
    ['one flipped byte (CRC)', (b) => { const c = Buffer.from(b); c[b.length - 20]! ^= 1; return c; }],
    ['truncated', (b) => b.subarray(0, Math.floor(b.length / 2))],
    ['not a PNG', () => Buffer.from('GIF89a not a png at all')],
  ];
  for (const [what, damage] of broken) {
    it(`throws DatasetError naming the file: ${what}`, async () => {
      const data = new Uint8Array(64 * 64).map((_, i) => (i * 7) % 13);
      const good = encode({ width: 64, height: 64, channels: 1, depth: 8, data });
      const p = join(dir, `bad-${what.replace(/\W+/g, '_')}.png`);
      await writeFile(p, damage(Buffer.from(good)));
      await assert.rejects(decodeLabelPng(p), (e: Error) => e instanceof DatasetError && e.message.includes(p));
    });
  }

  it('throws DatasetError for a missing file', async () => {
    const p = join(dir, 'missing.png');
    await assert.rejects(decodeLabelPng(p), (e: Error) => e instanceof DatasetError && e.message.includes(p));
  });

  it('decodes a real CamVid annotation to class ids 0..11', async (t) => {
    const annot = '../shared/data/camvid/trainannot';
    const missing = sharedMissing(annot);
    if (missing) return t.skip(missing);
    const file = readdirSync(annot).sort()[0]!;
    const l = await decodeLabelPng(join(annot, file));
    assert.equal(l.width, 480);
    assert.equal(l.height, 360);
    const seen = new Set(l.labels);
    for (const v of seen) assert.ok(v <= 11, `class id ${v} out of range`);
    assert.ok(seen.size >= 5);
    // The raw PNG bytes decode the same twice (no hidden state).
    const again = await decodeLabelPng(join(annot, file));
    assert.deepEqual(again.labels, l.labels);
    assert.ok((await readFile(join(annot, file))).length > 0);
  });
});
