// The stop gates: at the chosen moment the child writes its mark and freezes (it neither exits
// nor goes on), so a test's SIGKILL lands exactly there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { STOP_AT_ENV, type StopAt } from './stop-at.js';

const PRELOAD = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'stop-at.js')).href;

/**
 * Run an ES module snippet under the gate until its mark appears (or it exits), then SIGKILL it.
 * Returns whether the mark appeared, the signal that ended the child, and its stdout.
 */
async function gated(stop: StopAt, code: string): Promise<{ marked: boolean; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', PRELOAD, '--input-type=module', '-e', code], {
    env: { ...process.env, [STOP_AT_ENV]: JSON.stringify(stop) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let exited = false;
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => { exited = true; resolve(signal); }));
  while (!exited && !existsSync(stop.mark)) await new Promise((r) => setTimeout(r, 5));
  const marked = existsSync(stop.mark);
  if (marked) assert.equal(readFileSync(stop.mark, 'utf8'), `${child.pid}\n`, 'the mark names the frozen process');
  child.kill('SIGKILL');
  return { marked, signal: await closed, stdout };
}

describe('stop-at preload', () => {
  let tmp = '';
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nd-stop-at-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("'before-complete' freezes before run.json says complete, not before other renames", async () => {
    const dir = path.join(tmp, 'run');
    const mark = path.join(tmp, 'complete.mark');
    const r = await gated({ at: 'before-complete', mark }, `
      import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
      const dir = ${JSON.stringify(dir)};
      mkdirSync(dir);
      writeFileSync(dir + '/t1', '{"state": "running"}'); renameSync(dir + '/t1', dir + '/run.json'); console.log('running');
      writeFileSync(dir + '/t2', '{"state": "complete"}'); renameSync(dir + '/t2', dir + '/run.json'); console.log('complete');`);
    assert.ok(r.marked);
    assert.equal(r.signal, 'SIGKILL', 'still frozen at the kill');
    assert.equal(r.stdout, 'running\n');
    assert.equal(readFileSync(path.join(dir, 'run.json'), 'utf8'), '{"state": "running"}');
  });

  it("'after-checkpoint' freezes once the checkpoint is in place", async () => {
    const cache = path.join(tmp, 'ck', '.cache');
    const mark = path.join(tmp, 'checkpoint.mark');
    const r = await gated({ at: 'after-checkpoint', mark }, `
      import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
      const cache = ${JSON.stringify(cache)};
      mkdirSync(cache, { recursive: true });
      writeFileSync(cache + '/x', 'ck'); renameSync(cache + '/x', cache + '/checkpoint.bin'); console.log('after');`);
    assert.ok(r.marked);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(path.join(cache, 'checkpoint.bin'), 'utf8'), 'ck');
  });

  it("'stderr' freezes right after the line is written", async () => {
    const mark = path.join(tmp, 'stderr.mark');
    const r = await gated({ at: 'stderr', text: 'counting:', mark }, `
      process.stderr.write('forward: 10/10\\n'); console.log('a');
      process.stderr.write('counting: 0/10\\n'); console.log('b');`);
    assert.ok(r.marked);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.stdout, 'a\n');
  });

  it('a child without the moment runs to its end and writes no mark', async () => {
    const mark = path.join(tmp, 'never.mark');
    const r = await gated({ at: 'stderr', text: 'never printed', mark }, `process.stderr.write('x\\n'); console.log('done');`);
    assert.equal(r.marked, false);
    assert.equal(r.signal, null);
    assert.equal(r.stdout, 'done\n');
  });
});
