// Decodes dataset photographs to 8-bit interleaved RGB, the one pixel format the pipeline takes.
// The embedded ICC profile is kept, not applied, so pixel values are the stored ones (as PIL
// reads them in the reference tools); grey and alpha are normalised here, not by sharp.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { DatasetError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { cleanDecoderMessage, diagnoseImage } from './diagnose-image.js';
import type { RgbImage } from './types.js';

/**
 * Decode the photo at `path` (JPEG, PNG, WebP, TIFF, GIF: whatever sharp reads) to RGB 8-bit.
 * Grey is expanded to three equal channels; an alpha channel is dropped (not composited).
 * Throws DatasetError naming the file when it is missing, corrupt, truncated or not an image.
 */
export async function decodeRgb(path: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DatasetError(
      `cannot read image ${path}: ${describeFsError(err)}; check that the file exists and is readable (dissect --skip-bad-images skips unreadable images)`,
    );
  }
  return decodeRgbBytes(bytes, path);
}

/** decodeRgb on bytes already read; `file` names them in messages. */
export async function decodeRgbBytes(bytes: Uint8Array, file: string): Promise<RgbImage> {
  let raw: { data: Buffer; info: import("sharp").OutputInfo };
  try {
    // failOn 'truncated' rejects cut-off files but accepts the benign warnings many real JPEGs carry.
    raw = await sharp(bytes, { failOn: 'truncated' })
      .keepIccProfile()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    // The structural diagnosis first: deterministic, and clearer than the decoder's words.
    const why = diagnoseImage(bytes) ?? `corrupt image data (${cleanDecoderMessage((err as Error).message)})`;
    throw new DatasetError(
      `cannot decode image ${file}: ${why}; replace the file (dissect --skip-bad-images skips unreadable images)`,
    );
  }
  const { width, height, channels, hasAlpha } = raw.info;
  const colour = hasAlpha ? channels - 1 : channels;
  if (colour !== 1 && colour !== 3) {
    throw new DatasetError(
      `cannot use image ${file}: ${channels} channels${hasAlpha ? ' with alpha' : ''}, expected grey or RGB ` +
        `(CMYK or multi-band images are not supported); convert it to RGB`,
    );
  }
  return { data: toRgb(raw.data, width * height, channels, colour), width, height };
}

/** Expand grey to RGB and drop alpha, keeping every stored value exactly. */
function toRgb(src: Uint8Array, pixels: number, channels: number, colour: number): Uint8Array {
  if (channels === 3) return new Uint8Array(src.buffer, src.byteOffset, pixels * 3);
  const out = new Uint8Array(pixels * 3);
  let s = 0;
  let o = 0;
  if (colour === 1) {
    for (let p = 0; p < pixels; p++, s += channels, o += 3) {
      const v = src[s]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  } else {
    for (let p = 0; p < pixels; p++, s += channels, o += 3) {
      out[o] = src[s]!;
      out[o + 1] = src[s + 1]!;
      out[o + 2] = src[s + 2]!;
    }
  }
  return out;
}
