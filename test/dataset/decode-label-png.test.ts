import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { decodeLabelPng } from '../../src/dataset/decode-label-png.js';
import { DatasetError } from '../../src/util/errors.js';
import { sharedMissing } from '../helpers/shared.js';

describe('decodeLabelPng', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-labelpng-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, png: Parameters<typeof encode>[0]): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, encode(png));
    return path;
  };

  it('reads 8-bit grey values as labels', async () => {
    const p = await write('g8.png', { width: 3, height: 2, channels: 1, depth: 8, data: new Uint8Array([0, 1, 11, 255, 7, 3]) });
    const l = await decodeLabelPng(p);
    assert.equal(l.width, 3);
    assert.equal(l.height, 2);
    assert.deepEqual([...l.labels], [0, 1, 11, 255, 7, 3]);
  });

  it('reads 16-bit grey values exactly', async () => {
    const p = await write('g16.png', { width: 2, height: 1, channels: 1, depth: 16, data: new Uint16Array([65535, 1234]) });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [65535, 1234]);
  });

  it('reads RGB as R + 256·G, ignoring B', async () => {
    const p = await write('rgb.png', { width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([5, 2, 99, 255, 255, 0]) });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [5 + 512, 65535]);
  });

  it('reads RGBA as R + 256·G, ignoring alpha', async () => {
    const p = await write('rgba.png', { width: 1, height: 2, channels: 4, depth: 8, data: new Uint8Array([7, 1, 0, 0, 0, 3, 0, 255]) });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [263, 768]);
  });

  it('reads grey+alpha as the grey value', async () => {
    const p = await write('ga.png', { width: 2, height: 1, channels: 2, depth: 8, data: new Uint8Array([9, 0, 4, 255]) });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [9, 4]);
  });

  it('unpacks 2-bit grey rows padded to whole bytes', async () => {
    // width 3 at 2 bits: one byte per row, samples MSB first: 0b01_10_11_00 = 0x6c, 0b11_00_01_00 = 0xc4
    const p = await write('g2.png', { width: 3, height: 2, channels: 1, depth: 2, data: new Uint8Array([0x6c, 0xc4]) });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [1, 2, 3, 3, 0, 1]);
  });

  it('reads palette PNGs as the index by default and as R + 256·G on request', async () => {
    const palette = [[10, 0, 0], [1, 2, 3]];
    const p = await write('pal.png', { width: 3, height: 1, channels: 1, depth: 8, palette, data: new Uint8Array([1, 0, 1]) });
    assert.deepEqual([...(await decodeLabelPng(p)).labels], [1, 0, 1]);
    assert.deepEqual([...(await decodeLabelPng(p, { palette: 'rgb' })).labels], [513, 10, 513]);
  });

  it('rejects 16-bit colour PNGs', async () => {
    const p = await write('rgb16.png', { width: 1, height: 1, channels: 3, depth: 16, data: new Uint16Array([1, 2, 3]) });
    await assert.rejects(decodeLabelPng(p), (e: Error) => e instanceof DatasetError && /rgb16\.png: 16-bit colour/.test(e.message));
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
