import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { loadRun } from '../../src/report/load-run.js';
import type { LayerResults } from '../../src/run/results-types.js';
import { RunDirError } from '../../src/util/errors.js';
import { makeRunFixture, type RunFixture } from './fixture.js';

describe('loadRun', () => {
  let fx: RunFixture | undefined;
  const layers = [
    { name: 'a', dir: 'a', units: 2, h: 2, w: 2 },
    { name: 'b', dir: 'b', units: 3, h: 2, w: 2 },
  ];
  beforeEach(async () => {
    await fx?.cleanup();
    fx = await makeRunFixture({ layers, images: 3, topK: 2 });
  });
  after(() => fx?.cleanup());
  const edit = async (file: string, change: (v: Record<string, unknown>) => unknown): Promise<void> => {
    const path = join((fx as RunFixture).runDir, file);
    await writeFile(path, JSON.stringify(change(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>)));
  };
  const rejects = (pattern: RegExp) => assert.rejects(loadRun((fx as RunFixture).runDir), (e: Error) => e instanceof RunDirError && pattern.test(e.message));

  it('reads the manifest and every layer', async () => {
    const run = await loadRun((fx as RunFixture).runDir);
    assert.deepEqual(run.layers.map((l) => [l.layer.name, l.results.units.length]), [['a', 2], ['b', 3]]);
    assert.deepEqual(run.missing, []);
  });
  it('says what is missing when run.json is absent', async () => {
    await rm(join((fx as RunFixture).runDir, 'run.json'));
    await rejects(/run\.json: not found; expected the run manifest/);
  });
  it('refuses a layer folder that is not one safe path segment', async () => {
    await edit('run.json', (m) => ({ ...m, layers: [{ name: 'x', dir: '../x', shape: [1, 1, 1] }] }));
    await rejects(/layer "x" has folder "\.\.\/x", expected one path segment/);
  });
  it('refuses maps whose size is not h*w', async () => {
    await edit('b/results.json', (r) => {
      const res = r as unknown as LayerResults;
      const units = res.units.map((u, i) => (i === 1 ? { ...u, topImages: [{ ...u.topImages[0], map: [1, 2, 3] }] } : u));
      return { ...res, units };
    });
    await rejects(/b[\\/]results\.json: unit 2 image \d+ map has 3 values, expected h\*w = 4/);
  });
  it('refuses image indices outside dataset.imageFiles', async () => {
    await edit('a/results.json', (r) => {
      const res = r as unknown as LayerResults;
      return { ...res, units: res.units.map((u) => ({ ...u, topImages: [{ ...u.topImages[0], image: 3 }] })) };
    });
    await rejects(/unit 1 top image 3 is outside dataset\.imageFiles \(0\.\.2\)/);
  });
  it('refuses a newer results schema', async () => {
    await edit('a/results.json', (r) => ({ ...r, version: 99 }));
    await rejects(/results version 99 is newer than this netdissect reads/);
  });
  it('leaves out layers without results while the run is not complete', async () => {
    await edit('run.json', (m) => ({ ...m, state: 'running' }));
    await rm(join((fx as RunFixture).runDir, 'b', 'results.json'));
    const run = await loadRun((fx as RunFixture).runDir);
    assert.deepEqual(run.layers.map((l) => l.layer.name), ['a']);
    assert.deepEqual(run.missing, ['b']);
  });
  it('requires every layer of a complete run', async () => {
    await rm(join((fx as RunFixture).runDir, 'b', 'results.json'));
    await rejects(/b[\\/]results\.json: not found/);
  });
});
