// A run's dataset is reopened from the spec run.json records, never from its command line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { datasetSpecOfRun } from '../../src/run/reopen-dataset.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { DatasetError } from '../../src/util/errors.js';

const manifest = (dataset: Partial<RunManifest['dataset']>): RunManifest => ({
  command: ['dissect', '--dataset', '/elsewhere'], dataset: { root: '/data/b', format: 'broden', digest: 'x', images: 3, ...dataset },
} as unknown as RunManifest);

describe('datasetSpecOfRun', () => {
  it('returns the recorded spec, not the command line', () => {
    const spec = { images: '/d/photos', labels: '/d/annot', classes: '/d/names.txt', ignore: 11, autoColor: true, labelSize: [90, 120] as [number, number], format: 'segfolder' as const };
    assert.deepEqual(datasetSpecOfRun(manifest({ format: 'segfolder', spec })), spec);
  });
  it('replaces the folder of a moved folder-format dataset', () => {
    assert.deepEqual(datasetSpecOfRun(manifest({ spec: { dataset: '/data/b', format: 'broden', categories: ['object'] } }), '/mnt/b'),
      { dataset: '/mnt/b', format: 'broden', categories: ['object'] });
  });
  it('refuses a run.json without a spec, saying why', () => {
    assert.throws(() => datasetSpecOfRun(manifest({})), (e: Error) => e instanceof DatasetError && /records no dataset spec/.test(e.message));
  });
});
