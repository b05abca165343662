// Model preprocessing: resize to the model's input when sizes differ, then per-channel
// (x − mean) / std on 0..255 RGB, computed in float64 and stored as float32.
import sharp from 'sharp';
import { UsageError } from '../util/errors.js';
import type { RgbImage } from '../dataset/types.js';
import type { Layout } from './model.js';

export interface Preprocess {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export const PRESETS: Readonly<Record<string, Preprocess>> = {
  // The reference NetDissect's constants (RGB order).
  netdissect: { mean: [124.6901, 118.6897, 109.5388], std: [57.12, 57.12, 57.12] },
  // torchvision's ImageNet normalisation on the 0..255 scale.
  imagenet: { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
  // Inception / TF-slim / MobileNet: (x − 127.5) / 127.5 → [−1, 1].
  inception: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
  // Coral's quantised MobileNetV2: (x − 128) / 128.
  mobilenet: { mean: [128, 128, 128], std: [128, 128, 128] },
};

/** The preset when none is chosen (the reference tool's constants). */
export const DEFAULT_PRESET = 'netdissect';

/** `128` when all three channels agree, else `R,G,B`. */
function channels(v: readonly [number, number, number]): string {
  return v[0] === v[1] && v[1] === v[2] ? String(v[0]) : v.join(',');
}

/** One line per preset, `name: mean M, std S` (for --help and messages). */
export function describePresets(): string[] {
  const width = Math.max(...Object.keys(PRESETS).map((n) => n.length)) + 1;
  return Object.entries(PRESETS).map(([name, p]) => `${`${name}:`.padEnd(width)} mean ${channels(p.mean)}, std ${channels(p.std)}${name === DEFAULT_PRESET ? ' (the default)' : ''}`);
}

/** Resolve --preprocess / --mean / --std into constants. */
export function resolvePreprocess(preset: string | undefined, mean: readonly number[] | undefined, std: readonly number[] | undefined): Preprocess {
  if (preset !== undefined && (mean || std)) throw new UsageError('--preprocess cannot be combined with --mean/--std; use one or the other.');
  if (mean || std) {
    if (!mean || !std) throw new UsageError('--mean and --std go together (e.g. --mean 128,128,128 --std 128,128,128).');
    const triple = (v: readonly number[], flag: string): [number, number, number] => {
      if (v.length === 1) return [v[0]!, v[0]!, v[0]!];
      if (v.length === 3) return [v[0]!, v[1]!, v[2]!];
      throw new UsageError(`${flag} takes 1 or 3 numbers (R,G,B on 0..255), got ${v.length}.`);
    };
    const s = triple(std, '--std');
    if (s.some((x) => !(x > 0))) throw new UsageError(`--std values must be > 0, got ${std.join(',')}.`);
    return { mean: triple(mean, '--mean'), std: s };
  }
  const name = preset ?? DEFAULT_PRESET;
  const p = PRESETS[name];
  if (!p) throw new UsageError(`unknown --preprocess '${name}'; presets: ${Object.keys(PRESETS).join(', ')}; or give --mean R,G,B --std R,G,B.`);
  return p;
}

/** The image at the model's input size (sharp bilinear resize when it differs). */
export async function fitToInput(img: RgbImage, height: number, width: number): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/**
 * Per channel, the normalised value of each of the 256 byte values: (v − mean) / std in float64,
 * rounded to float32 once, exactly as storing the quotient into the tensor rounds it. A lookup
 * per element instead of a subtraction and a division: the same bits, at a third of the cost.
 */
const tables = new WeakMap<Preprocess, readonly [Float32Array, Float32Array, Float32Array]>();

function tablesFor(p: Preprocess): readonly [Float32Array, Float32Array, Float32Array] {
  let t = tables.get(p);
  if (!t) {
    const one = (c: 0 | 1 | 2): Float32Array => Float32Array.from({ length: 256 }, (_, v) => (v - p.mean[c]) / p.std[c]);
    t = [one(0), one(1), one(2)];
    tables.set(p, t);
  }
  return t;
}

/** Write one normalised image into the batch tensor at position `slot`. */
export function writeInput(img: RgbImage, p: Preprocess, layout: Layout, out: Float32Array, slot: number): void {
  const n = img.width * img.height;
  const src = img.data;
  const base = slot * n * 3;
  const [t0, t1, t2] = tablesFor(p);
  if (layout === 'NCHW') {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[base + i] = t0[src[j] as number] as number;
      out[base + n + i] = t1[src[j + 1] as number] as number;
      out[base + 2 * n + i] = t2[src[j + 2] as number] as number;
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[base + j] = t0[src[j] as number] as number;
      out[base + j + 1] = t1[src[j + 1] as number] as number;
      out[base + j + 2] = t2[src[j + 2] as number] as number;
    }
  }
}
