// Photo decoding with sharp into 8-bit interleaved RGB. The ICC profile is kept, not applied:
// converting colour-profiled images would change the pixels the reference tools see.
import sharp, { type OutputInfo } from 'sharp';
import { DatasetError } from '../util/errors.js';
import type { RgbImage } from './types.js';

/** Decode any photo sharp reads (JPEG, PNG, WebP, ...) to RGB; grey is replicated, alpha dropped. */
export async function decodeRgb(file: string): Promise<RgbImage> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(file, { failOn: 'truncated' }).keepIccProfile().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new DatasetError(`${file}: cannot decode image (${msg}). Replace the file, or pass --skip-bad-images to skip it.`);
  }
  const { width, height, channels } = raw.info;
  const src = raw.data;
  const n = width * height;
  if (channels === 3) return { data: new Uint8Array(src.buffer, src.byteOffset, n * 3), width, height };
  const data = new Uint8Array(n * 3);
  if (channels === 4) {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      data[i * 3] = src[j] as number;
      data[i * 3 + 1] = src[j + 1] as number;
      data[i * 3 + 2] = src[j + 2] as number;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const g = src[i * channels] as number;
      data[i * 3] = g;
      data[i * 3 + 1] = g;
      data[i * 3 + 2] = g;
    }
  }
  return { data, width, height };
}
