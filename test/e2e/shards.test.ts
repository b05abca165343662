// One code path whose single-process case is N = 1: a run split into shards (random boundaries,
// partials merged in random orders, in this process or in local worker processes) writes the same
// bytes as the single-shard run: tally.csv, thresholds.csv, intersection.csv, activation.csv,
// results.json and labels.csv. On a 1,000-image synthetic set with a small model, and on the
// parity fixture with the real MobileNetV2.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import { PRESETS } from '../../src/model/preprocess.js';
import { dissect, layerDirName, type DissectSettings } from '../../src/run/dissect.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { Random } from '../../src/util/random.js';
import { readOutputs, runCliToEnd } from '../helpers/child.js';
import { MOBILENET, PARITY, sharedMissing } from '../helpers/shared.js';
import { twoConvModel } from '../helpers/small-models.js';

const LAYERS = ['relu1', 'conv2'];
const DIRS = LAYERS.map(layerDirName);

/** Random strictly increasing cuts inside (0, n). */
function randomCuts(rng: Random, n: number, max: number): number[] {
  const k = 1 + Math.floor(rng.next() * max);
  return [...new Set(Array.from({ length: k }, () => 1 + Math.floor(rng.next() * (n - 1))))].sort((a, b) => a - b);
}

function assertSameOutputs(got: Map<string, Buffer>, want: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [file, bytes] of want) assert.ok(bytes.equals(got.get(file)!), `${what}: ${file} differs from the single-shard run`);
}

describe('sharded runs write the single-process bytes (1,000 synthetic images)', () => {
  let tmp = '';
  let dataset = '';
  let model = '';
  let reference = new Map<string, Buffer>();
  const settings = (out: string, extra: Partial<DissectSettings> = {}): DissectSettings => ({
    model, layers: LAYERS, out, preprocess: { ...PRESETS['mobilenet']!, preset: 'mobilenet' }, batch: 32, topK: 5, restart: true, log: () => {},
    datasetSpec: { dataset, format: 'broden' }, countWorkers: 2, ...extra,
  });

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-shards-'));
    dataset = path.join(tmp, 'synthetic');
    await generateSyntheticBroden({ images: 1000, out: dataset, seed: 5, size: 64, format: 'jpeg' });
    model = path.join(tmp, 'two-conv.onnx');
    writeFileSync(model, twoConvModel(64));
    const out = path.join(tmp, 'single');
    await dissect(await openBroden(dataset), settings(out));
    reference = readOutputs(out, DIRS);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('random shard boundaries, partials merged in random orders, in this process', async () => {
    const rng = new Random(2024);
    const ds = await openBroden(dataset);
    for (let trial = 0; trial < 3; trial++) {
      const cuts = randomCuts(rng, ds.images.length, 9);
      const out = path.join(tmp, `cuts-${trial}`);
      await dissect(ds, settings(out, { testing: { cuts, mergeSeed: trial * 7 + 1 }, countWorkers: trial === 0 ? 1 : 2 }));
      assertSameOutputs(readOutputs(out, DIRS), reference, `cuts ${cuts.join(',')}, merge seed ${trial * 7 + 1}`);
      assert.ok(!existsSync(path.join(out, '.cache')), 'the scratch folder is removed at the end');
    }
  });

  it('--shards 5 on 2 local worker processes (real CLI)', async () => {
    const out = path.join(tmp, 'processes');
    const r = await runCliToEnd(['dissect', '--model', model, '--dataset', dataset, '--layer', LAYERS.join(','), '--out', out,
      '--preprocess', 'mobilenet', '--batch', '32', '--top-k', '5', '--shards', '5', '--processes', '2', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shards: 5 on 2 local worker processes/);
    assertSameOutputs(readOutputs(out, DIRS), reference, '--shards 5 --processes 2');
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
    assert.equal(run.state, 'complete');
    assert.equal(run.settings.shards, 5);
    assert.ok(!existsSync(path.join(out, '.cache')));
  });

  it('a worker process that fails names the shard, marks the run failed and leaves no outputs', async () => {
    const out = path.join(tmp, 'broken');
    const broken = path.join(tmp, 'broken-dataset');
    await generateSyntheticBroden({ images: 60, out: broken, seed: 6, size: 64, format: 'jpeg' });
    // The 50th image's photo is garbage: the shard that holds it fails (no --skip-bad-images).
    const index = readFileSync(path.join(broken, 'index.csv'), 'utf8').split('\n')[50]!.split(',')[0]!;
    writeFileSync(path.join(broken, 'images', index), 'not a jpeg');
    const r = await runCliToEnd(['dissect', '--model', model, '--dataset', broken, '--layer', 'relu1', '--out', out,
      '--preprocess', 'mobilenet', '--shards', '3', '--processes', '2', '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(index.replace(/[.]/g, '\\.')));
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunManifest;
    assert.equal(run.state, 'failed');
    assert.ok(!existsSync(path.join(out, 'relu1', 'tally.csv')));
    assert.ok(!existsSync(path.join(out, '.lock')));
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.csv')), []);
  });
});

const missing = sharedMissing(path.join(PARITY, 'dataset', 'index.csv')) ?? sharedMissing(MOBILENET);

describe('sharded parity run (MobileNetV2, 120 images)', { skip: missing ?? false }, () => {
  let tmp = '';
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nd-shards-parity-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('random shards merged in a random order give the single-shard bytes', async () => {
    const layers = ['Conv_1', 'expanded_conv_12'];
    const base: DissectSettings = {
      model: MOBILENET, layers, out: '', preprocess: { ...PRESETS['mobilenet']!, preset: 'mobilenet' }, topK: 5, threads: 1, restart: true, log: () => {},
      countWorkers: 1,
    };
    const ds = await openBroden(path.join(PARITY, 'dataset'));
    const single = path.join(tmp, 'single');
    await dissect(ds, { ...base, out: single });
    const sharded = path.join(tmp, 'sharded');
    await dissect(ds, { ...base, out: sharded, testing: { cuts: [17, 64, 100], mergeSeed: 3 } });
    assertSameOutputs(readOutputs(sharded, layers), readOutputs(single, layers), 'parity fixture, cuts 17,64,100');
  });
});
