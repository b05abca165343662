// InferenceWorker: closing while a batch is in flight waits for it. Terminating the worker while
// ONNX Runtime runs a batch aborted the whole process ("terminate called after throwing an
// instance of 'Napi::Error'"), which is what a dissect failing on one batch while the next one is
// prefetched does (test/e2e/bad-inputs.test.ts, NaN activations).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InferenceWorker } from '../../src/model/inference.js';
import { withExtraOutputs } from '../../src/model/onnx-proto.js';
import { twoConvModel } from '../helpers/small-models.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('InferenceWorker.close', () => {
  let tmp = '';
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nd-inference-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('lets the batch in flight finish: its promise settles with the outputs', async () => {
    const w = await InferenceWorker.start(withExtraOutputs(twoConvModel(64), ['relu1']), 'two-conv.onnx', 'image', ['relu1'], 1);
    const run = w.run(new Float32Array(8 * 3 * 64 * 64).fill(1), [8, 3, 64, 64]);
    let settled: 'resolved' | 'rejected' | null = null;
    run.then(() => { settled = 'resolved'; }, () => { settled = 'rejected'; });
    await w.close();
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, 'resolved');
    assert.deepEqual((await run)['relu1']!.dims, [8, 16, 16, 16]);
  });

  it('closing right after a run starts, many times over, never aborts the process', () => {
    // In a child: an abort there is an exit by signal, not a crash of this test runner.
    const code = `
      const { InferenceWorker } = await import(${JSON.stringify(pathToFileURL(path.join(DIST, 'src/model/inference.js')).href)});
      const { nonFiniteModel } = await import(${JSON.stringify(pathToFileURL(path.join(DIST, 'test/helpers/small-models.js')).href)});
      const bytes = nonFiniteModel(64, 'Log');
      for (let i = 0; i < 20; i++) {
        const w = await InferenceWorker.start(bytes, 'nan.onnx', 'image', ['bad'], 2);
        const p = w.run(new Float32Array(4 * 3 * 64 * 64).fill(-1), [4, 3, 64, 64]);
        p.catch(() => {});
        await new Promise((r) => setTimeout(r, i % 4));
        await w.close();
      }
      console.log('closed 20 times');`;
    const script = path.join(tmp, 'close-in-flight.mjs');
    writeFileSync(script, code);
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(r.signal, null, `the process was aborted:\n${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'closed 20 times');
  });
});

describe('InferenceWorker buffer reuse', () => {
  it('outputs copied into recycled buffers and inputs handed back hold each batch\'s own values', async () => {
    const w = await InferenceWorker.start(withExtraOutputs(twoConvModel(32), ['relu1']), 'two-conv.onnx', 'image', ['relu1'], 1);
    try {
      const batch = (fill: number): Float32Array => w.takeInput(2 * 3 * 32 * 32).fill(fill);
      // Reference outputs, each from a fresh worker-side buffer.
      const first = await w.run(batch(1), [2, 3, 32, 32]);
      const ones = Float32Array.from(first['relu1']!.data);
      const second = await w.run(batch(-2), [2, 3, 32, 32]);
      const minusTwos = Float32Array.from(second['relu1']!.data);
      assert.notDeepEqual([...ones], [...minusTwos]);
      // The inputs came back: the second batch was written into the first one's buffer, and
      // takeInput now hands that buffer out again (its old contents: the caller overwrites them).
      const reused = w.takeInput(2 * 3 * 32 * 32);
      assert.equal(reused[0], -2, 'the handed-back input of the second batch');
      assert.equal(w.takeInput(5).length, 5, 'another size gets a new buffer');
      // Recycled output buffers are overwritten with the next batch's values.
      w.recycle(first);
      w.recycle(second);
      assert.equal(first['relu1']!.data.length, 0, 'recycled buffers are transferred away');
      const again = await w.run(reused.fill(-2), [2, 3, 32, 32]);
      assert.deepEqual([...again['relu1']!.data], [...minusTwos]);
      const againOnes = await w.run(batch(1), [2, 3, 32, 32]);
      assert.deepEqual([...againOnes['relu1']!.data], [...ones]);
    } finally {
      await w.close();
    }
  });
});
