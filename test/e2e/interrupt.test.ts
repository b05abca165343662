// Ctrl-C (SIGINT) and SIGTERM on a running dissect, through the real CLI: the run checkpoints
// what is done, releases its lock, marks run.json `interrupted`, says where it stopped and exits
// 130; the same command resumes from there and writes the uninterrupted run's bytes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { readOutputs, runCliToEnd, startCli, waitUntil } from '../helpers/child.js';
import { twoConvModel } from '../helpers/small-models.js';

const LAYERS = ['relu1', 'conv2'];

describe('dissect stopped by a signal (real CLI)', () => {
  let tmp = '';
  let dataset = '';
  let model = '';
  let reference = new Map<string, Buffer>();
  const args = (out: string): string[] => ['dissect', '--model', model, '--dataset', dataset, '--layer', LAYERS.join(','), '--out', out,
    '--preprocess', 'mobilenet', '--batch', '4', '--top-k', '3', '--count-workers', '1'];

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-interrupt-'));
    dataset = path.join(tmp, 'synthetic');
    await generateSyntheticBroden({ images: 400, out: dataset, seed: 3, size: 64, format: 'jpeg' });
    model = path.join(tmp, 'two-conv.onnx');
    writeFileSync(model, twoConvModel(64));
    const out = path.join(tmp, 'reference');
    const r = await runCliToEnd([...args(out), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    reference = readOutputs(out, LAYERS);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: checkpoint, lock released, run.json interrupted, exit 130; the rerun resumes`, async () => {
      const out = path.join(tmp, signal);
      const run = startCli(args(out));
      // Progress lines go to stderr as the forward pass advances: stop it in the middle.
      assert.ok(await waitUntil(run, () => /forward pass: \d+\/\d+ \([1-9]\d?%\)/.test(run.stderr()), 5), `no progress before the end:\n${run.stderr()}`);
      run.child.kill(signal);
      const r = await run.result;
      assert.equal(r.code, 130, r.stderr);
      const m = /interrupted at (\d+) of (\d+) images; rerun the same command to resume/.exec(r.stderr);
      assert.ok(m, r.stderr);
      assert.ok(Number(m[1]) > 0 && Number(m[1]) < Number(m[2]), `stopped in the middle: ${m[0]}`);
      const manifest = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
      assert.equal(manifest.state, 'interrupted');
      assert.ok(!existsSync(path.join(out, '.lock')), 'the lock is released');
      assert.ok(!existsSync(path.join(out, 'relu1', 'tally.csv')), 'no outputs');

      const again = await runCliToEnd(args(out));
      assert.equal(again.code, 0, again.stderr);
      const resumed = /resuming .* from its checkpoint: (\d+) of \d+ images/.exec(again.stderr);
      assert.ok(resumed, again.stderr);
      assert.equal(Number(resumed[1]), Number(m[1]), 'the rerun starts where the interrupted run stopped');
      const got = readOutputs(out, LAYERS);
      for (const [file, bytes] of reference) assert.ok(bytes.equals(got.get(file)!), `${file} differs from the uninterrupted run`);
    });
  }
});
