// A dataset whose labels are known exactly and a model whose units detect known colours, built
// in the test: 40 grey 32×32 images with a red, a green and a blue square; a 4×4 stride-4
// convolution whose units 1-3 compute "channel c minus the other two" and unit 4 is dead.
import { buildModel } from './onnx-builder.js';
import { type FixtureImage } from './broden-fixture.js';
import { Random } from '../../src/util/random.js';

export const COLORS = [[220, 30, 30], [30, 200, 40], [30, 40, 220]] as const; // red, green, blue squares
export const LABELS = [
  { number: 1, name: 'red-c', coverage: { color: 1 } },
  { number: 2, name: 'green-c', coverage: { color: 1 } },
  { number: 3, name: 'blue-c', coverage: { color: 1 } },
  { number: 4, name: 'grey-c', coverage: { color: 1 } },
  { number: 300, name: 'apple', coverage: { object: 1 } }, // > 255: stored in the green channel
  { number: 301, name: 'leaf', coverage: { object: 1 } },
  { number: 302, name: 'sea', coverage: { object: 1 } },
];

/** 40 images of 32×32: grey, with a red, a green and a blue square in shuffled quadrants. */
export function colourImages(): FixtureImage[] {
  const rng = new Random(11);
  const out: FixtureImage[] = [];
  for (let n = 0; n < 40; n++) {
    const rgb = new Uint8Array(32 * 32 * 3).fill(128);
    const color = new Uint16Array(16 * 16).fill(4);
    const object = new Uint16Array(16 * 16);
    const quadrants = [0, 1, 2, 3].sort(() => rng.next() - 0.5);
    const squares = [0, 1, 2].map((c) => {
      const q = quadrants[c]!;
      const size = 2 * rng.int(4, 7); // 8..12 pixels, even so labels align at half resolution
      const y0 = (q >> 1) * 16 + 2 * rng.int(0, (16 - size) / 2 + 1);
      const x0 = (q & 1) * 16 + 2 * rng.int(0, (16 - size) / 2 + 1);
      return { c, size, y0, x0 };
    });
    for (const { c, size, y0, x0 } of squares) {
      for (let y = y0; y < y0 + size; y++) {
        for (let x = x0; x < x0 + size; x++) rgb.set(COLORS[c]!, (y * 32 + x) * 3);
      }
      for (let y = y0 / 2; y < (y0 + size) / 2; y++) {
        for (let x = x0 / 2; x < (x0 + size) / 2; x++) {
          color[y * 16 + x] = c + 1;
          object[y * 16 + x] = 300 + c;
        }
      }
    }
    // Pixel noise, so that activations are not all equal (equal maxima would saturate).
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, (rgb[i] as number) + rng.int(-25, 26)));
    out.push({ file: `synth/img${n}.png`, rgb, pixel: { color: [color], object: [object] } });
  }
  return out;
}

/** Conv 4×4 stride 4: unit c = mean(channel c) − mean(other two)/2; unit 4 is all zeros. */
export function colourModel(): Uint8Array {
  const w = new Float32Array(4 * 3 * 4 * 4);
  for (let u = 0; u < 3; u++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = (ch === u ? 1 : -0.5) / 16;
      for (let i = 0; i < 16; i++) w[((u * 3 + ch) * 16) + i] = v;
    }
  }
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'W'], outputs: ['units'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } },
      { op: 'Relu', inputs: ['units'], outputs: ['relu_units'] },
    ],
    inputs: [{ name: 'image', dims: ['N', 3, 32, 32] }],
    outputs: [{ name: 'relu_units', dims: ['N', 4, 8, 8] }],
    initializers: [{ name: 'W', dims: [4, 3, 4, 4], values: w }],
  });
}

