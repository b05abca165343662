// Failures inside ONNX Runtime never abort the process. The inference worker used to be
// terminated while a batch was still running natively when the run failed on the batch before
// (NaN activations, a wrong layer), and the binding then threw a C++ Napi::Error out of the dying
// thread: "terminate called after throwing an instance of 'Napi::Error'", exit 134, the lock and a
// "running" run.json left behind, depending on timing. Every bad-model case here runs through the
// real CLI, repeatedly and two at a time (the timing varies from run to run), and must end every
// time with its exit code, exactly one `netdissect: error:` line, no lock and no "running" state.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import { Random } from '../../src/util/random.js';
import { runCliToEnd } from '../helpers/child.js';
import { buildModel, type Initializer } from '../helpers/onnx-builder.js';
import { nonFiniteModel } from '../helpers/small-models.js';

const SIZE = 64;
/** Runs of each case (NETDISSECT_STRESS_ROUNDS overrides), two processes at a time. */
const ROUNDS = Number(process.env['NETDISSECT_STRESS_ROUNDS'] ?? 4);
const CONCURRENCY = 2;

function weights(name: string, dims: readonly number[], seed: number): Initializer {
  const rng = new Random(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.gaussian() / Math.sqrt(n / dims[0]!);
  return { name, dims, values };
}

const conv1 = { op: 'Conv', inputs: ['image', 'W1'], outputs: ['conv1'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } };

/**
 * 'mixed' = conv1 + C[int(100 · max(conv1))]: the probe's zero images index C[0], real photos
 * index far past C's 4 entries, so ONNX Runtime's Gather fails in the middle of the forward pass.
 */
function failsMidRunModel(): Uint8Array {
  return buildModel({
    nodes: [
      conv1,
      { op: 'Mul', inputs: ['conv1', 'hundred'], outputs: ['scaled'] },
      { op: 'ReduceMax', inputs: ['scaled'], outputs: ['peak'] },
      { op: 'Cast', inputs: ['peak'], outputs: ['index'], intAttrs: { to: 7 } },
      { op: 'Gather', inputs: ['table', 'index'], outputs: ['offset'] },
      { op: 'Add', inputs: ['conv1', 'offset'], outputs: ['mixed'] },
    ],
    inputs: [{ name: 'image', dims: ['N', 3, SIZE, SIZE] }],
    outputs: [{ name: 'mixed', dims: ['N', 16, SIZE / 4, SIZE / 4] }],
    initializers: [
      weights('W1', [16, 3, 4, 4], 7),
      { name: 'hundred', dims: [1], values: new Float32Array([100]) },
      { name: 'table', dims: [4], values: new Float32Array([0, 1, 2, 3]) },
    ],
  });
}

/** conv1, then an operator no ONNX Runtime has: the session cannot be created. */
function unloadableModel(): Uint8Array {
  return buildModel({
    // The unknown op feeds the layer: the forward pass runs the model cut after the layer, so a
    // broken op after it would (rightly) not matter.
    nodes: [{ op: 'NetDissectNoSuchOp', inputs: ['image'], outputs: ['strange'] }, { ...conv1, inputs: ['strange', 'W1'] }],
    inputs: [{ name: 'image', dims: ['N', 3, SIZE, SIZE] }],
    outputs: [{ name: 'conv1', dims: ['N', 16, SIZE / 4, SIZE / 4] }],
    initializers: [weights('W1', [16, 3, 4, 4], 7)],
  });
}

/** conv1 on an image of any size: a 4×4 kernel does not fit an --input-size of 2×2. */
function dynamicSizeModel(): Uint8Array {
  return buildModel({
    nodes: [conv1],
    inputs: [{ name: 'image', dims: ['N', 3, 'H', 'W'] }],
    outputs: [{ name: 'conv1', dims: ['N', 16, 'h', 'w'] }],
    initializers: [weights('W1', [16, 3, 4, 4], 7)],
  });
}

/** conv1 from weights computed by Mul (as a quantised export's DequantizeLinear does). */
function computedWeightModel(): Uint8Array {
  return buildModel({
    nodes: [
      { op: 'Mul', inputs: ['W1raw', 'scale'], outputs: ['w0'] },
      { op: 'Conv', inputs: ['image', 'w0'], outputs: ['conv1'], intsAttrs: { kernel_shape: [4, 4], strides: [4, 4] } },
    ],
    inputs: [{ name: 'image', dims: ['N', 3, SIZE, SIZE] }],
    outputs: [{ name: 'conv1', dims: ['N', 16, SIZE / 4, SIZE / 4] }],
    initializers: [weights('W1raw', [16, 3, 4, 4], 7), { name: 'scale', dims: [1], values: new Float32Array([0.5]) }],
  });
}

interface Case {
  readonly name: string;
  /** The model's file name in the test folder. */
  readonly file: string;
  readonly model: () => Uint8Array;
  readonly layer: string;
  readonly extra?: readonly string[];
  readonly code: number;
  readonly message: RegExp;
  /** Whether the run directory exists by the time it fails (then run.json must say failed). */
  readonly runDir: boolean;
}

const CASES: readonly Case[] = [
  { name: 'NaN activations', file: 'nan.onnx', model: () => nonFiniteModel(SIZE, 'Log'), layer: 'bad', code: 1, runDir: true, message: /layer 'bad' unit \d+ has NaN or infinite activations on image / },
  { name: 'infinite activations', file: 'inf.onnx', model: () => nonFiniteModel(SIZE, 'Div'), layer: 'bad', code: 1, runDir: true, message: /layer 'bad' unit \d+ has NaN or infinite activations on image / },
  { name: 'a session failing mid-run', file: 'mid-run.onnx', model: failsMidRunModel, layer: 'mixed', code: 1, runDir: true, message: /mid-run\.onnx: ONNX Runtime failed on a batch of shape \[4,3,64,64\]: .*Gather/ },
  { name: 'a model ONNX Runtime cannot load', file: 'unloadable.onnx', model: unloadableModel, layer: 'conv1', code: 1, runDir: false, message: /unloadable\.onnx: ONNX Runtime cannot load the model: / },
  { name: 'an input size the model does not fit', file: 'dynamic.onnx', model: dynamicSizeModel, layer: 'conv1', extra: ['--input-size', '2,2'], code: 1, runDir: false, message: /dynamic\.onnx: ONNX Runtime failed on a batch of shape \[2,3,2,2\]: / },
  { name: 'a weight asked for as a layer', file: 'computed-weight.onnx', model: computedWeightModel, layer: 'w0', code: 2, runDir: false, message: /computed-weight\.onnx: 'w0' is a weight \(a constant computed from initializers by Mul\), not an activation of the image; `netdissect layers` lists the activations/ },
];

describe('no native aborts: ONNX Runtime failures end cleanly, every time (real CLI, concurrent)', () => {
  let tmp = '';
  let dataset = '';
  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-abort-'));
    dataset = path.join(tmp, 'dataset');
    // Enough images for several batches of 4, so a batch is always running when one fails.
    await generateSyntheticBroden({ images: 24, seed: 3, size: SIZE, format: 'jpeg', out: dataset });
    for (const c of CASES) writeFileSync(path.join(tmp, c.file), c.model());
  });
  after(() => {
    if (!process.env['KEEP']) rmSync(tmp, { recursive: true, force: true });
  });

  it(`every case, ${ROUNDS} times each, ${CONCURRENCY} processes at a time, exits with its code and one error line`, async () => {
    const jobs = CASES.flatMap((c) => Array.from({ length: ROUNDS }, (_, round) => ({ c, round })));
    const failures: string[] = [];
    let next = 0;
    const runner = async (): Promise<void> => {
      for (let j = next++; j < jobs.length; j = next++) {
        const { c, round } = jobs[j]!;
        const out = path.join(tmp, `run-${j}`);
        const r = await runCliToEnd([
          'dissect', '--quiet', '--model', path.join(tmp, c.file), '--dataset', dataset, '--layer', c.layer,
          '--out', out, '--preprocess', 'mobilenet', '--batch', '4', ...(c.extra ?? []),
        ]);
        const where = `${c.name}, run ${round + 1}`;
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        if (r.code !== c.code) failures.push(`${where}: exit ${r.code ?? `by signal ${r.signal}`}, expected ${c.code}:\n${r.stderr}`);
        else if (lines.length !== 1 || !lines[0]!.startsWith('netdissect: error: ') || !c.message.test(lines[0]!)) failures.push(`${where}: stderr is not the one expected line:\n${r.stderr}`);
        else if (existsSync(path.join(out, '.lock'))) failures.push(`${where}: the lock was left behind`);
        else if (c.runDir) {
          const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { state: string; error?: string };
          if (run.state !== 'failed') failures.push(`${where}: run.json says '${run.state}', expected 'failed'`);
          else if (!lines[0]!.endsWith(run.error ?? '\0')) failures.push(`${where}: run.json's error differs from stderr: ${run.error}`);
        } else if (existsSync(out)) failures.push(`${where}: a run directory was created for a run refused before it starts`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, runner));
    assert.deepEqual(failures, [], failures.join('\n\n'));
  });
});
