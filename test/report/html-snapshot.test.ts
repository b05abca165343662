// Snapshot of the static page for a small seeded run: any change to the rendered report shows up
// as a diff to review. On a mismatch the new page is written beside the snapshot as
// `<name>-changed.html`; accept it by renaming it over the snapshot, or rerun with
// UPDATE_SNAPSHOTS=1. A missing snapshot is a failure, never silently recorded.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { writeReport } from '../../src/report/write-report.js';
import { makeRunFixture } from './fixture.js';

const SNAPSHOTS = resolve('test', 'report', 'snapshots');

describe('index.html snapshot', () => {
  it('matches test/report/snapshots/small-run.html', async () => {
    const fx = await makeRunFixture({ layers: [{ name: 'block/conv', dir: 'block_conv', units: 6, h: 3, w: 3 }], images: 4, topK: 2, photoSize: 32 });
    try {
      const { indexPath } = await writeReport(fx.runDir);
      // Normalise what differs between runs: the temp folder and the time of writing.
      const html = (await readFile(indexPath, 'utf8'))
        .replaceAll(fx.dir, '$TMP')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '$TIME');
      const file = join(SNAPSHOTS, 'small-run.html');
      const changed = join(SNAPSHOTS, 'small-run-changed.html');
      if (process.env['UPDATE_SNAPSHOTS'] === '1') {
        await writeFile(file, html);
        await rm(changed, { force: true });
        return;
      }
      const expected = await readFile(file, 'utf8').catch(() => null);
      if (expected === null) {
        await writeFile(changed, html);
        assert.fail(`${file} is missing: review ${changed} and rename it to ${file}, or rerun with UPDATE_SNAPSHOTS=1 to record it`);
      }
      if (html !== expected) await writeFile(changed, html);
      else await rm(changed, { force: true });
      assert.ok(html === expected, `the rendered report changed: review ${changed} against ${file}`);
    } finally {
      await fx.cleanup();
    }
  });
});
