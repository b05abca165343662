import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkLayerNames, listLayers, loadModel, openLayerSession, resolveLayers, type LoadedModel } from '../../src/model/model.js';
import { InferenceWorker } from '../../src/model/inference.js';
import { withExtraOutputs } from '../../src/model/onnx-proto.js';
import { ModelError, UsageError } from '../../src/util/errors.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { twoConvModel } from '../helpers/small-models.js';

const MOBILENET = path.resolve('models', 'mobilenet_v2_imagenet.onnx');
const SIZE = 32;

/** twoConvModel plus a weight computed by Mul and a Constant node, neither fed by the image. */
function withComputedWeights(): Uint8Array {
  const w = new Float32Array(16 * 3 * 4 * 4).map((_, i) => ((i % 7) - 3) / 10);
  return buildModel({
    nodes: [
      { op: 'Mul', inputs: ['Wraw', 'scale'], outputs: ['w0'] },
      { op: 'Constant', inputs: [], outputs: ['k'] },
      { op: 'Conv', inputs: ['image', 'w0'], outputs: ['conv1'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } },
      { op: 'Relu', inputs: ['conv1'], outputs: ['relu1'] },
    ],
    inputs: [{ name: 'image', dims: ['N', 3, SIZE, SIZE] }],
    outputs: [{ name: 'relu1', dims: ['N', 16, SIZE / 4, SIZE / 4] }],
    initializers: [{ name: 'Wraw', dims: [16, 3, 4, 4], values: w }, { name: 'scale', dims: [1], values: new Float32Array([0.5]) }],
  });
}

/** A model whose input batch is fixed at 1. */
function fixedBatchModel(): Uint8Array {
  return buildModel({
    nodes: [{ op: 'Relu', inputs: ['image'], outputs: ['r'] }],
    inputs: [{ name: 'image', dims: [1, 3, SIZE, SIZE] }],
    outputs: [{ name: 'r', dims: [1, 3, SIZE, SIZE] }],
    initializers: [],
  });
}

