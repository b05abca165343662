// Exact decoding of label PNGs: one changed value is a wrong label, so label maps never go through
// a general image library (which may apply gamma, ICC or palette conversions). fast-png with CRC
// checks decodes them; this module turns its channels into one label number per pixel.
import { readFileSync } from 'node:fs';
import { decode, type DecodedPng } from 'fast-png';
import { DatasetError } from '../util/errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { decodeLabelsFast, decodePngFast } from './decode-png-fast.js';
import { diagnosePng } from './diagnose-image.js';

/** One label number per pixel, row-major, height*width. */
export interface LabelMap {
  readonly width: number;
  readonly height: number;
  readonly labels: Uint16Array;
}

/** The stored samples of a PNG, unpacked to one array element per sample (1–16 bit). */
export interface PngSamples {
  readonly data: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; palette images have 1 (the index). */
  readonly channels: number;
  readonly depth: number;
  /** Palette entries [r, g, b(, a)] when the PNG is indexed. */
  readonly palette?: readonly (readonly number[])[];
}

export interface DecodeLabelOptions {
  /**
   * Palette (indexed) PNGs: 'index' (default) uses the palette index itself, as PASCAL-VOC-style
   * datasets store class ids; 'rgb' looks the index up and uses R + 256·G, as a tool that first
   * converts to RGB (PIL, scipy's imread) would read a Broden-encoded palette PNG.
   */
  readonly palette?: 'rgb' | 'index';
}

/**
 * Decode the label PNG at `path`: label = value for grey (8 or 16 bit, also 1/2/4 bit),
 * R + 256·G for 8-bit RGB or RGBA (B and alpha ignored), palette per `options.palette` (index).
 * Throws DatasetError naming the file when missing, corrupt (CRC), truncated or not a PNG, and
 * for 16-bit colour PNGs (R + 256·G would not fit 16 bits).
 */
export async function decodeLabelPng(path: string, options: DecodeLabelOptions = {}): Promise<LabelMap> {
  return decodeLabelPngBytes(readPngBytes(path), path, options);
}

/** decodeLabelPng on bytes already read; `file` names them in messages. */
export function decodeLabelPngBytes(
  bytes: Uint8Array,
  file: string,
  options: DecodeLabelOptions = {},
): LabelMap {
  // The usual label PNG goes straight to label numbers; the rest through its samples.
  return decodeLabelsFast(bytes) ?? labelsFromSamples(decodePngSamples(bytes, file), file, options);
}

/** Read and decode a PNG to its stored samples (for encodings other than R + 256·G, e.g. ADE20K). */
export async function readPngSamples(path: string): Promise<PngSamples> {
  return decodePngSamples(readPngBytes(path), path);
}

function readPngBytes(path: string): Buffer {
  try {
    // Label PNGs are small: one synchronous read costs less than the four system calls and
    // promise hops of an asynchronous one, and counting reads thousands of them.
    return readFileSync(path);
  } catch (err) {
    throw new DatasetError(
      `cannot read label PNG ${path}: ${describeFsError(err)}; check that the file exists and is readable`,
    );
  }
}

/** Decode PNG bytes to stored samples, unpacking sub-byte depths. */
export function decodePngSamples(bytes: Uint8Array, file: string): PngSamples {
  // The usual label PNG takes the native-zlib path; everything else (and every broken file) fast-png.
  const fast = decodePngFast(bytes);
  if (fast) return { data: fast.data, width: fast.width, height: fast.height, channels: fast.channels, depth: 8 };
  let png: DecodedPng;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (err) {
    const why = diagnosePng(bytes) ?? `corrupt PNG data (${(err as Error).message.trim() || 'the decoder rejects it'})`;
    throw new DatasetError(`cannot decode label PNG ${file}: ${why}; replace the file`);
  }
  const { width, height, depth, channels } = png;
  const expected = width * height * channels;
  const data = depth < 8 ? unpackBits(png.data as Uint8Array, width, height, depth) : png.data;
  if (data.length < expected) {
    throw new DatasetError(
      `cannot decode label PNG ${file}: ${data.length} samples for ${width}x${height}x${channels}; the file is truncated — replace it`,
    );
  }
  const samples = data instanceof Uint8ClampedArray ? new Uint8Array(data.buffer, data.byteOffset, data.length) : data;
  return png.palette
    ? { data: samples, width, height, channels, depth, palette: png.palette }
    : { data: samples, width, height, channels, depth };
}

/** PNG rows of 1/2/4-bit samples are packed MSB first and padded to a whole byte. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const perByte = 8 / depth;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const byte = packed[row + Math.floor(x / perByte)] ?? 0;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[o++] = (byte >> shift) & mask;
    }
  }
  return out;
}

function labelsFromSamples(png: PngSamples, file: string, options: DecodeLabelOptions): LabelMap {
  const { width, height, channels, data } = png;
  const n = width * height;
  const out = new Uint16Array(n);
  if (png.palette && options.palette === 'rgb') {
    const lut = new Uint16Array(256);
    png.palette.forEach((rgb, i) => (lut[i] = (rgb[0] ?? 0) + 256 * (rgb[1] ?? 0)));
    for (let p = 0; p < n; p++) out[p] = lut[data[p]!]!;
    return { labels: out, width, height };
  }
  if (channels <= 2) {
    for (let p = 0, s = 0; p < n; p++, s += channels) out[p] = data[s]!;
    return { labels: out, width, height };
  }
  if (png.depth === 16) {
    throw new DatasetError(
      `cannot use label PNG ${file}: 16-bit colour; expected 8-bit RGB (label = R + 256·G) or 8/16-bit grey; re-save it`,
    );
  }
  for (let p = 0, s = 0; p < n; p++, s += channels) out[p] = data[s]! + 256 * data[s + 1]!;
  return { labels: out, width, height };
}
