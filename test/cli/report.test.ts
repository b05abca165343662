import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import type { ReportData } from '../../src/report/report-data.js';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRunFixture, type RunFixture } from '../report/fixture.js';

/** Run the real CLI (bin/netdissect.js, from the repository root). */
function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/netdissect.js', ...args], { cwd: process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('netdissect report', () => {
  let fx: RunFixture;
  before(async () => {
    fx = await makeRunFixture({ layers: [{ name: 'conv', dir: 'conv', units: 3, h: 3, w: 3 }], images: 4, topK: 3 });
  });
  after(() => fx.cleanup());

  it('writes RUN_DIR/report/index.html and prints its path', async () => {
    const r = await cli(['report', fx.runDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(fx.runDir, 'report', 'index.html')}\n`);
    assert.match(r.stderr, /report written in/);
    assert.ok((await stat(join(fx.runDir, 'report', 'index.html'))).isFile());
    assert.ok((await stat(join(fx.runDir, 'report', 'photos', 'sheet-001.jpg'))).isFile());
    assert.ok((await stat(join(fx.runDir, 'report', 'layers', 'conv', 'tally.csv'))).isFile());
  });
  it('honours --out and --top-k: 2 images per unit, in the data and in the strips', async () => {
    const out = join(fx.dir, 'top2-report');
    const r = await cli(['report', fx.runDir, '--out', out, '--top-k', '2', '--all-strips']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(out, 'index.html')}\n`);
    assert.ok((await stat(join(out, 'index.html'))).isFile());
    const window: { __NETDISSECT__?: ReportData } = {};
    runInNewContext(await readFile(join(out, 'data.js'), 'utf8'), { window });
    const data = JSON.parse(JSON.stringify(window.__NETDISSECT__)) as ReportData;
    assert.equal(data.topK, 2);
    assert.deepEqual(data.layers[0]?.units.map((u) => u.images.length), [2, 2, 2]);
    assert.deepEqual((await readdir(join(out, 'units', 'conv'))).sort(), ['0001-large.jpg', '0001.jpg', '0002-large.jpg', '0002.jpg', '0003-large.jpg', '0003.jpg']);
    for (const unit of [1, 2, 3]) {
      const name = String(unit).padStart(4, '0');
      const small = await sharp(join(out, 'units', 'conv', `${name}.jpg`)).metadata();
      const large = await sharp(join(out, 'units', 'conv', `${name}-large.jpg`)).metadata();
      assert.deepEqual([small.width, small.height, large.width, large.height], [2 * 112, 112, 2 * 224, 224], `unit ${unit}`);
    }
  });
  it('exits 2 on a bad --dim', async () => {
    const r = await cli(['report', fx.runDir, '--dim', '2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--dim "2": expected a number from 0 to 1/);
  });
  it('exits 2 on a bad --top-k', async () => {
    const r = await cli(['report', fx.runDir, '--top-k', 'ten']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--top-k "ten": expected an integer from 1 to 100/);
  });
  it('exits 1 with a clear message when RUN_DIR is not a run', async () => {
    const r = await cli(['report', fx.datasetRoot]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^netdissect: error: .*run\.json: not found; expected the run manifest/);
  });
  it('documents every flag in --help', async () => {
    const r = await cli(['report', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--out', '--top-k', '--dataset', '--no-ground-truth', '--all-strips', '--dim']) assert.ok(r.stdout.includes(flag), flag);
  });
});
