import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';
import { decodeRgb } from '../../src/dataset/decode-image.js';
import { DatasetError } from '../../src/util/errors.js';

describe('decodeRgb', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-decodergb-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes an RGB PNG exactly', async () => {
    const p = join(dir, 'rgb.png');
    await writeFile(p, encode({ width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([1, 2, 3, 250, 251, 252]) }));
    const img = await decodeRgb(p);
    assert.equal(img.width, 2);
    assert.equal(img.height, 1);
    assert.deepEqual([...img.data], [1, 2, 3, 250, 251, 252]);
  });

  it('expands grey to three equal channels', async () => {
    const p = join(dir, 'grey.png');
    await writeFile(p, encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([17, 200]) }));
    assert.deepEqual([...(await decodeRgb(p)).data], [17, 17, 17, 200, 200, 200]);
  });

  it('expands grey+alpha and drops alpha without compositing', async () => {
    const p = join(dir, 'ga.png');
    await writeFile(p, encode({ width: 1, height: 1, channels: 2, depth: 8, data: new Uint8Array([90, 0]) }));
    assert.deepEqual([...(await decodeRgb(p)).data], [90, 90, 90]);
  });

  it('drops alpha of RGBA without compositing', async () => {
    const p = join(dir, 'rgba.png');
    await writeFile(p, encode({ width: 2, height: 1, channels: 4, depth: 8, data: new Uint8Array([10, 20, 30, 0, 40, 50, 60, 128]) }));
    assert.deepEqual([...(await decodeRgb(p)).data], [10, 20, 30, 40, 50, 60]);
  });

  it('keeps the ICC profile: returns the stored values, not a conversion to sRGB', async () => {
    // A PNG tagged Display P3: sharp converts the pixels on writing, so stored values differ
    // from the sRGB input; fast-png reads the stored values exactly.
    const p = join(dir, 'p3.png');
    const src = Uint8Array.from([200, 50, 50, 20, 180, 60]);
    await sharp(src, { raw: { width: 2, height: 1, channels: 3 } }).withIccProfile('p3').png().toFile(p);
    const { decode } = await import('fast-png');
    const stored = decode(await (await import('node:fs/promises')).readFile(p));
    assert.equal(stored.iccEmbeddedProfile !== undefined, true, 'the fixture carries an ICC profile');
    assert.notDeepEqual([...stored.data], [...src], 'the fixture stores converted values');
    assert.deepEqual([...(await decodeRgb(p)).data], [...stored.data]);
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
    const train = '../shared/data/camvid/train';
    if (!existsSync(train)) return t.skip('../shared not found: CamVid photos absent');
    const img = await decodeRgb(join(train, readdirSync(train).sort()[0]!));
    assert.equal(img.width, 480);
    assert.equal(img.height, 360);
    assert.equal(img.data.length, 480 * 360 * 3);
  });
});