describe('model', () => {
  let tmp = '';
  let twoConv = '';
  let computed = '';
  let fixed = '';
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-model-'));
    twoConv = path.join(tmp, 'two-conv.onnx');
    computed = path.join(tmp, 'computed.onnx');
    fixed = path.join(tmp, 'fixed.onnx');
    writeFileSync(twoConv, twoConvModel(SIZE));
    writeFileSync(computed, withComputedWeights());
    writeFileSync(fixed, fixedBatchModel());
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('loadModel', () => {
    it('holds the file bytes once, hashes the file, and finds the activations', async () => {
      const m = await loadModel(twoConv);
      const file = readFileSync(twoConv);
      assert.deepEqual(Buffer.from(m.bytes), file);
      assert.equal(await m.sha256, createHash('sha256').update(file).digest('hex'));
      assert.deepEqual(m.activations, ['conv1', 'relu1', 'conv2', 'flat']);
      assert.equal(m.inputBatch, null);
      assert.equal((await loadModel(fixed)).inputBatch, 1);
    });
    it('leaves weights and tensors computed from them out of the activations', async () => {
      const m = await loadModel(computed);
      assert.deepEqual(m.activations, ['conv1', 'relu1']);
    });
    it('names the file when it cannot be read', async () => {
      await assert.rejects(loadModel(path.join(tmp, 'absent.onnx')), (e: Error) => e instanceof ModelError && /absent\.onnx: cannot read the model: ENOENT/.test(e.message));
    });
  });

  describe('checkLayerNames', () => {
    const cases: readonly [string, RegExp][] = [
      ['relu', /no tensor named 'relu'; did you mean 'relu1'\? Run 'netdissect layers --model .*' to list the activations\./],
      ['image', /'image' is the model's input image, not an activation of a layer; `netdissect layers` lists the activations\./],
      ['Wraw', /'Wraw' is a weight \(an initializer of the model\), not an activation of the image/],
      ['w0', /'w0' is a weight \(a constant computed from initializers by Mul\), not an activation of the image; `netdissect layers` lists the activations\./],
      ['k', /'k' is a constant \(the output of a Constant node\), not an activation of the image/],
    ];
    let m: LoadedModel;
    before(async () => { m = await loadModel(computed); });
    for (const [name, message] of cases) {
      it(`refuses '${name}' as a usage error`, () => {
        assert.throws(() => checkLayerNames(m, ['relu1', name]), (e: Error) => e instanceof UsageError && e.exitCode === 2 && message.test(e.message) && e.message.startsWith(`${computed}: `));
      });
    }
    it('accepts activations', () => checkLayerNames(m, ['conv1', 'relu1']));
  });

  describe('listLayers', () => {
    it('lists per-image 4-D activations with their full shapes, not the flattened output', async () => {
      const layers = await listLayers(await loadModel(twoConv), [SIZE, SIZE]);
      assert.deepEqual(layers, [
        { name: 'conv1', op: 'Conv', shape: [16, 8, 8] },
        { name: 'relu1', op: 'Relu', shape: [16, 8, 8] },
        { name: 'conv2', op: 'Conv', shape: [32, 4, 4] },
      ]);
    });
    it('lists no weight of the embedded (quantised) MobileNetV2', async () => {
      const m = await loadModel(MOBILENET);
      const layers = await listLayers(m, [224, 224]);
      assert.equal(layers.filter((l) => l.op === 'DequantizeLinear' || /^w\d+$/.test(l.name)).length, 0);
      assert.deepEqual(layers[0], { name: 't56_pre', op: 'Conv', shape: [32, 112, 112] });
      assert.deepEqual(layers.find((l) => l.name === 'Conv_1_preact')?.shape, [1280, 7, 7]);
      assert.equal(layers.length, 118);
    });
  });

  describe('resolveLayers', () => {
    it('refuses a tensor that is not 4-D per image, naming it and its shape', async () => {
      await assert.rejects(resolveLayers(await loadModel(twoConv), ['relu1', 'flat'], [SIZE, SIZE]),
        (e: Error) => e instanceof UsageError && /'flat' is float32 \[N,512\] \(2-D\), not a per-image 4-D activation \[N,units,h,w\]/.test(e.message));
    });
    it('returns shapes for one image', async () => {
      assert.deepEqual(await resolveLayers(await loadModel(twoConv), ['conv2'], [SIZE, SIZE]), [{ name: 'conv2', op: 'Conv', shape: [32, 4, 4] }]);
    });
  });

  describe('openLayerSession', () => {
    it('learns the shapes from the session the forward pass then uses, with the same outputs as a fresh session', async () => {
      const m = await loadModel(twoConv);
      const s = await openLayerSession(m, ['relu1', 'conv2'], [SIZE, SIZE], { threads: 1, batch: 3 });
      const input = new Float32Array(3 * 3 * SIZE * SIZE).map((_, i) => Math.sin(i));
      try {
        assert.deepEqual(s.layers.map((l) => l.shape), [[16, 8, 8], [32, 4, 4]]);
        assert.deepEqual(s.outputNames, ['relu1', 'conv2']);
        const out = await s.worker.run(input.slice(), [3, 3, SIZE, SIZE]);
        const fresh = await InferenceWorker.start(withExtraOutputs(m.bytes, ['relu1', 'conv2']), twoConv, 'image', ['relu1', 'conv2'], 1);
        const ref = await fresh.run(input.slice(), [3, 3, SIZE, SIZE]);
        await fresh.close();
        assert.deepEqual(out['relu1']!.data, ref['relu1']!.data);
        assert.deepEqual(out['conv2']!.data, ref['conv2']!.data);
      } finally {
        await s.worker.close();
      }
      assert.deepEqual(Buffer.from(m.bytes), readFileSync(twoConv), 'the lent buffer came back intact');
    });
    it('fetches appended channel mixes instead of their layers when asked', async () => {
      const m = await loadModel(twoConv);
      const s = await openLayerSession(m, ['conv2'], [SIZE, SIZE], {
        threads: 1,
        mixes: (layers) => layers.map((l) => {
          const c = l.shape[0];
          const w = new Float32Array(c * c);
          for (let i = 0; i < c; i++) w[i * c + (c - 1 - i)] = 1; // reverse the units
          return { input: l.name, output: `${l.name}__rev`, weights: w, channels: c };
        }),
      });
      try {
        assert.deepEqual(s.outputNames, ['conv2__rev']);
        const out = await s.worker.run(new Float32Array(3 * SIZE * SIZE).fill(0.5), [1, 3, SIZE, SIZE]);
        assert.deepEqual(out['conv2__rev']!.dims, [1, 32, 4, 4]);
      } finally {
        await s.worker.close();
      }
    });
    it('refuses a --batch the model does not allow before creating a session', async () => {
      await assert.rejects(openLayerSession(await loadModel(fixed), ['r'], [SIZE, SIZE], { threads: 1, batch: 16 }),
        (e: Error) => e instanceof UsageError && /fixed batch of 1; pass --batch 1/.test(e.message));
    });
  });

  describe('InferenceWorker', () => {
    it('reports a failing batch as a ModelError with ONNX Runtime\'s message, and stays usable', async () => {
      const m = await loadModel(twoConv);
      const w = await InferenceWorker.start(withExtraOutputs(m.bytes, ['relu1']), twoConv, 'image', ['relu1'], 1);
      try {
        await assert.rejects(w.run(new Float32Array(3 * 2 * 2), [1, 3, 2, 2]), (e: Error) => e instanceof ModelError && /two-conv\.onnx: ONNX Runtime failed on a batch of shape \[1,3,2,2\]: Got invalid dimensions for input: image for the following indices; index: 2 Got: 2 Expected: 32; /.test(e.message) && !e.message.includes('\n'));
        const ok = await w.run(new Float32Array(3 * SIZE * SIZE), [1, 3, SIZE, SIZE]);
        assert.deepEqual(ok['relu1']!.dims, [1, 16, 8, 8]);
      } finally {
        await w.close();
      }
    });
    it('closes while batches are in flight: the one running finishes, the rest are refused, nothing is left pending', async () => {
      const m = await loadModel(twoConv);
      const w = await InferenceWorker.start(withExtraOutputs(m.bytes, ['relu1']), twoConv, 'image', ['relu1'], 1);
      const runs = Array.from({ length: 4 }, () => w.run(new Float32Array(8 * 3 * SIZE * SIZE), [8, 3, SIZE, SIZE]));
      await w.close();
      const settled = await Promise.allSettled(runs);
      assert.equal(settled.length, 4);
      await assert.rejects(w.run(new Float32Array(3 * SIZE * SIZE), [1, 3, SIZE, SIZE]), (e: Error) => e instanceof ModelError && /session is closed/.test(e.message));
      await w.close(); // idempotent
    });
    it('says why ONNX Runtime cannot load a model', async () => {
      const bad = buildModel({
        nodes: [{ op: 'NetDissectNoSuchOp', inputs: ['image'], outputs: ['y'] }],
        inputs: [{ name: 'image', dims: ['N', 3, SIZE, SIZE] }],
        outputs: [{ name: 'y', dims: ['N', 3, SIZE, SIZE] }],
        initializers: [],
      });
      await assert.rejects(InferenceWorker.start(bad, 'bad.onnx', 'image', ['y'], 1), (e: Error) => e instanceof ModelError && /^bad\.onnx: ONNX Runtime cannot load the model: .*NetDissectNoSuchOp/.test(e.message));
    });
  });
});
