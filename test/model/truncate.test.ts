import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { parseGraph, withExtraOutputs } from '../../src/model/onnx-proto.js';
import { truncateAfter } from '../../src/model/truncate.js';
import { ModelError } from '../../src/util/errors.js';
import { twoConvModel } from '../helpers/small-models.js';
import { Random } from '../../src/util/random.js';

async function run(model: Uint8Array, output: string, input: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model);
  try {
    const out = await s.run({ image: new ort.Tensor('float32', input, [2, 3, 16, 16]) }, [output]);
    return new Float32Array(out[output]!.data as Float32Array);
  } finally {
    await s.release();
  }
}

describe('truncateAfter', () => {
  const full = twoConvModel(16);
  const rnd = new Random(1);
  const input = Float32Array.from({ length: 2 * 3 * 16 * 16 }, () => rnd.next() - 0.5);

  it('keeps only the nodes and weights the layer needs, with the layer as the output', () => {
    const cut = truncateAfter(full, ['relu1'], 'two-conv.onnx');
    const g = parseGraph(cut, 'cut');
    assert.deepEqual(g.nodes.map((n) => n.outputs[0]), ['conv1', 'relu1']);
    assert.deepEqual(g.outputs.map((o) => o.name), ['relu1']);
    // W2 (32·16·2·2 floats = 8 KiB) is gone; W1 (16·3·4·4 floats) stays.
    assert.ok(cut.length < full.length - 32 * 16 * 2 * 2 * 4 + 200, `${cut.length} vs ${full.length}`);
  });

  it('computes the layer bit for bit as the whole model with the layer exposed', async () => {
    const want = await run(withExtraOutputs(full, ['relu1']), 'relu1', input);
    const got = await run(truncateAfter(full, ['relu1'], 'two-conv.onnx'), 'relu1', input);
    assert.deepEqual(got, want);
  });

  it('keeps what every requested layer needs', () => {
    const g = parseGraph(truncateAfter(full, ['relu1', 'conv2'], 'two-conv.onnx'), 'cut');
    assert.deepEqual(g.nodes.map((n) => n.outputs[0]), ['conv1', 'relu1', 'conv2']);
    assert.deepEqual(g.outputs.map((o) => o.name), ['relu1', 'conv2']);
  });

  it('reads outputs appended as fragments (withExtraOutputs) and replaces them', () => {
    const g = parseGraph(truncateAfter(withExtraOutputs(full, ['conv2']), ['conv1'], 'm.onnx'), 'cut');
    assert.deepEqual(g.outputs.map((o) => o.name), ['conv1']);
    assert.deepEqual(g.nodes.map((n) => n.outputs[0]), ['conv1']);
  });

  it('refuses a layer that no node produces, naming it', () => {
    assert.throws(() => truncateAfter(full, ['W1'], 'two-conv.onnx'), (e: unknown) => e instanceof ModelError && /two-conv\.onnx: no node produces 'W1'/.test(e.message));
  });
});
