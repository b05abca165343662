// Structural diagnosis of undecodable images: the same words for the same damage, every time.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { cleanDecoderMessage, diagnoseImage, diagnoseJpeg, diagnosePng } from '../../src/dataset/diagnose-image.js';

describe('diagnoseImage', () => {
  let jpeg = Buffer.alloc(0);
  let png = Buffer.alloc(0);
  before(async () => {
    const raw = { raw: { width: 16, height: 8, channels: 3 as const } };
    const pixels = Buffer.alloc(16 * 8 * 3, 90);
    jpeg = await sharp(pixels, raw).jpeg().toBuffer();
    png = await sharp(pixels, raw).png().toBuffer();
  });

  it('finds nothing wrong with whole files', () => {
    assert.equal(diagnoseImage(jpeg), null);
    assert.equal(diagnoseImage(png), null);
    assert.equal(diagnoseJpeg(Buffer.concat([jpeg, Buffer.alloc(10)])), null, 'padding after the end marker is allowed');
  });

  it('empty files and text', () => {
    assert.equal(diagnoseImage(new Uint8Array(0)), 'the file is empty (0 bytes)');
    assert.equal(diagnoseImage(Buffer.from('hello\nworld')), "not an image file: it starts with 'hello world'");
    assert.equal(diagnoseImage(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])), 'not an image file: it starts with 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07');
    assert.equal(diagnosePng(Buffer.from('labels')), "not a PNG file: it starts with 'labels'");
  });

  it('truncated JPEG: in the header, and in the image data', () => {
    assert.equal(diagnoseImage(jpeg.subarray(0, 2)), 'truncated JPEG: the file ends at byte 2 inside its header, before any image data');
    assert.match(diagnoseImage(jpeg.subarray(0, 30))!, /^truncated JPEG: segment 0x[0-9a-f]{2} at byte \d+ runs past the end of the file \(30 bytes\)$/);
    const cut = jpeg.length - 5;
    assert.equal(diagnoseImage(jpeg.subarray(0, cut)), `truncated JPEG: the image data stops at byte ${cut} without the end-of-image marker`);
  });

  it('corrupt JPEG header: a marker expected where there is none', () => {
    const b = Buffer.from(jpeg);
    b[2] = 0x4a;
    assert.equal(diagnoseImage(b), 'corrupt JPEG header: expected a marker at byte 2, found 0x4a');
  });

  it('truncated PNG and a failed CRC, with the chunk and its offset', () => {
    const idat = png.indexOf('IDAT') - 4; // the chunk starts with its length
    const idatLength = png.readUInt32BE(idat);
    assert.equal(diagnoseImage(png.subarray(0, idat + 20)), `truncated PNG: chunk IDAT at byte ${idat} needs ${idatLength + 12} bytes, the file ends after 20`);
    assert.equal(diagnoseImage(png.subarray(0, png.length - 12)), `truncated PNG: the file ends at byte ${png.length - 12} before its IEND chunk`);
    const b = Buffer.from(png);
    b[idat + 10] = b[idat + 10]! ^ 0xff;
    assert.equal(diagnoseImage(b), `corrupt PNG: chunk IDAT at byte ${idat} fails its CRC check`);
  });

  it("other formats are left to the decoder's message", () => {
    assert.equal(diagnoseImage(Buffer.from('GIF89a....')), null);
  });
});

describe('cleanDecoderMessage', () => {
  it('keeps the first line without library prefixes', () => {
    assert.equal(cleanDecoderMessage('Input buffer has corrupt header: VipsJpeg: Unsupported marker type 0x24\nVipsJpeg: more'), 'Unsupported marker type 0x24');
    assert.equal(cleanDecoderMessage('vipspng: libpng read error'), 'libpng read error');
  });
  it('says something when the decoder says nothing', () => {
    assert.equal(cleanDecoderMessage('Unknown error'), 'the decoder rejects its data');
    assert.equal(cleanDecoderMessage(''), 'the decoder rejects its data');
  });
});
