// The common label PNG (8-bit grey, grey+alpha, RGB or RGBA, not interlaced) decoded with the
// runtime's native zlib and one tight unfilter loop: pass 2 reads every label PNG of the dataset
// again, and a pure-JS inflate cost more than the counting itself. Anything else, and any file
// that is not perfectly well formed, returns null: the caller then decodes with fast-png, which
// also words the error messages, so this path never changes what a file decodes to or how a
// bad one is reported.
import { crc32, inflateSync } from 'node:zlib';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Samples per pixel by PNG colour type (palette excluded: it goes through fast-png). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export interface FastSamples {
  readonly data: Uint8Array; // height × width × channels, unfiltered
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/**
 * Decode `bytes` when it is an 8-bit non-interlaced grey / grey+alpha / RGB / RGBA PNG whose
 * every chunk CRC, zlib stream (Adler-32 included) and filter byte is valid and whose image data
 * has exactly the expected length; otherwise null (decode it the general way).
 */
export function decodePngFast(bytes: Uint8Array): FastSamples | null {
  if (bytes.length < 8 + 25 + 12) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (pos + 12 <= bytes.length) {
    const len = view.getUint32(pos);
    if (pos + 12 + len > bytes.length) return null;
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + len)) !== view.getUint32(pos + 8 + len)) return null;
    if (pos === 8) {
      if (type !== 'IHDR' || len !== 13) return null;
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const depth = body[8]!, colour = body[9]!, compression = body[10]!, filter = body[11]!, interlace = body[12]!;
      channels = CHANNELS[colour] ?? 0;
      if (depth !== 8 || channels === 0 || compression !== 0 || filter !== 0 || interlace !== 0 || width === 0 || height === 0) return null;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      ended = true;
      break;
    } else if (type === 'PLTE' || type === 'IHDR') {
      return null;
    }
    pos += 12 + len;
  }
  if (!ended || idat.length === 0) return null;
  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch {
    return null;
  }
  if (raw.length !== expected) return null;
  const out = new Uint8Array(height * stride);
  return unfilter(raw, out, width, height, channels) ? { data: out, width, height, channels } : null;
}

/**
 * PNG filter types 0–4 (8-bit samples, `bpp` bytes per pixel), row by row into `out`. The first
 * row and the first pixel of each row have no neighbours (zeros), so those cases are split out of
 * the inner loops: Paeth there reduces to Sub (first row) or Up (first pixel).
 */
export function unfilter(raw: Uint8Array, out: Uint8Array, width: number, height: number, bpp: number): boolean {
  const stride = width * bpp;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const o = y * stride;
    const up = o - stride; // the previous output row
    if (f === 0 || (f === 2 && y === 0)) {
      out.set(raw.subarray(src, src + stride), o);
    } else if (f === 1 || (f === 4 && y === 0)) {
      for (let i = 0; i < bpp; i++) out[o + i] = raw[src + i]!;
      for (let i = bpp; i < stride; i++) out[o + i] = (raw[src + i]! + out[o + i - bpp]!) & 255;
    } else if (f === 2) {
      for (let i = 0; i < stride; i++) out[o + i] = (raw[src + i]! + out[up + i]!) & 255;
    } else if (f === 3) {
      if (y === 0) {
        for (let i = 0; i < bpp; i++) out[o + i] = raw[src + i]!;
        for (let i = bpp; i < stride; i++) out[o + i] = (raw[src + i]! + (out[o + i - bpp]! >> 1)) & 255;
      } else {
        for (let i = 0; i < bpp; i++) out[o + i] = (raw[src + i]! + (out[up + i]! >> 1)) & 255;
        for (let i = bpp; i < stride; i++) out[o + i] = (raw[src + i]! + ((out[o + i - bpp]! + out[up + i]!) >> 1)) & 255;
      }
    } else if (f === 4) {
      for (let i = 0; i < bpp; i++) out[o + i] = (raw[src + i]! + out[up + i]!) & 255;
      for (let i = bpp; i < stride; i++) {
        const a = out[o + i - bpp]!;
        const b = out[up + i]!;
        const c = out[up + i - bpp]!;
        const pa = Math.abs(b - c); // |p − a| with p = a + b − c
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - c - c);
        const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        out[o + i] = (raw[src + i]! + pred) & 255;
      }
    } else {
      return false;
    }
  }
  return true;
}
