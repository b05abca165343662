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

/** A PNG's inflated image data: height rows of one filter byte and width × channels samples. */
interface Inflated {
  readonly raw: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/**
 * The image data of `bytes` when it is an 8-bit non-interlaced grey / grey+alpha / RGB / RGBA
 * PNG whose every chunk CRC and zlib stream (Adler-32 included) is valid and whose image data
 * has exactly the expected length; otherwise null (decode it the general way).
 */
function inflatePng(bytes: Uint8Array): Inflated | null {
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
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch {
    return null;
  }
  if (raw.length !== height * (width * channels + 1)) return null;
  for (let y = 0; y < height; y++) if (raw[y * (width * channels + 1)]! > 4) return null;
  return { raw, width, height, channels };
}

/** The samples of `bytes` (see inflatePng for which PNGs), or null. */
export function decodePngFast(bytes: Uint8Array): FastSamples | null {
  const png = inflatePng(bytes);
  if (!png) return null;
  const { raw, width, height, channels } = png;
  const out = new Uint8Array(height * width * channels);
  unfilter(raw, out, width, height, channels);
  return { data: out, width, height, channels };
}

/**
 * Label numbers of `bytes` (see inflatePng for which PNGs), or null: grey (and grey+alpha) =
 * the grey value, RGB(A) = R + 256·G. Rows are unfiltered through two row buffers and turned
 * into labels at once, so no sample array is kept.
 */
export function decodeLabelsFast(bytes: Uint8Array): { labels: Uint16Array; width: number; height: number } | null {
  const png = inflatePng(bytes);
  if (!png) return null;
  const { raw, width, height, channels } = png;
  const stride = width * channels;
  const labels = new Uint16Array(width * height);
  // rows[0..stride) = previous row, rows[stride..2·stride) = current row (swapped by copying
  // the offset, not the bytes).
  const rows = new Uint8Array(2 * stride);
  let cur = stride, prev = 0;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    let src: Uint8Array, at: number;
    if (f === 0) {
      src = raw; at = y * (stride + 1) + 1;
    } else {
      unfilterRow(raw, y * (stride + 1) + 1, f, y === 0, rows, cur, prev, stride, channels);
      src = rows; at = cur;
    }
    const o = y * width;
    if (channels >= 3) for (let x = 0, i = at; x < width; x++, i += channels) labels[o + x] = src[i]! + 256 * src[i + 1]!;
    else for (let x = 0, i = at; x < width; x++, i += channels) labels[o + x] = src[i]!;
    if (f === 0) rows.set(raw.subarray(at, at + stride), cur); // the next row may read it as "above"
    const t = cur; cur = prev; prev = t;
  }
  return { labels, width, height };
}

/**
 * PNG filter types 0–4 (8-bit samples, `bpp` bytes per pixel), row by row into `out`; false
 * for an unknown filter type.
 */
export function unfilter(raw: Uint8Array, out: Uint8Array, width: number, height: number, bpp: number): boolean {
  const stride = width * bpp;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    if (f > 4) return false;
    unfilterRow(raw, y * (stride + 1) + 1, f, y === 0, out, y * stride, y * stride - stride, stride, bpp);
  }
  return true;
}

/**
 * One row: raw[src .. src+stride) filtered with type f (0–4) into out[o ..), the previous
 * unfiltered row at out[up ..) (unused on the first row: its neighbours are zeros). The first row
 * and the first pixel of a row are split out of the inner loops: Paeth there reduces to Sub
 * (first row) or Up (first pixel).
 */
function unfilterRow(raw: Uint8Array, src: number, f: number, first: boolean, out: Uint8Array, o: number, up: number, stride: number, bpp: number): void {
  if (f === 0 || (f === 2 && first)) {
    out.set(raw.subarray(src, src + stride), o);
  } else if (f === 1 || (f === 4 && first)) {
    for (let i = 0; i < bpp; i++) out[o + i] = raw[src + i]!;
    for (let i = bpp; i < stride; i++) out[o + i] = (raw[src + i]! + out[o + i - bpp]!) & 255;
  } else if (f === 2) {
    for (let i = 0; i < stride; i++) out[o + i] = (raw[src + i]! + out[up + i]!) & 255;
  } else if (f === 3) {
    if (first) {
      for (let i = 0; i < bpp; i++) out[o + i] = raw[src + i]!;
      for (let i = bpp; i < stride; i++) out[o + i] = (raw[src + i]! + (out[o + i - bpp]! >> 1)) & 255;
    } else {
      for (let i = 0; i < bpp; i++) out[o + i] = (raw[src + i]! + (out[up + i]! >> 1)) & 255;
      for (let i = bpp; i < stride; i++) out[o + i] = (raw[src + i]! + ((out[o + i - bpp]! + out[up + i]!) >> 1)) & 255;
    }
  } else {
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
  }
}
