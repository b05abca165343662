// Small ONNX models for whole-CLI tests: fast enough to run dozens of times, with seeded weights
// so every run of a test sees the same network. Also the bad models of the error catalogue.
import { Random } from '../../src/util/random.js';
import { buildModel, type Initializer } from './onnx-builder.js';

function weights(name: string, dims: readonly number[], seed: number): Initializer {
  const rng = new Random(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const fanIn = n / dims[0]!;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.gaussian() / Math.sqrt(fanIn);
  return { name, dims, values };
}

/**
 * Two convolutions on a [N,3,size,size] image: 'relu1' [16, size/4, size/4] (conv 4×4 stride 4,
 * ReLU) and 'conv2' [32, size/8, size/8] (conv 2×2 stride 2, no activation). `size` must be a
 * multiple of 8.
 */
export function twoConvModel(size: number, seed = 7): Uint8Array {
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'W1'], outputs: ['conv1'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } },
      { op: 'Relu', inputs: ['conv1'], outputs: ['relu1'] },
      { op: 'Conv', inputs: ['relu1', 'W2'], outputs: ['conv2'], intsAttrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Flatten', inputs: ['conv2'], outputs: ['flat'] },
    ],
    inputs: [{ name: 'image', dims: ['N', 3, size, size] }],
    outputs: [{ name: 'flat', dims: ['N', 32 * (size / 8) ** 2] }],
    initializers: [weights('W1', [16, 3, 4, 4], seed), weights('W2', [32, 16, 2, 2], seed + 1)],
  });
}

/** conv1 followed by `op` with a constant, e.g. Log(conv1 − 1000) = NaN or Div(conv1, 0) = ±Inf. */
export function nonFiniteModel(size: number, op: 'Log' | 'Div'): Uint8Array {
  const nodes = op === 'Log'
    ? [{ op: 'Sub', inputs: ['conv1', 'C'], outputs: ['shifted'] }, { op: 'Log', inputs: ['shifted'], outputs: ['bad'] }]
    : [{ op: 'Div', inputs: ['conv1', 'C'], outputs: ['bad'] }];
  return buildModel({
    nodes: [{ op: 'Conv', inputs: ['image', 'W1'], outputs: ['conv1'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } }, ...nodes],
    inputs: [{ name: 'image', dims: ['N', 3, size, size] }],
    outputs: [{ name: 'bad', dims: ['N', 16, size / 4, size / 4] }],
    initializers: [weights('W1', [16, 3, 4, 4], 7), { name: 'C', dims: [1], values: new Float32Array([op === 'Log' ? 1000 : 0]) }],
  });
}

/** An image input plus a second input [N,10]. */
export function twoInputModel(size: number): Uint8Array {
  return buildModel({
    nodes: [{ op: 'Conv', inputs: ['image', 'W1'], outputs: ['conv1'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } }],
    inputs: [{ name: 'image', dims: ['N', 3, size, size] }, { name: 'extra', dims: ['N', 10] }],
    outputs: [{ name: 'conv1', dims: ['N', 16, size / 4, size / 4] }],
    initializers: [weights('W1', [16, 3, 4, 4], 7)],
  });
}

/** A model whose only input is a vector [N,10], not an image. */
export function vectorInputModel(): Uint8Array {
  return buildModel({
    nodes: [{ op: 'Relu', inputs: ['features'], outputs: ['out'] }],
    inputs: [{ name: 'features', dims: ['N', 10] }],
    outputs: [{ name: 'out', dims: ['N', 10] }],
    initializers: [],
  });
}
