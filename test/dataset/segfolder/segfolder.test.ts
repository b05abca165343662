import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { openSegFolder } from '../../../src/dataset/segfolder/segfolder.js';
import type { DatasetProblem } from '../../../src/dataset/problems.js';
import { DatasetError } from '../../../src/util/errors.js';
import { writeSegFolder, SEG_IDS } from '../fixtures.js';
import { sharedMissing } from '../../helpers/shared.js';

describe('openSegFolder', () => {
  let dir = '';
  let paths = { images: '', labels: '', classes: '' };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-segfolder-'));
    paths = await writeSegFolder(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers class id k as label k+1 in the given category', async () => {
    const ds = await openSegFolder({ ...paths, ignore: 9, labelSize: [2, 4], category: 'thing' });
    assert.equal(ds.format, 'segfolder');
    assert.deepEqual(ds.categories, ['thing']);
    assert.deepEqual(ds.labels.slice(1).map((l) => [l?.number, l?.name, l?.primaryCategory]), [[1, 'sky', 'thing'], [2, 'road', 'thing'], [3, 'car', 'thing']]);
    assert.deepEqual(ds.images.map((r) => [r.index, r.file, r.sh, r.sw]), [[0, 'images/a.png', 2, 4], [1, 'images/b.png', 2, 4], [2, 'images/c.png', 2, 4]]);
    assert.ok(ds.identityFiles.includes('classes.txt'));
  });

  it('maps ids to numbers with the ignore id unlabelled, at the native size', async () => {
    const ds = await openSegFolder({ ...paths, ignore: 9, labelSize: [2, 4] });
    const l = await ds.readLabels(0);
    const ann = l.byCategory.get('object')!;
    assert.deepEqual([...ann.maps[0]!], SEG_IDS['a']!.map((k) => (k === 9 ? 0 : k + 1)));
    assert.deepEqual(ann.imageLabels, []);
  });

  it('resizes label maps by nearest neighbour to labelSize', async () => {
    const ds = await openSegFolder({ ...paths, ignore: 9, labelSize: [1, 2] });
    // rows: floor(0.5*2/1)=1; cols: floor(0.5*4/2)=1, floor(1.5*2)=3 → ids a[5]=9, a[7]=1
    const map = (await ds.readLabels(0)).byCategory.get('object')!.maps[0]!;
    assert.deepEqual([...map], [0, 2]);
  });

  it('reads photos as RGB', async () => {
    const ds = await openSegFolder({ ...paths, ignore: 9, labelSize: [2, 4] });
    const img = await ds.readImage(1);
    assert.deepEqual([img.width, img.height], [4, 2]);
    assert.deepEqual([...img.data.subarray(0, 6)], [255, 0, 0, 250, 5, 5]);
  });

  it('throws DatasetError naming file and pixel for a class id the classes file lacks', async () => {
    const ds = await openSegFolder({ ...paths, labelSize: [2, 4] }); // no ignore: id 9 unknown
    await assert.rejects(ds.readLabels(0), (e: Error) => e instanceof DatasetError && /a\.png: pixel \(1, 1\) has class id 9/.test(e.message));
  });

  it('collects every pairing and class-file problem, or throws on the first without a list', async () => {
    const d2 = await mkdtemp(join(tmpdir(), 'nd-segfolder-bad-'));
    try {
      const p = await writeSegFolder(d2);
      await unlink(join(p.labels, 'b.png'));
      await unlink(join(p.labels, 'c.png'));
      await writeFile(join(p.labels, 'orphan.png'), encode({ width: 1, height: 1, channels: 1, depth: 8, data: new Uint8Array(1) }));
      await writeFile(p.classes, 'sky\n\nsky\ncar\n');
      const problems: DatasetProblem[] = [];
      const ds = await openSegFolder({ ...p, labelSize: [2, 4] }, problems);
      assert.equal(ds.images.length, 1);
      const summary = problems.map((q) => `${q.severity} ${q.file.slice(d2.length)}${q.line ? `:${q.line}` : ''}`);
      assert.deepEqual(summary, [
        'error /classes.txt:2',
        'error /classes.txt:3',
        'error /images/b.png',
        'error /images/c.png',
        'warning /labels/orphan.png',
      ]);
      await assert.rejects(openSegFolder({ ...p, labelSize: [2, 4] }), (e: Error) => e instanceof DatasetError && e.message.includes('classes.txt:2'));
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('opens real CamVid (367 train images, 11 classes, 11 = unlabelled)', async (t) => {
    const camvid = '../shared/data/camvid';
    const missing = sharedMissing(camvid);
    if (missing) return t.skip(missing);
    const classes = join(dir, 'camvid-classes.txt');
    await writeFile(classes, 'sky\nbuilding\npole\nroad\npavement\ntree\nsignsymbol\nfence\ncar\npedestrian\nbicyclist\n');
    const ds = await openSegFolder({ images: join(camvid, 'train'), labels: join(camvid, 'trainannot'), classes, ignore: 11, labelSize: [112, 112] });
    assert.equal(ds.images.length, 367);
    assert.equal(ds.labels[9]?.name, 'car');
    assert.equal(ds.labels[8]?.name, 'fence');
    const map = (await ds.readLabels(0)).byCategory.get('object')!.maps[0]!;
    assert.equal(map.length, 112 * 112);
    for (const v of map) assert.ok(v <= 11);
    assert.ok(map.includes(4), 'the first CamVid image shows road');
  });
});
