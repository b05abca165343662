import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';
import { decodeRgb } from '../../src/dataset/decode-image.js';
import { DatasetError } from '../../src/util/errors.js';
import { pngBytes, pngChunks, type PngSpec } from '../helpers/png-bytes.js';
import { CAMVID, sharedMissing } from '../helpers/shared.js';

describe('decodeRgb', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-decodergb-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // PNG fixtures are assembled byte by byte (test/helpers/png-bytes.ts), so the expected pixels
  // are the bytes written here, not another decoder's output.
  const put = async (name: string, spec: PngSpec): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, pngBytes(spec));
    return p;
  };

  it('decodes an RGB PNG exactly', async () => {
    const p = await put('rgb.png', { width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[0, [1, 2, 3, 250, 251, 252]]] });
    const img = await decodeRgb(p);
    assert.equal(img.width, 2);
    assert.equal(img.height, 1);
    assert.deepEqual([...img.data], [1, 2, 3, 250, 251, 252]);
  });

  it('decodes a fast-png-encoded RGB PNG to the same bytes', async () => {
    const p = join(dir, 'fast-png.png');
    await writeFile(p, encode({ width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([1, 2, 3, 250, 251, 252]) }));
    assert.deepEqual([...(await decodeRgb(p)).data], [1, 2, 3, 250, 251, 252]);
  });

  it('expands grey to three equal channels', async () => {
    const p = await put('grey.png', { width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [[0, [17, 200]]] });
    assert.deepEqual([...(await decodeRgb(p)).data], [17, 17, 17, 200, 200, 200]);
  });

  it('expands grey+alpha and drops alpha without compositing', async () => {
    const p = await put('ga.png', { width: 1, height: 1, bitDepth: 8, colorType: 4, rows: [[0, [90, 0]]] });
    assert.deepEqual([...(await decodeRgb(p)).data], [90, 90, 90]);
  });

  it('drops alpha of RGBA without compositing', async () => {
    const p = await put('rgba.png', { width: 2, height: 1, bitDepth: 8, colorType: 6, rows: [[0, [10, 20, 30, 0, 40, 50, 60, 128]]] });
    assert.deepEqual([...(await decodeRgb(p)).data], [10, 20, 30, 40, 50, 60]);
  });

  it('keeps the ICC profile: returns the stored values, not a conversion to sRGB', async () => {
    // A Display P3 profile (lifted from a file sharp writes) in front of pixels stored as
    // written here: a decoder converting to sRGB would change the saturated colours.
    const tagged = await sharp(Uint8Array.from([200, 50, 50]), { raw: { width: 1, height: 1, channels: 3 } }).withIccProfile('p3').png().toBuffer();
    const iccp = pngChunks(tagged).find(([type]) => type === 'iCCP');
    assert.ok(iccp, 'sharp wrote an iCCP chunk');
    const stored = [200, 50, 50, 20, 180, 60];
    const p = await put('p3.png', { width: 2, height: 1, bitDepth: 8, colorType: 2, chunks: [iccp], rows: [[0, stored]] });
    assert.ok((await sharp(p).metadata()).icc, 'the fixture carries the profile');
    assert.deepEqual([...(await decodeRgb(p)).data], stored);
  });

  it('decodes a JPEG of uniform grey 8×8 blocks to exactly those greys', async () => {
    // A block of one grey has only a DC coefficient and neutral chroma: any correct decoder gives
    // the grey back exactly, whatever the quality. Blocks: 0 | 77 over 128 | 255.
    const greys = [0, 77, 128, 255];
    const px = new Uint8Array(16 * 16 * 3);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) px.fill(greys[(y >> 3) * 2 + (x >> 3)]!, (y * 16 + x) * 3, (y * 16 + x) * 3 + 3);
    const p = join(dir, 'greys.jpg');
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ quality: 80 }).toFile(p);
    const img = await decodeRgb(p);
    assert.equal(img.width, 16);
    assert.equal(img.height, 16);
    assert.deepEqual([...img.data], [...px]);
  });

  it('decodes a JPEG to its size with 3 channels', async () => {
    const p = join(dir, 'a.jpg');
    await sharp({ create: { width: 33, height: 17, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg({ quality: 95 }).toFile(p);
    const img = await decodeRgb(p);
    assert.equal(img.width, 33);
    assert.equal(img.height, 17);
    assert.equal(img.data.length, 33 * 17 * 3);
    assert.ok(Math.abs(img.data[0]! - 200) <= 3);
  });

  const damaged: [string, (b: Buffer) => Buffer][] = [
    ['truncated JPEG', (b) => b.subarray(0, Math.floor(b.length * 0.6))],
    ['not an image', () => Buffer.from('this is a text file, not a picture')],
    ['empty file', () => Buffer.alloc(0)],
  ];
  for (const [what, damage] of damaged) {
    it(`throws DatasetError naming the file: ${what}`, async () => {
      // Noise so the JPEG's entropy-coded data is long and a cut lands inside it.
      const noise = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 2654435761) >>> 24);
      const good = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
      const p = join(dir, `bad-${what.replace(/\W+/g, '_')}.jpg`);
      await writeFile(p, damage(good));
      await assert.rejects(decodeRgb(p), (e: Error) => e instanceof DatasetError && e.message.includes(p));
    });
  }

  it('throws DatasetError for a missing file', async () => {
    const p = join(dir, 'nope.jpg');
    await assert.rejects(decodeRgb(p), (e: Error) => e instanceof DatasetError && e.message.includes(p));
  });

  it('decodes a real CamVid photo at 480x360', async (t) => {
    const train = join(CAMVID, 'train');
    const missing = sharedMissing(train);
    if (missing) return t.skip(missing);
    const img = await decodeRgb(join(train, readdirSync(train).sort()[0]!));
    assert.equal(img.width, 480);
    assert.equal(img.height, 360);
    assert.equal(img.data.length, 480 * 360 * 3);
  });
});
