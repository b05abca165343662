// Exact decoding of label PNGs: one changed byte is a wrong label, so no colour management, no
// resampling, no gamma. Label number = R + 256·G for RGB(A) (B ignored, as Broden encodes it),
// the value itself for grey or palette images.
import { readFile } from 'node:fs/promises';
import { decode } from 'fast-png';
import { DatasetError } from '../util/errors.js';

export interface LabelMap {
  readonly width: number;
  readonly height: number;
  readonly labels: Uint16Array;
}

/** Decode PNG bytes into label numbers (see module comment). `file` names the source in errors. */
export function decodeLabelPngBytes(bytes: Uint8Array, file: string): LabelMap {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new DatasetError(`${file}: not a readable PNG label map (${(err as Error).message}). Replace the file or run 'netdissect dataset validate'.`);
  }
  const { width, height, channels } = png;
  const data = png.data;
  const n = width * height;
  const labels = new Uint16Array(n);
  if (png.palette !== undefined || channels === 1 || channels === 2) {
    // Palette indices or grey values are the label numbers themselves (alpha ignored).
    for (let i = 0; i < n; i++) labels[i] = data[i * channels] as number;
  } else {
    if (png.depth !== 8) {
      throw new DatasetError(`${file}: ${png.depth}-bit RGB label map; expected 8-bit RGB (label = R + 256·G) or grey.`);
    }
    for (let i = 0, j = 0; i < n; i++, j += channels) labels[i] = (data[j] as number) + 256 * (data[j + 1] as number);
  }
  return { width, height, labels };
}

/** Read and decode a label PNG; a missing or corrupt file is a DatasetError naming it. */
export async function decodeLabelPng(file: string): Promise<LabelMap> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new DatasetError(`${file}: cannot read label map (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  return decodeLabelPngBytes(bytes, file);
}
