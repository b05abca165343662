import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extraOutputsFragment, parseGraph, withExtraOutputs } from '../../src/model/onnx-proto.js';
import { ModelError } from '../../src/util/errors.js';
import { buildModel } from '../helpers/onnx-builder.js';

const model = buildModel({
  nodes: [
    { op: 'Conv', inputs: ['x', 'W'], outputs: ['conv'], intsAttrs: { kernel_shape: [1, 1] } },
    { op: 'Relu', inputs: ['conv'], outputs: ['y'] },
  ],
  inputs: [{ name: 'x', dims: ['N', 3, 8, 8] }, { name: 'W', dims: [2, 3, 1, 1] }],
  outputs: [{ name: 'y', dims: ['N', 2, 8, 8] }],
  initializers: [{ name: 'W', dims: [2, 3, 1, 1], values: new Float32Array(6) }],
});

describe('parseGraph', () => {
  it('lists nodes, outputs and the non-initializer inputs with their shapes', () => {
    const g = parseGraph(model, 'm.onnx');
    assert.deepEqual(g.nodes.map((n) => [n.opType, n.inputs, n.outputs]), [['Conv', ['x', 'W'], ['conv']], ['Relu', ['conv'], ['y']]]);
    assert.deepEqual(g.inputs.map((i) => [i.name, i.elemType, i.dims]), [['x', 1, ['N', 3, 8, 8]]]);
    assert.deepEqual(g.outputs.map((o) => o.name), ['y']);
    assert.deepEqual([...g.initializers], ['W']);
  });
  it('rejects bytes that are not ONNX with a ModelError naming the file', () => {
    assert.throws(() => parseGraph(new TextEncoder().encode('hello, this is text'), 'notes.txt'), (e: Error) => e instanceof ModelError && /notes\.txt: not an ONNX model/.test(e.message));
  });
});

describe('withExtraOutputs', () => {
  it('appends outputs without touching the original bytes', () => {
    const bytes = withExtraOutputs(model, ['conv']);
    assert.deepEqual(bytes.subarray(0, model.length), model);
    assert.deepEqual(parseGraph(bytes, 'm.onnx').outputs.map((o) => o.name), ['y', 'conv']);
    assert.deepEqual(bytes.subarray(model.length), extraOutputsFragment(['conv']));
    assert.equal(extraOutputsFragment([]).length, 0);
  });
});
