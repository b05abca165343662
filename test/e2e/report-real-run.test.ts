// The report of a run written by the real pipeline (make-dataset synthetic → dissect → report,
// all through the CLI), so the report keeps reading what dissect actually writes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ReportData } from '../../src/report/report-data.js';
import type { LayerResults } from '../../src/run/results-types.js';

const MODEL = 'models/mobilenet_v2_imagenet.onnx';

function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/netdissect.js', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('report of a real dissection', { skip: existsSync(MODEL) ? false : `${MODEL} not found (run from the repository root)` }, () => {
  let dir: string;
  let runDir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdissect-report-e2e-'));
    runDir = join(dir, 'run');
    const made = await cli(['make-dataset', 'synthetic', '--images', '24', '--out', join(dir, 'ds'), '--quiet']);
    assert.equal(made.code, 0, made.stderr);
    const run = await cli(['dissect', '--model', MODEL, '--dataset', join(dir, 'ds'), '--layer', 'expanded_conv_12', '--preprocess', 'mobilenet', '--top-k', '5', '--out', runDir]);
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes a report whose data matches results.json, with the ground truth of each shown label', async () => {
    const r = await cli(['report', runDir]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(await readFile(join(runDir, 'expanded_conv_12', 'results.json'), 'utf8')) as LayerResults;
    const data = readData(await readFile(join(runDir, 'report', 'data.js'), 'utf8'));
    const layer = data.layers[0];
    assert.ok(layer);
    assert.equal(layer.units.length, 96);
    assert.equal(layer.stats.detectors, results.stats.detectors);
    for (const [i, u] of layer.units.entries()) {
      const src = results.units[i];
      assert.ok(src);
      assert.deepEqual([u.unit, u.label, u.score, u.images.map((m) => m.image)], [src.unit, src.name, src.score, src.topImages.map((t) => t.image)]);
    }
    // The dataset reopens from run.json: every (image, best label) pair shown has its truth.
    assert.equal(data.groundTruth.shown, true, data.groundTruth.note);
    for (const u of layer.units.filter((x) => x.labelNumber > 0)) for (const img of u.images) assert.ok(data.truths[`${img.image}:${u.labelNumber}`], `truth of unit ${u.unit} image ${img.image}`);
    assert.ok(Object.values(data.truths).some((t) => t !== 'full' && t.runs.length > 2), 'no pixel-labelled truth');
    assert.ok(existsSync(join(runDir, 'report', 'photos', 'sheet-001.jpg')));
    assert.ok(!existsSync(join(runDir, 'report', 'units')));
    const html = await readFile(join(runDir, 'report', 'index.html'), 'utf8');
    assert.ok(html.includes(`${results.stats.detectors}/96 units covering ${results.stats.uniqueConcepts} concepts with IoU &gt; 0.04`));
  });

  it('writes the JPEG strips with --all-strips, the ground truth outlined in the large ones', async () => {
    const out = join(dir, 'strips');
    const r = await cli(['report', runDir, '--all-strips', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const data = readData(await readFile(join(out, 'data.js'), 'utf8'));
    const layer = data.layers[0];
    assert.ok(layer);
    assert.equal((await readdir(join(out, 'units', 'expanded_conv_12'))).length, 96 * 2);
    const meta = await sharp(join(out, layer.units[0]?.strip ?? '')).metadata();
    assert.deepEqual([meta.width, meta.height], [5 * 112, 112]);
    let truthPixels = 0;
    for (const u of layer.units.filter((x) => x.detector)) {
      const { data: px } = await sharp(join(out, u.large ?? '')).raw().toBuffer({ resolveWithObject: true });
      for (let i = 0; i < px.length; i += 3) if ((px[i] as number) < 90 && (px[i + 1] as number) > 170 && (px[i + 2] as number) > 200) truthPixels++;
    }
    assert.ok(truthPixels > 0, 'no ground-truth outline pixel in any detector strip');
  });
});

function readData(text: string): ReportData {
  const window: { __NETDISSECT__?: ReportData } = {};
  runInNewContext(text, { window });
  // Through JSON: values made in the vm context have that context's prototypes.
  return JSON.parse(JSON.stringify(window.__NETDISSECT__)) as ReportData;
}
