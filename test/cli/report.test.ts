import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
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
    assert.ok((await stat(join(fx.runDir, 'report', 'units', 'conv', '0003-large.jpg'))).isFile());
  });
  it('honours --out and --top-k', async () => {
    const out = join(fx.dir, 'shared-report');
    const r = await cli(['report', fx.runDir, '--out', out, '--top-k', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(out, 'index.html')}\n`);
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
    for (const flag of ['--out', '--top-k', '--dataset']) assert.ok(r.stdout.includes(flag), flag);
  });
});
